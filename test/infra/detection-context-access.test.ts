import { Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lib/constants/env';
import { INVENTORY_PREFIX } from '../../lib/context/inventory-layout';
import { THREAT_INTEL_LISTS_PREFIX, THREAT_INTEL_TABLE_PREFIX } from '../../lib/context/threat-intel-layout';
import { loadDetections, referencedContextTables } from '../../lib/detection/registry';
import { buildApp } from '../../lib/infra/app';
import { config, MINIMAL } from './fixtures';

// GIVEN the minimal deployment (every detection enabled by default), synthesized without bundling
const { stack } = buildApp(config(MINIMAL), { context: { 'aws:cdk:bundling-stacks': [] } });
const template = Template.fromStack(stack);

type Res = { Properties: Record<string, unknown> };

/** Every IAM statement attached to the role of one detection's Lambda, as JSON text. */
function detectionPolicyText(id: string): string {
  const fns = Object.values(template.findResources('AWS::Lambda::Function')) as Res[];
  const fn = fns.find(
    (f) =>
      (f.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.[
        ENV.DETECTION_ID
      ] === id,
  );
  if (!fn) throw new Error(`no Lambda for detection ${id}`);
  const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = (Object.values(template.findResources('AWS::IAM::Policy')) as Res[]).filter((p) =>
    JSON.stringify(p.Properties.Roles).includes(`"${role}"`),
  );
  return JSON.stringify(policies.map((p) => p.Properties.PolicyDocument));
}

describe('detection Lambdas and the context tables', () => {
  it('derives the tables a detection joins from its SQL', () => {
    const uses = Object.fromEntries(loadDetections().map((d) => [d.meta.id, referencedContextTables(d)]));
    expect(uses['threat-intel-match']).toEqual(['eni_inventory', 'threat_intel']);
    expect(uses['direct-to-ec2-bypass']).toEqual(['eni_inventory']);
    expect(uses['database-egress']).toEqual(['eni_inventory']);
    expect(uses['port-scan']).toEqual([]);
    // a table named only in a comment or a string is not a use
    expect(
      referencedContextTables({ body: "-- threat_intel\nSELECT 'eni_inventory' FROM flow_logs" }),
    ).toEqual([]);
    // and the inventory macro is a use of eni_inventory
    expect(
      referencedContextTables({
        body: 'SELECT 1 FROM flow_logs f JOIN {{ latest_eni_inventory }} i ON true',
      }),
    ).toEqual(['eni_inventory']);
  });

  it('lets threat-intel-match read both tables and their prefixes, never the uploaded lists', () => {
    const text = detectionPolicyText('threat-intel-match');
    expect(text).toContain('table/flowwatch/threat_intel');
    expect(text).toContain('table/flowwatch/eni_inventory');
    expect(text).toContain(`/${THREAT_INTEL_TABLE_PREFIX}*`);
    expect(text).toContain(`/${INVENTORY_PREFIX}/*`);
    expect(text).not.toContain(THREAT_INTEL_LISTS_PREFIX);
    // AND on the context bucket it may only read
    const docs = JSON.parse(text) as { Statement: { Action: string | string[]; Resource: unknown }[] }[];
    const onContext = docs
      .flatMap((d) => d.Statement)
      .filter((st) => JSON.stringify(st.Resource).includes('ContextBucket'))
      .flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]));
    expect([...new Set(onContext)].sort()).toEqual(['s3:GetBucketLocation', 's3:GetObject', 's3:ListBucket']);
  });

  it('gives every other detection the inventory (to name entities) but never threat_intel', () => {
    for (const id of ['direct-to-ec2-bypass', 'database-egress', 'port-scan', 'rejected-connections']) {
      const text = detectionPolicyText(id);
      expect({ id, inventory: text.includes('table/flowwatch/eni_inventory') }).toEqual({
        id,
        inventory: true,
      });
      expect({
        id,
        intel: text.includes('threat_intel') || text.includes(THREAT_INTEL_TABLE_PREFIX),
      }).toEqual({
        id,
        intel: false,
      });
    }
  });
});

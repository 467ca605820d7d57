import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lib/constants/env';
import { ENI_INVENTORY_COLUMNS } from '../../lib/context/eni-inventory';
import { inventoryKey } from '../../lib/context/inventory-layout';
import { PACKAGE_ROOT } from '../../lib/detection/registry';
import { buildApp } from '../../lib/infra/app';
import { ENI_INVENTORY_TABLE_NAME } from '../../lib/infra/eni-inventory';
import { synthTemplates } from '../../lib/infra/synth';
import { config, MAXIMAL, MINIMAL } from './fixtures';

// GIVEN the maximal config (inventory enabled) and the minimal one (default: disabled),
// WHEN synthesized without bundling (cdk-nag on: an unacknowledged finding would throw here).
function synth(input: typeof MAXIMAL): Template {
  const { stack } = buildApp(config(input), { context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(stack);
}

const maximal = synth(MAXIMAL);
const minimal = synth(MINIMAL);
const contextBuckets = (t: Template) =>
  Object.keys(t.findResources('AWS::S3::Bucket')).filter((id) => id.startsWith('ContextBucket'));
const BUCKET = contextBuckets(maximal)[0]!;

test('one context bucket, whether the inventory Lambda is enabled or not', () => {
  expect(contextBuckets(maximal)).toHaveLength(1);
  expect(contextBuckets(minimal)).toHaveLength(1);
  // Snapshots under eni-inventory/ expire with the flow logs (maximal: 400 days, minimal: the default).
  for (const [t, days] of [
    [maximal, 400],
    [minimal, config(MINIMAL).retention.flowLogDays],
  ] as const) {
    const bucket = t.findResources('AWS::S3::Bucket')[contextBuckets(t)[0]!] as Res;
    expect(bucket.Properties.LifecycleConfiguration).toEqual({
      Rules: [
        { Id: 'expire-inventory', Prefix: 'eni-inventory/', ExpirationInDays: days, Status: 'Enabled' },
      ],
    });
    expect(bucket.Properties.LoggingConfiguration).toMatchObject({ LogFilePrefix: 'context-bucket/' });
  }
  // Exposed to other constructs (threat intel stores its lists in the same bucket).
  const { stack } = buildApp(config(MINIMAL), { context: { 'aws:cdk:bundling-stacks': [] } });
  expect(stack.contextBucket.node.path).toBe(`${stack.stackName}/ContextBucket/Bucket`);
  expect(stack.inventory).toBeUndefined();
  expect(stack.inventoryTable.table.node.path).toContain('EniInventoryTable');
});

type Res = { Properties: Record<string, unknown> };

function inventoryPolicyStatements(t: Template): Record<string, unknown>[] {
  const [, fn] = inventoryFunction(t);
  const roleRef = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = Object.values(t.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify((p as Res).Properties.Roles).includes(roleRef),
  ) as Res[];
  expect(policies).toHaveLength(1);
  return (policies[0]!.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
}

function inventoryFunction(t: Template): [string, Res] {
  const fns = Object.entries(t.findResources('AWS::Lambda::Function')).filter(
    ([, f]) =>
      (f as Res).Properties.Environment !== undefined &&
      JSON.stringify((f as Res).Properties.Environment).includes(ENV.INVENTORY_BUCKET),
  );
  expect(fns).toHaveLength(1);
  return fns[0] as [string, Res];
}

function inventoryTable(t: Template): Res {
  const tables = Object.values(t.findResources('AWS::Glue::Table')).filter(
    (r) =>
      (r as { Properties: { TableInput: { Name: string } } }).Properties.TableInput.Name ===
      ENI_INVENTORY_TABLE_NAME,
  );
  expect(tables).toHaveLength(1);
  return tables[0] as Res;
}

test('disabled by default: no inventory function, schedule or ec2 permission, but the table is there', () => {
  expect(config(MINIMAL).inventory.enabled).toBe(false);
  const fns = Object.values(minimal.findResources('AWS::Lambda::Function'));
  expect(fns.some((f) => JSON.stringify(f).includes(ENV.INVENTORY_BUCKET))).toBe(false);
  expect(JSON.stringify(minimal.findResources('AWS::IAM::Policy'))).not.toContain(
    'ec2:DescribeNetworkInterfaces',
  );
  expect(JSON.stringify(minimal.findResources('AWS::Events::Rule'))).not.toContain('ENI inventory');
  // The table reads the context bucket even with no Lambda writing to it (uploads by hand, empty joins).
  const location = (
    inventoryTable(minimal).Properties.TableInput as { StorageDescriptor: { Location: unknown } }
  ).StorageDescriptor.Location;
  expect(location).toEqual({
    'Fn::Join': ['', ['s3://', { Ref: contextBuckets(minimal)[0]! }, '/eni-inventory/']],
  });
});

test('the inventory function runs hourly from an EventBridge rule, failures to a DLQ', () => {
  const [fnId, fn] = inventoryFunction(maximal);
  expect(fn.Properties.Handler).toBe('index.handler');
  expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
  const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  expect(env[ENV.INVENTORY_ACCOUNT]).toBe('111111111111');
  expect(env[ENV.INVENTORY_BUCKET]).toEqual({ Ref: BUCKET });
  // Covers the config's accounts and regions; no member role configured, so no role and no sts.
  expect(env[ENV.INVENTORY_ACCOUNTS]).toBe('111111111111,222222222222,333333333333');
  expect(env[ENV.INVENTORY_REGIONS]).toBe('eu-west-1,eu-central-1,us-east-1');
  expect(env[ENV.INVENTORY_PARTITION]).toEqual({ Ref: 'AWS::Partition' });
  expect(env[ENV.INVENTORY_MEMBER_ROLE]).toBeUndefined();
  expect(env[ENV.INVENTORY_EXTERNAL_ID]).toBeUndefined();
  expect(fn.Properties.Timeout).toBe(600);
  maximal.hasResourceProperties('AWS::Events::Rule', {
    ScheduleExpression: 'rate(1 hour)',
    State: 'ENABLED',
    Targets: Match.arrayWith([
      Match.objectLike({
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 4 },
      }),
    ]),
  });
});

test('IAM: DescribeNetworkInterfaces on * and PutObject only on the inventory prefix of its bucket', () => {
  const [, fn] = inventoryFunction(maximal);
  const roleRef = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = Object.values(maximal.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify((p as Res).Properties.Roles).includes(roleRef),
  ) as Res[];
  expect(policies).toHaveLength(1);
  const statements = (policies[0]!.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
    .Statement;
  const byAction = (a: string) => statements.filter((s) => [s.Action].flat().includes(a));
  expect(byAction('ec2:DescribeNetworkInterfaces')).toEqual([
    { Action: 'ec2:DescribeNetworkInterfaces', Effect: 'Allow', Resource: '*' },
  ]);
  const put = byAction('s3:PutObject');
  expect(put).toHaveLength(1);
  expect(put[0]!.Action).toBe('s3:PutObject');
  expect(put[0]!.Resource).toEqual({
    'Fn::Join': ['', [{ 'Fn::GetAtt': [BUCKET, 'Arn'] }, '/eni-inventory/*']],
  });
  // Nothing else: no reads, no deletes, no other bucket, no other EC2 action.
  const actions = statements.flatMap((s) => [s.Action].flat() as string[]).sort();
  expect(actions).toEqual(
    [
      'ec2:DescribeNetworkInterfaces',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:PutObject',
      'sqs:SendMessage',
    ].sort(),
  );
});

test('eni_inventory table: catalogue columns, JSON SerDe, projection matching the documented layout', () => {
  const t = inventoryTable(maximal);
  const input = t.Properties.TableInput as {
    Parameters: Record<string, unknown>;
    PartitionKeys: { Name: string }[];
    StorageDescriptor: {
      Columns: { Name: string; Type: string }[];
      Location: unknown;
      SerdeInfo: { SerializationLibrary: string };
    };
  };
  expect(t.Properties.DatabaseName).toBe('flowwatch_org');
  expect(input.StorageDescriptor.Columns).toEqual(
    ENI_INVENTORY_COLUMNS.map((c) => ({ Name: c.name, Type: c.glue })),
  );
  expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
  expect(input.PartitionKeys.map((k) => k.Name)).toEqual(['aws_account_id', 'aws_region', 'dt']);
  const p = input.Parameters;
  expect(p).toMatchObject({
    'projection.enabled': 'true',
    'projection.aws_account_id.type': 'enum',
    'projection.aws_account_id.values': '111111111111,222222222222,333333333333',
    'projection.aws_region.type': 'enum',
    'projection.aws_region.values': 'eu-west-1,eu-central-1,us-east-1',
    'projection.dt.type': 'date',
    'projection.dt.format': 'yyyy/MM/dd/HH',
    'projection.dt.interval': '1',
    'projection.dt.interval.unit': 'HOURS',
    'projection.dt.range': '2023/06/01/00,NOW',
  });
  // The template, with the projected values filled in, is the directory of a key the Lambda writes.
  const template = p['storage.location.template'] as { 'Fn::Join': [string, unknown[]] };
  const parts = template['Fn::Join'][1];
  expect(parts[0]).toBe('s3://');
  expect(parts[1]).toEqual({ Ref: BUCKET });
  const suffix = parts.slice(2).join('');
  const key = inventoryKey({
    account: '222222222222',
    region: 'eu-central-1',
    snapshotTime: Date.UTC(2026, 0, 15, 10, 2, 5) / 1000,
    format: 'jsonl.gz',
  });
  const values: Record<string, string> = {
    aws_account_id: '222222222222',
    aws_region: 'eu-central-1',
    dt: '2026/01/15/10',
  };
  const dir = suffix.replace(/\$\{(\w+)\}/g, (_m: string, n: string) => values[n] ?? `<unknown ${n}>`);
  expect(`${key.slice(0, key.lastIndexOf('/') + 1)}`).toBe(dir.replace(/^\//, ''));
});

test('the inventory handler bundles (no DuckDB native binding) and loads in a fresh Node process', () => {
  // GIVEN the minimal config with one detection (the Detections DLQ needs a user) and the
  // inventory on, WHEN synthesized with esbuild
  const base = config(MINIMAL);
  const keep = base.allDetections[0]!.meta.id;
  const detections = Object.fromEntries(
    base.allDetections.filter((d) => d.meta.id !== keep).map((d) => [d.meta.id, { enabled: false }]),
  );
  const outdir = mkdtempSync(join(tmpdir(), 'flowwatch-inventory-bundle-'));
  try {
    const c = config({ ...MINIMAL, detections, inventory: { enabled: true } });
    const template = Object.values(synthTemplates(c, { bundle: true, outdir }))[0]!;
    const fns = Object.values(template.Resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties).includes(ENV.INVENTORY_BUCKET),
    );
    expect(fns).toHaveLength(1);
    const key = (fns[0]!.Properties!.Code as { S3Key: string }).S3Key;
    const index = join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.js');
    // THEN the bundle is small (SDK from the runtime, DuckDB not pulled in) and exports `handler`
    expect(statSync(index).size).toBeLessThan(1024 * 1024);
    expect(readFileSync(index, 'utf8')).not.toContain('duckdb.node');
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `const m = require(${JSON.stringify(index)}); if (typeof m.handler !== 'function') process.exit(3);`,
      ],
      { encoding: 'utf8', env: { ...process.env, NODE_PATH: join(PACKAGE_ROOT, 'node_modules') } },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

describe('member accounts (inventory.memberRoleName)', () => {
  const withRole = config({
    ...MAXIMAL,
    inventory: { enabled: true, memberRoleName: 'FlowWatchInventoryMember', externalId: 'flowwatch-7f3a' },
  });
  const t = Template.fromStack(buildApp(withRole, { context: { 'aws:cdk:bundling-stacks': [] } }).stack);
  const roleArn = (account: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:role/FlowWatchInventoryMember`]],
  });

  test('sts:AssumeRole on the exact member role ARNs of the other accounts, nothing wider', () => {
    const statements = inventoryPolicyStatements(t);
    const assume = statements.filter((s) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(assume).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        // Not the deployment account (111111111111): its interfaces are described with the Lambda's own role.
        Resource: [roleArn('222222222222'), roleArn('333333333333')],
      },
    ]);
    expect(JSON.stringify(assume)).not.toContain('*');
    const actions = statements.flatMap((s) => [s.Action].flat() as string[]).sort();
    expect(actions).toEqual(
      [
        'ec2:DescribeNetworkInterfaces',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:PutObject',
        'sqs:SendMessage',
        'sts:AssumeRole',
      ].sort(),
    );
  });

  test('outputs: the function name (on-demand runs) and its role ARN (the member roles trust it)', () => {
    const [fnId, fn] = inventoryFunction(t);
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    t.hasOutput('InventoryFunctionName', { Value: { Ref: fnId } });
    t.hasOutput('InventoryRoleArn', { Value: { 'Fn::GetAtt': [roleId, 'Arn'] } });
    expect(Object.keys(minimal.findOutputs('*'))).not.toContain('InventoryRoleArn');
  });

  test('the Lambda gets the role name and external id', () => {
    const [, fn] = inventoryFunction(t);
    const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env[ENV.INVENTORY_MEMBER_ROLE]).toBe('FlowWatchInventoryMember');
    expect(env[ENV.INVENTORY_EXTERNAL_ID]).toBe('flowwatch-7f3a');
  });

  test('only the deployment account covered: a role name adds no sts permission', () => {
    const single = config({
      ...MINIMAL,
      inventory: { enabled: true, memberRoleName: 'FlowWatchInventoryMember' },
    });
    const s = Template.fromStack(buildApp(single, { context: { 'aws:cdk:bundling-stacks': [] } }).stack);
    expect(JSON.stringify(inventoryPolicyStatements(s))).not.toContain('sts:AssumeRole');
  });

  test('config: a member role that is not an IAM role name, or an external id without a role, is refused', () => {
    expect(() =>
      config({
        ...MINIMAL,
        inventory: {
          enabled: true,
          memberRoleName: 'arn:aws:iam::222222222222:role/FlowWatchInventoryMember',
        },
      }),
    ).toThrow(
      /inventory\.memberRoleName.*an IAM role name \(1-64 letters, digits or \+=,\.@-_ characters; not an ARN, no path\)/s,
    );
    expect(() =>
      config({ ...MINIMAL, inventory: { enabled: true, memberRoleName: 'x'.repeat(65) } }),
    ).toThrow(/inventory\.memberRoleName/);
    expect(() => config({ ...MINIMAL, inventory: { enabled: true, externalId: 'flowwatch-7f3a' } })).toThrow(
      'inventory.externalId: only used when assuming inventory.memberRoleName',
    );
    expect(() =>
      config({ ...MINIMAL, inventory: { enabled: true, memberRoleName: 'Ok', externalId: 'has space' } }),
    ).toThrow(/inventory\.externalId.*sts:ExternalId/s);
  });
});

import { Match, Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lib/constants/env';
import { THREAT_INTEL_COLUMNS } from '../../lib/context/threat-intel';
import { THREAT_INTEL_TABLE_PREFIX, tableKeyOfListKey } from '../../lib/context/threat-intel-layout';
import { buildApp } from '../../lib/infra/app';
import { THREAT_INTEL_TABLE_NAME } from '../../lib/infra/threat-intel';
import { config, MAXIMAL, MINIMAL } from './fixtures';

// GIVEN the minimal config (threat-intel sync on by default) and the same with the sync off,
// WHEN synthesized without bundling (cdk-nag on: an unacknowledged finding would throw here).
function synth(input: typeof MINIMAL): Template {
  const { stack } = buildApp(config(input), { context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(stack);
}

const minimal = synth(MINIMAL);
const maximal = synth(MAXIMAL);
const off = synth({ ...MINIMAL, threatIntel: { enabled: false } });

type Res = { Properties: Record<string, unknown> };

function contextBucket(t: Template): string {
  const ids = Object.keys(t.findResources('AWS::S3::Bucket')).filter((id) => id.startsWith('ContextBucket'));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

function syncFunctions(t: Template): [string, Res][] {
  return Object.entries(t.findResources('AWS::Lambda::Function')).filter(([, f]) =>
    JSON.stringify((f as Res).Properties.Environment ?? {}).includes(ENV.THREAT_INTEL_BUCKET),
  ) as [string, Res][];
}

function threatIntelTable(t: Template): Res {
  const tables = Object.values(t.findResources('AWS::Glue::Table')).filter(
    (r) =>
      (r as { Properties: { TableInput: { Name: string } } }).Properties.TableInput.Name ===
      THREAT_INTEL_TABLE_NAME,
  );
  expect(tables).toHaveLength(1);
  return tables[0] as Res;
}

test('on by default; off keeps the table but has no function, schedule or S3 grant of its own', () => {
  expect(config(MINIMAL).threatIntel.enabled).toBe(true);
  expect(syncFunctions(minimal)).toHaveLength(1);
  expect(syncFunctions(maximal)).toHaveLength(1);
  expect(syncFunctions(off)).toHaveLength(0);
  const [[fnId]] = syncFunctions(minimal) as [[string, Res]];
  expect(minimal.findOutputs('ThreatIntelSyncFunctionName')).toEqual({
    ThreatIntelSyncFunctionName: expect.objectContaining({ Value: { Ref: fnId } }),
  });
  expect(off.findOutputs('ThreatIntelSyncFunctionName')).toEqual({});
  threatIntelTable(off);
  // (Detections may read the table; nothing may read the raw lists or write the table files.)
  expect(JSON.stringify(off.findResources('AWS::IAM::Policy'))).not.toContain('threat-intel/lists/');
  expect(JSON.stringify(off.findResources('AWS::IAM::Policy'))).not.toContain('s3:DeleteObject');
  expect(JSON.stringify(off.findResources('AWS::Events::Rule'))).not.toContain('threat-intel list sync');
  expect(JSON.stringify(minimal.findResources('AWS::Events::Rule'))).toContain('threat-intel list sync');
});

test('threat_intel table: THREAT_INTEL_COLUMNS, unpartitioned, OpenX JSON SerDe over the table prefix', () => {
  const bucket = contextBucket(minimal);
  const t = threatIntelTable(minimal);
  expect(t.Properties.DatabaseName).toBe('flowwatch');
  const input = t.Properties.TableInput as {
    TableType: string;
    Parameters: Record<string, string>;
    PartitionKeys?: unknown[];
    StorageDescriptor: {
      Columns: { Name: string; Type: string }[];
      Location: unknown;
      InputFormat: string;
      SerdeInfo: { SerializationLibrary: string };
      Compressed: boolean;
    };
  };
  expect(input.TableType).toBe('EXTERNAL_TABLE');
  expect(input.PartitionKeys ?? []).toEqual([]);
  expect(input.Parameters).toEqual({ EXTERNAL: 'TRUE', classification: 'json' });
  expect(input.StorageDescriptor.Columns).toEqual(
    THREAT_INTEL_COLUMNS.map((c) => ({ Name: c.name, Type: c.glue })),
  );
  expect(input.StorageDescriptor.Columns.filter((c) => c.Type === 'bigint').map((c) => c.Name)).toEqual([
    'ip_start',
    'ip_end',
  ]);
  expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
  expect(input.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.mapred.TextInputFormat');
  expect(input.StorageDescriptor.Compressed).toBe(true);
  expect(input.StorageDescriptor.Location).toEqual({
    'Fn::Join': ['', ['s3://', { Ref: bucket }, `/${THREAT_INTEL_TABLE_PREFIX}`]],
  });
  // The file the Lambda writes for a list sits directly in that location (no sub-folder).
  const file = tableKeyOfListKey('threat-intel/lists/feeds/spamhaus/drop_v4.json');
  expect(file.slice(0, file.lastIndexOf('/') + 1)).toBe(THREAT_INTEL_TABLE_PREFIX);
});

test('the sync function runs hourly from an EventBridge rule, one at a time, failures to a DLQ with an alarm', () => {
  const bucket = contextBucket(minimal);
  const [[fnId, fn]] = syncFunctions(minimal) as [[string, Res]];
  expect(fn.Properties.ReservedConcurrentExecutions).toBe(1);
  const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  expect(env[ENV.THREAT_INTEL_BUCKET]).toEqual({ Ref: bucket });
  const dlq = (fn.Properties.DeadLetterConfig as { TargetArn: { 'Fn::GetAtt': [string, string] } }).TargetArn[
    'Fn::GetAtt'
  ][0];
  minimal.hasResourceProperties('AWS::Events::Rule', {
    ScheduleExpression: 'rate(1 hour)',
    State: 'ENABLED',
    Targets: Match.arrayWith([
      Match.objectLike({
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 4 },
      }),
    ]),
  });
  // The DLQ has its alarm in Monitoring (same as the other DLQs).
  const alarms = Object.values(minimal.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
    JSON.stringify(a).includes(dlq),
  );
  expect(alarms).toHaveLength(1);
});

test('IAM: list and read the threat-intel prefixes only; write and delete only the table files', () => {
  const bucket = contextBucket(minimal);
  const [[, fn]] = syncFunctions(minimal) as [[string, Res]];
  const roleRef = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = Object.values(minimal.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify((p as Res).Properties.Roles).includes(roleRef),
  ) as Res[];
  expect(policies).toHaveLength(1);
  const statements = (policies[0]!.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
    .Statement;
  const s3Statements = statements.filter((s) =>
    ([s.Action].flat() as string[]).some((a) => a.startsWith('s3:')),
  );
  const arn = { 'Fn::GetAtt': [bucket, 'Arn'] };
  const under = (p: string) => ({ 'Fn::Join': ['', [arn, `/${p}*`]] });
  expect(s3Statements).toEqual([
    {
      Action: 's3:ListBucket',
      Condition: { StringLike: { 's3:prefix': ['threat-intel/lists/*', 'threat-intel/table/*'] } },
      Effect: 'Allow',
      Resource: arn,
    },
    { Action: 's3:GetObject', Effect: 'Allow', Resource: under('threat-intel/lists/') },
    {
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Effect: 'Allow',
      Resource: under('threat-intel/table/'),
    },
  ]);
  // Nothing else: no other bucket, no write to the lists, no other service.
  const actions = statements.flatMap((s) => [s.Action].flat() as string[]).sort();
  expect(actions).toEqual(
    [
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:DeleteObject',
      's3:GetObject',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
      'sqs:SendMessage',
    ].sort(),
  );
});

import { Match, Template } from 'aws-cdk-lib/assertions';
import type { FlowWatchConfig } from '../../lib/config/load';
import { ENV } from '../../lib/constants/env';
import { FLOW_LOG_FIELDS, FLOWWATCH_FIELDS } from '../../lib/detection/fields';
import { investigationQueryName } from '../../lib/detection/finding';
import { DETECTIONS_DIR } from '../../lib/detection/registry';
import { buildApp } from '../../lib/infra/app';
import { BUNDLED_SQL_DIR } from '../../lib/infra/function';
import { loadRunnerConfig } from '../../lib/runtime/config';
import { DEDUPE_TABLE_SCHEMA } from '../../lib/runtime/dedupe';
import { config, ISSUE_RESPONDER_QUERIES, MAXIMAL, MINIMAL, TEXT_FIELDS } from './fixtures';

// GIVEN a config, WHEN the app is synthesized (no esbuild: bundling-stacks is empty; cdk-nag on,
// so an unacknowledged finding would throw here too), THEN the template has the resources below.
function synth(c: FlowWatchConfig): Template {
  const { stack } = buildApp(c, { context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(stack);
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; [k: string]: unknown }>;

function resources(t: Template, type: string): Resources {
  return t.findResources(type) as Resources;
}

function only<T>(r: Record<string, T>): T {
  const v = Object.values(r);
  expect(v).toHaveLength(1);
  return v[0]!;
}

const minCfg = config(MINIMAL);
const maxCfg = config(MAXIMAL);
const minimal = synth(minCfg);
const maximal = synth(maxCfg);

describe('buckets', () => {
  test('every bucket blocks public access, is encrypted and is TLS-only', () => {
    for (const t of [minimal, maximal]) {
      const buckets = resources(t, 'AWS::S3::Bucket');
      for (const [id, b] of Object.entries(buckets)) {
        expect(b.Properties.PublicAccessBlockConfiguration).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        expect(b.Properties.BucketEncryption).toBeDefined();
        expect(b.UpdateReplacePolicy).toBe('Retain');
        expect(b.DeletionPolicy).toBe('Retain');
        const policies = Object.values(resources(t, 'AWS::S3::BucketPolicy')).filter(
          (p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: id }),
        );
        expect(policies).toHaveLength(1);
        expect(JSON.stringify(policies[0]!.Properties.PolicyDocument)).toContain(
          '"aws:SecureTransport":"false"',
        );
      }
    }
  });

  test('the flow-log bucket: KMS with bucket keys, versioning, lifecycle, access logging', () => {
    const buckets = resources(minimal, 'AWS::S3::Bucket');
    const flow = Object.entries(buckets).find(([id]) => id.startsWith('FlowLogStorageBucket'))![1];
    expect(flow.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^FlowLogStorageKey/), 'Arn'] },
          },
        },
      ],
    });
    expect(flow.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(flow.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: expect.stringMatching(/^AccessLogsBucket/) },
      LogFilePrefix: 'flow-log-bucket/',
    });
    const rule = (flow.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules[0]!;
    expect(rule).toMatchObject({
      ExpirationInDays: 365,
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      Status: 'Enabled',
    });
  });

  test('log delivery may write only under AWSLogs/<account>/ of the configured accounts, from their regions', () => {
    const policy = Object.values(resources(minimal, 'AWS::S3::BucketPolicy')).find((p) =>
      JSON.stringify(p).includes('AWSLogDeliveryWrite'),
    )!;
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
      .Statement;
    const write = statements.find((s) => s.Sid === 'AWSLogDeliveryWrite')!;
    expect(write).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'delivery.logs.amazonaws.com' },
      Action: 's3:PutObject',
      Condition: {
        StringEquals: { 'aws:SourceAccount': ['111111111111'], 's3:x-amz-acl': 'bucket-owner-full-control' },
        ArnLike: {
          'aws:SourceArn': [
            { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:us-east-1:111111111111:*']] },
          ],
        },
      },
    });
    expect(JSON.stringify(write.Resource)).toContain('/vpc-flow-logs/AWSLogs/111111111111/*');
    const acl = statements.find((s) => s.Sid === 'AWSLogDeliveryAclCheck')!;
    expect(acl).toMatchObject({
      Action: ['s3:GetBucketAcl', 's3:ListBucket'],
      Condition: { StringEquals: { 'aws:SourceAccount': ['111111111111'] } },
    });
  });

  test('query results expire and are SSE-KMS encrypted', () => {
    const results = Object.entries(resources(maximal, 'AWS::S3::Bucket')).find(([id]) =>
      id.startsWith('AthenaResultsBucket'),
    )![1];
    expect(JSON.stringify(results.Properties.BucketEncryption)).toContain('aws:kms');
    expect(JSON.stringify(results.Properties.LifecycleConfiguration)).toContain('"ExpirationInDays":3');
  });

  test('existing-bucket mode creates no flow-log bucket and no flow logs', () => {
    const ids = Object.keys(resources(maximal, 'AWS::S3::Bucket'));
    expect(ids.some((id) => id.startsWith('FlowLogStorage'))).toBe(false);
    maximal.resourceCountIs('AWS::EC2::FlowLog', 0);
    expect(ids).toHaveLength(3); // access logs + query results + context bucket (always)
  });

  test('removalPolicy destroy deletes buckets, keys and the dedupe table with the stack', () => {
    const t = synth(config({ ...MINIMAL, removalPolicy: 'destroy' }));
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::DynamoDB::Table', 'AWS::Logs::LogGroup'])
      for (const r of Object.values(resources(t, type)))
        expect([type, r.DeletionPolicy]).toEqual([type, 'Delete']);
  });

  test('KMS keys rotate', () => {
    for (const t of [minimal, maximal])
      for (const k of Object.values(resources(t, 'AWS::KMS::Key')))
        expect(k.Properties.EnableKeyRotation).toBe(true);
  });
});

describe('flow logs', () => {
  test('Parquet, per-hour partitions, plain prefixes, 60 s aggregation, v2-v5 + reject-reason', () => {
    const fl = only(resources(minimal, 'AWS::EC2::FlowLog'));
    expect(fl.Properties).toMatchObject({
      ResourceId: 'vpc-0abc12345def67890',
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      MaxAggregationInterval: 60,
      LogDestinationType: 's3',
      DestinationOptions: { FileFormat: 'parquet', HiveCompatiblePartitions: false, PerHourPartition: true },
    });
    const format = fl.Properties.LogFormat as string;
    const fields = [...format.matchAll(/\$\{([a-z-]+)\}/g)].map((m) => m[1]);
    expect(fields).toEqual([...FLOWWATCH_FIELDS, 'reject-reason']);
    expect(format).toBe(fields.map((f) => `\${${f}}`).join(' '));
    expect(JSON.stringify(fl.Properties.LogDestination)).toContain('/vpc-flow-logs');
    expect(fl.DependsOn).toEqual(
      expect.arrayContaining([expect.stringMatching(/^FlowLogStorageBucketPolicy/)]),
    );
  });

  test('text format: plain-text files, and a text table whose columns follow the LogFormat', () => {
    const t = synth(
      config({ ...MINIMAL, source: { mode: 'create', targets: ['vpc-0abc12345def67890'], format: 'text' } }),
    );
    const fl = only(resources(t, 'AWS::EC2::FlowLog'));
    expect(fl.Properties.DestinationOptions).toEqual({
      FileFormat: 'plain-text',
      HiveCompatiblePartitions: false,
      PerHourPartition: true,
    });
    // eni_inventory is always there too (test/infra/eni-inventory.test.ts).
    const flowLogs = Object.entries(resources(t, 'AWS::Glue::Table')).filter(
      ([, r]) => (r.Properties.TableInput as { Name: string }).Name === 'flow_logs',
    );
    const table = only(Object.fromEntries(flowLogs)).Properties.TableInput as {
      Parameters: Record<string, string>;
      StorageDescriptor: { Columns: { Name: string }[] };
    };
    const logFormat = [...(fl.Properties.LogFormat as string).matchAll(/\$\{([a-z-]+)\}/g)].map((m) =>
      m[1]!.replace(/-/g, '_'),
    );
    expect(table.StorageDescriptor.Columns.slice(0, logFormat.length).map((c) => c.Name)).toEqual(logFormat);
    expect(table.Parameters['skip.header.line.count']).toBe('1');
  });

  test('the resource type follows the id prefix', () => {
    const t = synth(
      config({
        ...MINIMAL,
        source: { mode: 'create', targets: ['subnet-0123abcd', 'eni-0123abcd4567ef890'] },
      }),
    );
    const types = Object.values(resources(t, 'AWS::EC2::FlowLog')).map((f) => f.Properties.ResourceType);
    expect(types.sort()).toEqual(['NetworkInterface', 'Subnet']);
  });
});

describe('Glue table', () => {
  function table(t: Template) {
    // eni_inventory is always there too (test/infra/eni-inventory.test.ts).
    const flowLogs = Object.entries(resources(t, 'AWS::Glue::Table')).filter(
      ([, r]) => (r.Properties.TableInput as { Name: string }).Name === 'flow_logs',
    );
    return only(Object.fromEntries(flowLogs)).Properties.TableInput as {
      Name: string;
      Parameters: Record<string, string>;
      PartitionKeys: { Name: string; Type: string }[];
      StorageDescriptor: {
        Columns: { Name: string; Type: string }[];
        Location: unknown;
        SerdeInfo: { SerializationLibrary: string; Parameters: Record<string, string> };
      };
    };
  }

  test('Parquet table: every catalogue column, hourly date projection, enum accounts/regions', () => {
    const t = table(minimal);
    expect(t.Name).toBe('flow_logs');
    expect(t.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(FLOW_LOG_FIELDS.map((f) => f.column));
    expect(t.StorageDescriptor.Columns.find((c) => c.Name === 'bytes')!.Type).toBe('bigint');
    expect(t.PartitionKeys.map((p) => `${p.Name}:${p.Type}`)).toEqual([
      'aws_account_id:string',
      'aws_region:string',
      'dt:string',
    ]);
    expect(t.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
      'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    );
    expect(t.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.aws_account_id.type': 'enum',
      'projection.aws_account_id.values': '111111111111',
      'projection.aws_region.type': 'enum',
      'projection.aws_region.values': 'us-east-1',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy/MM/dd/HH',
      'projection.dt.range': '2024/01/01/00,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'HOURS',
    });
    const template = JSON.stringify(t.Parameters['storage.location.template']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena projection template syntax
    expect(template).toContain('/vpc-flow-logs/AWSLogs/${aws_account_id}/vpcflowlogs/${aws_region}/${dt}');
  });

  test('text table (existing bucket): declared fields first in file order, - is NULL, header skipped, daily', () => {
    const t = table(maximal);
    const names = t.StorageDescriptor.Columns.map((c) => c.Name);
    expect(names.slice(0, TEXT_FIELDS.length)).toEqual(TEXT_FIELDS.map((f) => f.replace(/-/g, '_')));
    expect(new Set(names)).toEqual(new Set(FLOW_LOG_FIELDS.map((f) => f.column)));
    expect(t.StorageDescriptor.SerdeInfo).toEqual({
      SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
      Parameters: { 'field.delim': ' ', 'serialization.format': ' ', 'serialization.null.format': '-' },
    });
    expect(t.Parameters).toMatchObject({
      'skip.header.line.count': '1',
      'projection.aws_account_id.values': '111111111111,222222222222,333333333333',
      'projection.aws_region.values': 'eu-west-1,eu-central-1,us-east-1',
      'projection.dt.format': 'yyyy/MM/dd',
      'projection.dt.range': '2023/06/01,NOW',
      'projection.dt.interval.unit': 'DAYS',
      'storage.location.template':
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena projection template syntax
        's3://org-central-flow-logs/network/flow/AWSLogs/${aws_account_id}/vpcflowlogs/${aws_region}/${dt}',
    });
    maximal.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'flowwatch_org' } });
  });
});

describe('Athena', () => {
  test('workgroup: enforced, engine v3, metrics, cutoff, encrypted results location', () => {
    maximal.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'flowwatch-org',
      State: 'ENABLED',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 50 * 1024 ** 3,
        ResultConfiguration: {
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() },
          OutputLocation: Match.anyValue(),
        },
      },
    });
  });

  test('named queries: the responder set plus one investigation query per enabled detection, all pruning on dt', () => {
    const queries = Object.values(resources(minimal, 'AWS::Athena::NamedQuery')).map((q) => q.Properties);
    const names = queries.map((q) => q.Name as string);
    for (const n of ISSUE_RESPONDER_QUERIES) expect(names).toContain(`flowwatch-${n}`);
    for (const d of minCfg.enabledDetections) expect(names).toContain(investigationQueryName(d.id));
    for (const q of queries) {
      const sql = q.QueryString as string;
      expect(sql).toMatch(/\bdt\s*(>=|BETWEEN)\s*date_format\(/);
      const outsideLiterals = sql.replace(/'[^']*'/g, "''").replace(/--[^\n]*/g, '');
      expect(outsideLiterals).not.toMatch(/(^|[^:]):[a-z]/); // no unrendered :param
      expect(sql).not.toContain('{{');
      expect(q.Database).toBe('flowwatch');
      expect(q.WorkGroup).toEqual({ Ref: expect.stringMatching(/^AthenaWorkGroup/) });
    }
  });

  test('saved queries use the configured internal CIDRs and partition format', () => {
    const accepted = Object.values(resources(maximal, 'AWS::Athena::NamedQuery')).find(
      (q) => q.Properties.Name === 'flowwatch-accepted-traffic',
    )!.Properties.QueryString as string;
    // fd00:ec2::/32 becomes hextet comparisons; daily partitions format dt as %Y/%m/%d.
    expect(accepted).toContain("= 'fd00'");
    expect(accepted).toContain("= '0ec2'");
    expect(accepted).toContain("'%Y/%m/%d')");
    expect(accepted).not.toContain('%H');
    expect(accepted).toContain("interval '48' hour");
  });
});

describe('detection Lambdas', () => {
  function detectionFunctions(t: Template) {
    return Object.values(resources(t, 'AWS::Lambda::Function')).filter(
      (f) => (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables[ENV.DETECTION_ID],
    );
  }

  test('one per enabled detection: Node.js 24, ARM64, reserved concurrency 1, DLQ, env from config', () => {
    const fns = detectionFunctions(minimal);
    expect(
      fns
        .map(
          (f) =>
            (f.Properties.Environment as { Variables: Record<string, string> }).Variables[ENV.DETECTION_ID],
        )
        .sort(),
    ).toEqual(minCfg.enabledDetections.map((d) => d.id).sort());
    for (const f of fns) {
      expect(f.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        ReservedConcurrentExecutions: 1,
        Timeout: 300,
        Handler: 'index.handler',
        DeadLetterConfig: { TargetArn: expect.anything() },
        LoggingConfig: { LogGroup: expect.anything() },
      });
      const env = (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env).toMatchObject({
        [ENV.WORKGROUP]: 'flowwatch',
        [ENV.DATABASE]: 'flowwatch',
        [ENV.PARTITION_GRANULARITY]: 'hour',
        [ENV.DELIVERY_DELAY_SECONDS]: '600',
        [ENV.SQL_DIR]: BUNDLED_SQL_DIR,
        [ENV.CHATBOT_ENABLED]: 'false',
        POWERTOOLS_SERVICE_NAME: 'flowwatch-detection',
      });
      expect(JSON.parse(env[ENV.INTERNAL_CIDRS] as string)).toEqual(minCfg.internalCidrs);
      expect(env[ENV.ALERT_TOPIC_ARN]).toEqual({ Ref: expect.stringMatching(/^AlertingTopic/) });
      expect(env[ENV.DEDUPE_TABLE]).toEqual({ Ref: expect.stringMatching(/^DetectionsDedupeTable/) });
    }
  });

  test('the runtime accepts every detection function environment the template sets', () => {
    // GIVEN each synthesized detection function's variables (tokens stand in as placeholders)
    for (const f of detectionFunctions(maximal)) {
      const vars = (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(vars))
        env[k] = typeof v === 'string' ? v : `resolved-at-deploy-${k}`;
      // The bundle path only exists in Lambda; the same files are in the repository.
      env[ENV.SQL_DIR] = DETECTIONS_DIR;
      // WHEN the runner reads it THEN it validates and carries the config's values
      const rc = loadRunnerConfig(env);
      const deployed = maxCfg.enabledDetections.find((d) => d.id === rc.detection.meta.id)!;
      expect(rc.settings).toEqual(deployed.settings);
      for (const [k, t] of Object.entries(rc.detection.meta.thresholds))
        expect(rc.settings.thresholds?.[k]).toBe(t.default * 2);
      expect(rc.internalCidrs?.map((c) => c.text)).toEqual(maxCfg.internalCidrs);
      expect(rc).toMatchObject({
        workgroup: 'flowwatch-org',
        database: 'flowwatch_org',
        partitionGranularity: 'day',
        deliveryDelaySeconds: 900,
        chatbot: true,
      });
    }
  });

  test('a disabled detection gets no function; overrides reach the env and the schedule', () => {
    const [first, second] = minCfg.allDetections;
    const threshold = Object.keys(second!.meta.thresholds)[0];
    const t = synth(
      config({
        ...MINIMAL,
        detections: {
          [first!.meta.id]: { enabled: false },
          [second!.meta.id]: {
            schedule: 'rate(10 minutes)',
            ...(threshold ? { thresholds: { [threshold]: 12345 } } : {}),
          },
        },
      }),
    );
    const fns = detectionFunctions(t);
    const ids = fns.map(
      (f) => (f.Properties.Environment as { Variables: Record<string, string> }).Variables[ENV.DETECTION_ID],
    );
    expect(ids).not.toContain(first!.meta.id);
    const fn = fns.find((f) => JSON.stringify(f).includes(`"${ENV.DETECTION_ID}":"${second!.meta.id}"`))!;
    const settings = JSON.parse(
      (fn.Properties.Environment as { Variables: Record<string, string> }).Variables[ENV.DETECTION_SETTINGS]!,
    );
    if (threshold) expect(settings.thresholds[threshold]).toBe(12345);
    const rules = Object.values(resources(t, 'AWS::Events::Rule')).map((r) => r.Properties);
    expect(
      rules.some(
        (r) => r.ScheduleExpression === 'rate(10 minutes)' && String(r.Description).includes(second!.meta.id),
      ),
    ).toBe(true);
  });

  test('settings too large for the 4 KB Lambda environment fail the synth naming the detection', () => {
    const d = minCfg.allDetections.find((x) => Object.values(x.meta.lists).some((l) => l.items === 'ip'))!;
    const [name] = Object.entries(d.meta.lists).find(([, l]) => l.items === 'ip')!;
    const many = Array.from({ length: 300 }, (_, i) =>
      i < 250 ? `198.51.100.${i}` : `203.0.113.${i - 250}`,
    );
    expect(() =>
      synth(config({ ...MINIMAL, detections: { [d.meta.id]: { lists: { [name]: many } } } })),
    ).toThrow(
      new RegExp(
        `detections\\.${d.meta.id}: thresholds/lists and internalCidrs take \\d+ bytes of environment`,
      ),
    );
  });

  test('each schedule defaults to the detection metadata and targets its function with a DLQ', () => {
    // The other rule is the threat-intel sync's hourly schedule (test/infra/threat-intel.test.ts).
    const rules = Object.values(resources(minimal, 'AWS::Events::Rule'))
      .map((r) => r.Properties)
      .filter((p) => String(p.Description).startsWith('FlowWatch: runs detection '));
    expect(rules).toHaveLength(minCfg.enabledDetections.length);
    for (const d of minCfg.enabledDetections) {
      const r = rules.find((x) => x.Description === `FlowWatch: runs detection ${d.id}`)!;
      expect(r.ScheduleExpression).toBe(d.detection.meta.schedule);
      expect(r.State).toBe('ENABLED');
      const target = (r.Targets as Record<string, unknown>[])[0]!;
      expect(target).toMatchObject({
        DeadLetterConfig: { Arn: expect.anything() },
        RetryPolicy: { MaximumRetryAttempts: 4 },
      });
    }
  });

  test('log groups have retention', () => {
    for (const lg of Object.values(resources(maximal, 'AWS::Logs::LogGroup')))
      expect(lg.Properties.RetentionInDays).toBe(365);
  });

  test('IAM: Athena on the workgroup, Glue on the table, S3 on the log prefix and results prefix, SNS on the topic', () => {
    const policies = Object.entries(resources(maximal, 'AWS::IAM::Policy')).filter(([id]) =>
      /^Detectionsportscan|^Detections[a-z0-9]+Role/.test(id),
    );
    expect(policies.length).toBeGreaterThan(0);
    const [, policy] = policies[0]!;
    const statements = (
      policy.Properties.PolicyDocument as {
        Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[];
      }
    ).Statement;
    const find = (action: string) => statements.find((s) => [s.Action].flat().includes(action))!;
    expect(JSON.stringify(find('athena:StartQueryExecution').Resource)).toContain(':workgroup/flowwatch-org');
    expect([find('athena:StartQueryExecution').Action].flat().sort()).toEqual([
      'athena:GetQueryExecution',
      'athena:GetQueryResults',
      'athena:StartQueryExecution',
      'athena:StopQueryExecution',
    ]);
    const glueRes = JSON.stringify(find('glue:GetTable').Resource);
    expect(glueRes).toContain(':table/flowwatch_org/flow_logs');
    expect(glueRes).toContain(':database/flowwatch_org');
    expect(glueRes).not.toContain('*');
    expect(
      find('s3:GetObject') &&
        JSON.stringify(
          statements.filter((s) => [s.Action].flat().includes('s3:GetObject')).map((s) => s.Resource),
        ),
    ).toContain(':s3:::org-central-flow-logs/network/flow/AWSLogs/*');
    expect(find('s3:ListBucket').Condition ?? null).toBeDefined();
    expect(
      find('kms:Decrypt') &&
        JSON.stringify(
          statements.filter((s) => [s.Action].flat().includes('kms:Decrypt')).map((s) => s.Resource),
        ),
    ).toContain('arn:aws:kms:eu-west-1:999999999999:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0');
    expect(JSON.stringify(find('sns:Publish').Resource)).toMatch(/AlertingTopic/);
    expect([find('dynamodb:PutItem').Action].flat()).not.toContain('dynamodb:*');
    for (const s of statements)
      expect([s.Action].flat().some((a) => a.endsWith(':*') || a === '*')).toBe(false);
  });
});

describe('dedupe table', () => {
  test('encrypted, point-in-time recovery, TTL expiresAt, key fingerprint, pending index', () => {
    minimal.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'fingerprint', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'pending-by-detection',
          KeySchema: [{ AttributeName: 'pendingDetection', KeyType: 'HASH' }],
        }),
      ],
    });
  });
});

test('the dedupe table is the shape the runtime uses (lib/runtime/dedupe.ts)', () => {
  const t = only(resources(minimal, 'AWS::DynamoDB::Table')).Properties;
  expect(t.KeySchema).toEqual([{ AttributeName: DEDUPE_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }]);
  expect(t.TimeToLiveSpecification).toEqual({
    AttributeName: DEDUPE_TABLE_SCHEMA.ttlAttribute,
    Enabled: true,
  });
  expect(t.GlobalSecondaryIndexes).toEqual([
    expect.objectContaining({
      IndexName: DEDUPE_TABLE_SCHEMA.pendingIndex,
      KeySchema: [{ AttributeName: DEDUPE_TABLE_SCHEMA.pendingIndexKey, KeyType: 'HASH' }],
      Projection: { ProjectionType: 'ALL' },
    }),
  ]);
});

describe('alerting', () => {
  test('KMS-encrypted alert topic with email subscriptions', () => {
    const topics = resources(maximal, 'AWS::SNS::Topic');
    for (const t of Object.values(topics)) expect(t.Properties.KmsMasterKeyId).toBeDefined();
    const subs = Object.values(resources(maximal, 'AWS::SNS::Subscription')).map((s) => s.Properties);
    const email = subs.filter((s) => s.Protocol === 'email').map((s) => s.Endpoint);
    expect(email.sort()).toEqual(['oncall@example.com', 'platform@example.com', 'secops@example.com']);
    minimal.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    expect(
      Object.values(resources(minimal, 'AWS::SNS::Subscription')).filter(
        (s) => s.Properties.Protocol === 'lambda',
      ),
    ).toHaveLength(0);
  });

  test('Slack notifier subscribed to the alert topic with a DLQ, reading only its secret', () => {
    const sub = Object.values(resources(maximal, 'AWS::SNS::Subscription')).find(
      (s) => s.Properties.Protocol === 'lambda',
    )!;
    expect(sub.Properties.TopicArn).toEqual({ Ref: expect.stringMatching(/^AlertingTopic/) });
    expect(sub.Properties.RedrivePolicy).toBeDefined();
    const fn = Object.values(resources(maximal, 'AWS::Lambda::Function')).find((f) =>
      JSON.stringify(f.Properties.Environment).includes(ENV.SLACK_SECRET_ARN),
    )!;
    expect(JSON.stringify(fn.Properties.Environment)).toContain(':secret:flowwatch/slack-webhook');
    const policy = Object.entries(resources(maximal, 'AWS::IAM::Policy')).find(([id]) =>
      id.startsWith('AlertingSlackNotifierRole'),
    )![1];
    const doc = JSON.stringify(policy.Properties.PolicyDocument);
    expect(doc).toContain('secretsmanager:GetSecretValue');
    expect(doc).toContain(':secret:flowwatch/slack-webhook-??????');
  });

  test('AWS Chatbot channel on the alert topic', () => {
    maximal.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T012ABCDEF',
      SlackChannelId: 'C012ABCDEFG',
      SnsTopicArns: [{ Ref: Match.stringLikeRegexp('^AlertingTopic') }],
    });
    const fns = Object.values(resources(maximal, 'AWS::Lambda::Function'));
    expect(
      fns.some((f) => JSON.stringify(f.Properties.Environment).includes(`"${ENV.CHATBOT_ENABLED}":"true"`)),
    ).toBe(true);
  });
});

describe('monitoring', () => {
  test('alarms on every detection, the notifier, Athena failures and each DLQ, all to the ops topic', () => {
    const alarms = Object.values(resources(maximal, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    // + Errors of the Slack notifier, ENI inventory and threat-intel sync + Athena
    // + DLQs (detections, Slack, ENI inventory, threat-intel sync)
    expect(alarms).toHaveLength(maxCfg.enabledDetections.length + 3 + 1 + 4);
    for (const a of alarms) expect(JSON.stringify(a.AlarmActions)).toMatch(/MonitoringOpsTopic/);
    const athena = alarms.find((a) => a.Namespace === 'AWS/Athena')!;
    expect(athena).toMatchObject({
      MetricName: 'TotalExecutionTime',
      Statistic: 'SampleCount',
      Threshold: 1,
    });
    expect(athena.Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'QueryState', Value: 'FAILED' },
        { Name: 'WorkGroup', Value: 'flowwatch-org' },
      ]),
    );
    const dlq = alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(dlq).toHaveLength(4); // detections, Slack, ENI inventory, threat-intel sync
    expect(alarms.filter((a) => a.MetricName === 'Errors' && a.Namespace === 'AWS/Lambda')).toHaveLength(
      maxCfg.enabledDetections.length + 3,
    );
  });

  // The functions are told apart by their environment (the bucket each one writes).
  const fnIdWithEnv = (t: Template, key: string): string[] =>
    Object.entries(resources(t, 'AWS::Lambda::Function'))
      .filter(([, f]) => JSON.stringify(f.Properties.Environment ?? {}).includes(key))
      .map(([id]) => id);
  const errorsAlarmsOf = (t: Template, fnId: string) =>
    Object.entries(resources(t, 'AWS::CloudWatch::Alarm')).filter(
      ([, a]) =>
        a.Properties.MetricName === 'Errors' &&
        JSON.stringify(a.Properties.Dimensions) ===
          JSON.stringify([{ Name: 'FunctionName', Value: { Ref: fnId } }]),
    );
  const contextFns = [
    ['ENI inventory', ENV.INVENTORY_BUCKET, 'Inventory'],
    ['threat-intel sync', ENV.THREAT_INTEL_BUCKET, 'ThreatIntelSync'],
  ] as const;
  // Both off (inventory is off by default; the threat-intel sync on).
  const contextOff = synth(config({ ...MINIMAL, threatIntel: { enabled: false } }));

  test.each(contextFns)(
    'the %s Lambda has an Errors alarm to the ops topic, and a dashboard line',
    (_, env, label) => {
      const fnIds = fnIdWithEnv(maximal, env);
      expect(fnIds).toHaveLength(1);
      const [[alarmId, alarm]] = errorsAlarmsOf(maximal, fnIds[0]!) as [[string, Resources[string]]];
      expect(alarmId).toMatch(new RegExp(`^Monitoring${label}Errors`));
      // The same shape as a detection's alarm: any error in 5 minutes, no data is fine.
      expect(alarm.Properties).toMatchObject({
        Namespace: 'AWS/Lambda',
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: expect.stringMatching(/^MonitoringOpsTopic/) }],
      });
      const detectionAlarm = only(
        Object.fromEntries(errorsAlarmsOf(maximal, fnIdWithEnv(maximal, ENV.DETECTION_ID)[0]!)),
      );
      const shape = ({ AlarmDescription: _d, Dimensions: _x, ...rest }: Record<string, unknown>) => rest;
      expect(shape(alarm.Properties)).toEqual(shape(detectionAlarm.Properties));
      const body = JSON.stringify(
        only(resources(maximal, 'AWS::CloudWatch::Dashboard')).Properties.DashboardBody,
      );
      expect(body).toContain(JSON.stringify({ Ref: fnIds[0] }));
      expect(body).toContain(`\\"label\\":\\"${label}\\"`);
    },
  );

  test.each(contextFns)('no %s Lambda, no alarm on it', (_, env, label) => {
    expect(fnIdWithEnv(contextOff, env)).toHaveLength(0);
    const ids = Object.keys(resources(contextOff, 'AWS::CloudWatch::Alarm'));
    expect(ids.filter((id) => id.startsWith(`Monitoring${label}Errors`))).toHaveLength(0);
    // Only the detections remain (no Slack notifier in MINIMAL either).
    expect(
      Object.values(resources(contextOff, 'AWS::CloudWatch::Alarm')).filter(
        (a) => a.Properties.MetricName === 'Errors',
      ),
    ).toHaveLength(config(MINIMAL).enabledDetections.length);
    const body = JSON.stringify(resources(contextOff, 'AWS::CloudWatch::Dashboard'));
    expect(body).toContain('\\"label\\":\\"'); // the detections' lines
    expect(body).not.toContain(`\\"label\\":\\"${label}\\"`);
  });

  test('dashboard shows findings, bytes scanned and duration per detection', () => {
    const dash = only(resources(minimal, 'AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dash.Properties.DashboardBody);
    for (const m of ['Findings', 'NewFindings', 'BytesScanned', 'RunDuration'])
      expect(body).toContain(`\\"${m}\\"`);
    for (const d of minCfg.enabledDetections) expect(body).toContain(`\\"${d.id}\\"`);
  });
});

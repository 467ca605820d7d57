import { Aws, Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../constants/env';
import { ENI_INVENTORY_COLUMNS } from '../context/eni-inventory';
import { INVENTORY_PREFIX } from '../context/inventory-layout';
import { deadLetterQueue } from './alerting';
import type { FlowLogCatalog } from './catalog';
import { FlowWatchFunction } from './function';
import { acknowledgeWildcardResource } from './nag';
import { secureBucket } from './storage';
import { partitionProjectionParameters } from './table-definition';

export const ENI_INVENTORY_TABLE_NAME = 'eni_inventory';

export interface EniInventoryProps {
  /** Glue database (the flow_logs one) the `eni_inventory` table goes into. */
  readonly catalog: FlowLogCatalog;
  /** Accounts and regions of the partition projection enums (the covered ones, as for flow_logs). */
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  /** First hour the dt projection enumerates (yyyy/MM/dd/HH). */
  readonly projectionStart: string;
  /** Days snapshots are kept (0 = forever). */
  readonly expirationDays: number;
  readonly accessLogs: s3.IBucket;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** Table parameters of `eni_inventory`: partition projection over the documented layout (docs/CONTEXT.md). */
export function eniInventoryTableParameters(o: {
  bucketName: string;
  accounts: readonly string[];
  regions: readonly string[];
  projectionStart: string;
}): Record<string, string> {
  return {
    classification: 'json',
    ...partitionProjectionParameters({
      accounts: o.accounts,
      regions: o.regions,
      granularity: 'hour',
      projectionStart: o.projectionStart,
      locationTemplate: `s3://${o.bucketName}/${INVENTORY_PREFIX}/\${aws_account_id}/\${aws_region}/\${dt}/`,
    }),
  };
}

/**
 * The ENI inventory: a bucket for the snapshots, the Lambda that writes one per hour
 * (DescribeNetworkInterfaces of the deployment account and region) and the `eni_inventory` Glue
 * table over them. Assume-role into member accounts is not built yet: other accounts' partitions
 * stay empty until it is.
 */
export class EniInventory extends Construct {
  readonly bucket: s3.Bucket;
  readonly function: FlowWatchFunction;
  readonly rule: events.Rule;
  readonly table: glue.CfnTable;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: EniInventoryProps) {
    super(scope, id);
    this.bucket = secureBucket(this, 'Bucket', {
      accessLogs: { bucket: props.accessLogs, prefix: 'context-bucket' },
      lifecycleRules:
        props.expirationDays > 0
          ? [
              {
                id: 'expire-inventory',
                prefix: `${INVENTORY_PREFIX}/`,
                expiration: Duration.days(props.expirationDays),
              },
            ]
          : [],
      removalPolicy: props.removalPolicy,
    });
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', props.removalPolicy);

    this.function = new FlowWatchFunction(this, 'Function', {
      entry: 'lambdas/eni-inventory/handler.ts',
      description: 'FlowWatch: hourly snapshot of DescribeNetworkInterfaces to the ENI inventory',
      serviceName: 'flowwatch-eni-inventory',
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      timeout: Duration.minutes(2),
      memorySize: 512,
      // One snapshot at a time: an on-demand run and the schedule must not race on the same key.
      reservedConcurrentExecutions: 1,
      deadLetterQueue: this.deadLetterQueue,
      environment: {
        [ENV.INVENTORY_BUCKET]: this.bucket.bucketName,
        [ENV.INVENTORY_ACCOUNT]: this.bucket.stack.account,
      },
    });
    const role = this.function.role!;
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['ec2:DescribeNetworkInterfaces'], resources: ['*'] }),
    );
    acknowledgeWildcardResource(
      role,
      '*',
      'ec2:DescribeNetworkInterfaces supports no resource-level permissions: EC2 requires Resource "*" for Describe actions (read-only).',
    );
    const objects = `${this.bucket.bucketArn}/${INVENTORY_PREFIX}/*`;
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [objects] }),
    );
    acknowledgeWildcardResource(
      role,
      objects,
      `Write-only access to snapshot objects under ${INVENTORY_PREFIX}/ of the inventory bucket (account/region/hour keys are not known in advance).`,
    );

    this.rule = new events.Rule(this, 'Schedule', {
      description: 'FlowWatch: hourly ENI inventory snapshot',
      schedule: events.Schedule.rate(Duration.hours(1)),
    });
    this.rule.addTarget(
      new targets.LambdaFunction(this.function, {
        deadLetterQueue: this.deadLetterQueue,
        maxEventAge: Duration.hours(1),
        retryAttempts: 4,
      }),
    );

    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: props.catalog.databaseName,
      tableInput: {
        name: ENI_INVENTORY_TABLE_NAME,
        description: 'ENI inventory snapshots (JSON lines, gzip), partitions projected from the S3 key',
        tableType: 'EXTERNAL_TABLE',
        parameters: eniInventoryTableParameters({
          bucketName: this.bucket.bucketName,
          accounts: props.accounts,
          regions: props.regions,
          projectionStart: props.projectionStart,
        }),
        partitionKeys: [
          { name: 'aws_account_id', type: 'string', comment: 'Account of the snapshot (from the S3 key)' },
          { name: 'aws_region', type: 'string', comment: 'Region of the snapshot (from the S3 key)' },
          { name: 'dt', type: 'string', comment: 'Snapshot hour yyyy/MM/dd/HH (from the S3 key)' },
        ],
        storageDescriptor: {
          columns: ENI_INVENTORY_COLUMNS.map((c) => ({ name: c.name, type: c.glue })),
          location: `s3://${this.bucket.bucketName}/${INVENTORY_PREFIX}/`,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', parameters: {} },
          compressed: true,
        },
      },
    });
    this.table.addResourceDependency(props.catalog.database);
  }
}

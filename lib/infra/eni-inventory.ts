import { Aws, CfnOutput, Duration, type RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
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
import { scheduledInvocation } from './schedule';
import { jsonLinesStorage, partitionProjectionParameters } from './table-definition';

export const ENI_INVENTORY_TABLE_NAME = 'eni_inventory';

export interface EniInventoryTableProps {
  /** Glue database (the flow_logs one) the `eni_inventory` table goes into. */
  readonly catalog: FlowLogCatalog;
  /** The context bucket; the table reads `s3://<bucket>/eni-inventory/`. */
  readonly bucket: s3.IBucket;
  /** Accounts and regions of the partition projection enums (the covered ones, as for flow_logs). */
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  /** First hour the dt projection enumerates (yyyy/MM/dd/HH). */
  readonly projectionStart: string;
}

export interface EniInventoryProps {
  /** The context bucket the snapshots are written to (under `eni-inventory/`). */
  readonly bucket: s3.IBucket;
  /** Accounts and regions snapshotted (the config's `accounts`/`regions`, as for flow_logs). */
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  /** Role assumed in the other accounts; unset = only the deployment account is snapshotted. */
  readonly memberRoleName?: string;
  readonly externalId?: string;
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
 * The `eni_inventory` Glue table over the context bucket's `eni-inventory/` prefix. Always
 * created: detections LEFT JOIN it (an empty table gives no rows), and snapshots may come from
 * the Lambda below or be uploaded by hand (`flowwatch inventory --out`).
 */
export class EniInventoryTable extends Construct {
  readonly table: glue.CfnTable;

  constructor(scope: Construct, id: string, props: EniInventoryTableProps) {
    super(scope, id);
    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: props.catalog.databaseName,
      tableInput: {
        name: ENI_INVENTORY_TABLE_NAME,
        description: 'ENI inventory snapshots (JSON lines, gzip), partitions projected from the S3 key',
        tableType: 'EXTERNAL_TABLE',
        parameters: eniInventoryTableParameters({
          bucketName: props.bucket.bucketName,
          accounts: props.accounts,
          regions: props.regions,
          projectionStart: props.projectionStart,
        }),
        partitionKeys: [
          { name: 'aws_account_id', type: 'string', comment: 'Account of the snapshot (from the S3 key)' },
          { name: 'aws_region', type: 'string', comment: 'Region of the snapshot (from the S3 key)' },
          { name: 'dt', type: 'string', comment: 'Snapshot hour yyyy/MM/dd/HH (from the S3 key)' },
        ],
        storageDescriptor: jsonLinesStorage(
          ENI_INVENTORY_COLUMNS,
          `s3://${props.bucket.bucketName}/${INVENTORY_PREFIX}/`,
        ),
      },
    });
    this.table.addResourceDependency(props.catalog.database);
  }
}

/**
 * Member role ARNs the inventory Lambda may assume: one per covered account other than the
 * deployment account, exact (no wildcard). Empty without a role name. An unresolved account
 * (the deployment account as a token, when none is configured) is the deployment account.
 */
export function memberRoleArns(o: {
  accounts: readonly string[];
  ownAccount: string;
  memberRoleName?: string;
  partition: string;
}): string[] {
  if (o.memberRoleName === undefined) return [];
  return o.accounts
    .filter((a) => !Token.isUnresolved(a) && a !== o.ownAccount)
    .map((a) => `arn:${o.partition}:iam::${a}:role/${o.memberRoleName}`);
}

/**
 * The snapshot Lambda (`inventory.enabled`): hourly DescribeNetworkInterfaces of every covered
 * account and region into the context bucket (other accounts through the member role),
 * failures to a DLQ.
 */
export class EniInventory extends Construct {
  readonly function: FlowWatchFunction;
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: EniInventoryProps) {
    super(scope, id);
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', props.removalPolicy);

    this.function = new FlowWatchFunction(this, 'Function', {
      entry: 'lambdas/eni-inventory/handler.ts',
      description: 'FlowWatch: hourly snapshot of DescribeNetworkInterfaces to the ENI inventory',
      serviceName: 'flowwatch-eni-inventory',
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      // Accounts x regions, four at a time (lib/runtime/eni-inventory.ts): room for an organisation.
      timeout: Duration.minutes(10),
      memorySize: 512,
      // One snapshot at a time: an on-demand run and the schedule must not race on the same key.
      reservedConcurrentExecutions: 1,
      deadLetterQueue: this.deadLetterQueue,
      environment: {
        [ENV.INVENTORY_BUCKET]: props.bucket.bucketName,
        [ENV.INVENTORY_ACCOUNT]: props.bucket.stack.account,
        [ENV.INVENTORY_ACCOUNTS]: props.accounts.join(','),
        [ENV.INVENTORY_REGIONS]: props.regions.join(','),
        [ENV.INVENTORY_PARTITION]: Aws.PARTITION,
        ...(props.memberRoleName ? { [ENV.INVENTORY_MEMBER_ROLE]: props.memberRoleName } : {}),
        ...(props.externalId ? { [ENV.INVENTORY_EXTERNAL_ID]: props.externalId } : {}),
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
    const objects = `${props.bucket.bucketArn}/${INVENTORY_PREFIX}/*`;
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [objects] }),
    );
    acknowledgeWildcardResource(
      role,
      objects,
      `Write-only access to snapshot objects under ${INVENTORY_PREFIX}/ of the inventory bucket (account/region/hour keys are not known in advance).`,
    );

    const roleArns = memberRoleArns({
      accounts: props.accounts,
      ownAccount: Stack.of(this).account,
      memberRoleName: props.memberRoleName,
      partition: Aws.PARTITION,
    });
    if (roleArns.length > 0)
      this.function.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: roleArns }),
      );

    this.rule = scheduledInvocation(this, 'Schedule', {
      description: 'FlowWatch: hourly ENI inventory snapshot',
      schedule: events.Schedule.rate(Duration.hours(1)),
      fn: this.function,
      deadLetterQueue: this.deadLetterQueue,
    });

    // On the stack (not this construct) so the output keys stay readable.
    new CfnOutput(Stack.of(this), 'InventoryFunctionName', {
      value: this.function.functionName,
      description: 'Lambda that snapshots the ENI inventory (invoke for a snapshot now)',
    });
    new CfnOutput(Stack.of(this), 'InventoryRoleArn', {
      value: role.roleArn,
      description:
        'Role of the inventory Lambda: the principal member-account roles must trust (docs/DEPLOY.md)',
    });
  }
}

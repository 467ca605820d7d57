import { Aws, CfnOutput, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../constants/env';
import { THREAT_INTEL_COLUMNS, THREAT_INTEL_TABLE } from '../context/threat-intel';
import { THREAT_INTEL_LISTS_PREFIX, THREAT_INTEL_TABLE_PREFIX } from '../context/threat-intel-layout';
import { deadLetterQueue } from './alerting';
import type { FlowLogCatalog } from './catalog';
import { FlowWatchFunction } from './function';
import { acknowledgeWildcardResource } from './nag';
import { scheduledInvocation } from './schedule';
import { jsonLinesStorage } from './table-definition';

export const THREAT_INTEL_TABLE_NAME = THREAT_INTEL_TABLE;

export interface ThreatIntelTableProps {
  /** Glue database (the flow_logs one) the `threat_intel` table goes into. */
  readonly catalog: FlowLogCatalog;
  /** The context bucket; the table reads `s3://<bucket>/threat-intel/table/`. */
  readonly bucket: s3.IBucket;
}

export interface ThreatIntelSyncProps {
  /** The context bucket: lists are read from `threat-intel/lists/`, the table written to `threat-intel/table/`. */
  readonly bucket: s3.IBucket;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The `threat_intel` Glue table: unpartitioned, JSON lines (gzip) with the THREAT_INTEL_COLUMNS,
 * over the context bucket's `threat-intel/table/`. Always created (detections join it; an empty
 * table matches nothing), whether or not the sync Lambda writes its files.
 */
export class ThreatIntelTable extends Construct {
  readonly table: glue.CfnTable;

  constructor(scope: Construct, id: string, props: ThreatIntelTableProps) {
    super(scope, id);
    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: props.catalog.databaseName,
      tableInput: {
        name: THREAT_INTEL_TABLE_NAME,
        description:
          'Threat-intel IP/CIDR entries (JSON lines, gzip), one file per list uploaded to threat-intel/lists/',
        tableType: 'EXTERNAL_TABLE',
        parameters: { EXTERNAL: 'TRUE', classification: 'json' },
        storageDescriptor: jsonLinesStorage(
          THREAT_INTEL_COLUMNS,
          `s3://${props.bucket.bucketName}/${THREAT_INTEL_TABLE_PREFIX}`,
        ),
      },
    });
    this.table.addResourceDependency(props.catalog.database);
  }
}

/**
 * The sync Lambda (`threatIntel.enabled`, default on): hourly, and on demand with
 * `aws lambda invoke`, it rewrites changed lists into the table's files. It may read only
 * the threat-intel prefixes and write/delete only the table's files; failures go to a DLQ.
 */
export class ThreatIntelSync extends Construct {
  readonly function: FlowWatchFunction;
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ThreatIntelSyncProps) {
    super(scope, id);
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', props.removalPolicy);

    this.function = new FlowWatchFunction(this, 'Function', {
      entry: 'lambdas/threat-intel-sync/handler.ts',
      description: 'FlowWatch: hourly sync of uploaded threat-intel lists into the threat_intel table',
      serviceName: 'flowwatch-threat-intel-sync',
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      timeout: Duration.minutes(5),
      memorySize: 512,
      // One sync at a time: an on-demand run and the schedule must not race on the same table files.
      reservedConcurrentExecutions: 1,
      deadLetterQueue: this.deadLetterQueue,
      environment: { [ENV.THREAT_INTEL_BUCKET]: props.bucket.bucketName },
    });
    const role = this.function.role!;
    const lists = `${props.bucket.bucketArn}/${THREAT_INTEL_LISTS_PREFIX}*`;
    const tableFiles = `${props.bucket.bucketArn}/${THREAT_INTEL_TABLE_PREFIX}*`;
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        conditions: {
          StringLike: { 's3:prefix': [`${THREAT_INTEL_LISTS_PREFIX}*`, `${THREAT_INTEL_TABLE_PREFIX}*`] },
        },
      }),
    );
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [lists] }));
    acknowledgeWildcardResource(
      role,
      lists,
      `Read-only access to the uploaded lists: every key under ${THREAT_INTEL_LISTS_PREFIX} of the context bucket (list names are chosen by users).`,
    );
    // GetObject on the table files is HeadObject: it reads the source ETag recorded on each file.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [tableFiles],
      }),
    );
    acknowledgeWildcardResource(
      role,
      tableFiles,
      `Read/write/delete of the threat_intel table files only: keys under ${THREAT_INTEL_TABLE_PREFIX} of the context bucket, one per uploaded list (names not known in advance).`,
    );

    this.rule = scheduledInvocation(this, 'Schedule', {
      description: 'FlowWatch: hourly threat-intel list sync',
      schedule: events.Schedule.rate(Duration.hours(1)),
      fn: this.function,
      deadLetterQueue: this.deadLetterQueue,
    });

    // On the stack (not this construct) so the output key stays readable for `aws lambda invoke`.
    new CfnOutput(Stack.of(this), 'ThreatIntelSyncFunctionName', {
      value: this.function.functionName,
      description:
        'Lambda that syncs threat-intel/lists/ into the threat_intel table (invoke to apply uploads at once)',
    });
  }
}

import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { DeployedDetection } from '../config/load';
import { ENV } from '../constants/env';
import { METRICS } from '../constants/metrics';
import type { Cidr } from '../detection/cidr';
import { type ContextTable, referencedContextTables } from '../detection/registry';
import { deadLetterQueue } from './alerting';
import type { FlowWatchAthena } from './athena';
import type { FlowLogCatalog } from './catalog';
import { FlowWatchFunction } from './function';
import { scheduledInvocation } from './schedule';
import type { FlowLogSource } from './storage';

/**
 * Dedupe table shape the runtime expects (lib/runtime/dedupe.ts DEDUPE_TABLE_SCHEMA; a test
 * checks they agree): key `fingerprint`, TTL `expiresAt`, sparse index on `pendingDetection`.
 */
export const DEDUPE_PENDING_INDEX = 'pending-by-detection';

/** Lambda's limit on the total size of a function's environment variables. */
const MAX_ENV_BYTES = 4096;

export interface DetectionsProps {
  readonly detections: readonly DeployedDetection[];
  readonly internalCidrs: readonly Cidr[];
  readonly granularity: 'hour' | 'day';
  readonly deliveryDelaySeconds: number;
  readonly athena: FlowWatchAthena;
  readonly catalog: FlowLogCatalog;
  readonly source: FlowLogSource;
  readonly alertTopic: sns.ITopic;
  readonly alertKey: kms.IKey;
  readonly chatbotEnabled: boolean;
  /** Where the context tables' files live: each detection joining one may read it, no other. */
  readonly context: {
    readonly bucket: s3.IBucket;
    /** Key prefix of each context table in the bucket (ending in /). */
    readonly prefixes: Readonly<Record<ContextTable, string>>;
  };
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * One Lambda per enabled detection, each on its own EventBridge schedule. Separate functions
 * (rather than one runner) give each detection its own schedule, reserved concurrency of 1 (a
 * slow run never overlaps the next), error alarm, log stream and a role scoped to one job.
 */
export class Detections extends Construct {
  readonly functions = new Map<string, FlowWatchFunction>();
  readonly rules = new Map<string, events.Rule>();
  readonly dedupeTable: dynamodb.Table;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DetectionsProps) {
    super(scope, id);
    this.dedupeTable = new dynamodb.Table(this, 'DedupeTable', {
      partitionKey: { name: 'fingerprint', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Suppression state expires by itself once a finding's suppression window is over.
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: props.removalPolicy,
    });
    // Sparse index of alerts claimed but not yet confirmed published, so a later run re-sends them.
    this.dedupeTable.addGlobalSecondaryIndex({
      indexName: DEDUPE_PENDING_INDEX,
      partitionKey: { name: 'pendingDetection', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', props.removalPolicy);

    for (const d of props.detections) {
      const settings = JSON.stringify(d.settings);
      const fn = new FlowWatchFunction(this, d.id, {
        entry: 'lambdas/detection-runner/handler.ts',
        description: `FlowWatch detection ${d.id}: ${d.detection.meta.title}`.slice(0, 256),
        serviceName: METRICS.DETECTION_SERVICE,
        logRetention: props.logRetention,
        removalPolicy: props.removalPolicy,
        // Athena queries over a wide window can run minutes; the runner stops its query before this.
        timeout: Duration.minutes(5),
        memorySize: 512,
        reservedConcurrentExecutions: 1,
        deadLetterQueue: this.deadLetterQueue,
        bundleDetectionSql: true,
        environment: {
          [ENV.DETECTION_ID]: d.id,
          [ENV.DETECTION_SETTINGS]: settings,
          [ENV.INTERNAL_CIDRS]: JSON.stringify(props.internalCidrs.map((c) => c.text)),
          [ENV.DELIVERY_DELAY_SECONDS]: String(props.deliveryDelaySeconds),
          [ENV.CHATBOT_ENABLED]: String(props.chatbotEnabled),
        },
      });
      const envBytes =
        Buffer.byteLength(settings) +
        Buffer.byteLength(JSON.stringify(props.internalCidrs.map((c) => c.text)));
      if (envBytes > MAX_ENV_BYTES - 1024)
        throw new Error(
          `detections.${d.id}: thresholds/lists and internalCidrs take ${envBytes} bytes of environment; Lambda allows 4 KB in total. Shorten the lists.`,
        );
      fn.bindAlertTopic(props.alertTopic, props.alertKey);
      fn.bindWorkgroup(props.athena);
      fn.bindFlowLogTable(props.catalog, props.source, props.granularity);
      fn.bindDedupeTable(this.dedupeTable, DEDUPE_PENDING_INDEX);
      // Every runner reads eni_inventory (naming the entity behind findings, lib/detection/entities.ts);
      // threat_intel only where the detection's SQL joins it.
      const tables = new Set<ContextTable>(['eni_inventory', ...referencedContextTables(d.detection)]);
      fn.bindContextTables(
        props.catalog,
        props.context.bucket,
        [...tables].map((name) => ({ name, prefix: props.context.prefixes[name] })),
      );

      const rule = scheduledInvocation(this, `${d.id}Schedule`, {
        description: `FlowWatch: runs detection ${d.id}`,
        schedule: events.Schedule.expression(d.schedule),
        fn,
        deadLetterQueue: this.deadLetterQueue,
      });
      this.functions.set(d.id, fn);
      this.rules.set(d.id, rule);
    }
  }
}

import { Aws, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { FlowWatchConfig } from '../config/load';
import { INVENTORY_PREFIX } from '../context/inventory-layout';
import { THREAT_INTEL_TABLE_PREFIX } from '../context/threat-intel-layout';
import { Alerting } from './alerting';
import { FlowWatchAthena } from './athena';
import { FlowLogCatalog } from './catalog';
import { ContextBucket } from './context-bucket';
import { Detections } from './detections';
import { EniInventory, EniInventoryTable } from './eni-inventory';
import { FlowLogs } from './flow-logs';
import { Monitoring, type WatchedFunction } from './monitoring';
import { investigationQuery, loadSavedQueries } from './saved-queries';
import { accessLogBucket, type FlowLogSource, FlowLogStorage, sourceBaseLocation } from './storage';
import { ThreatIntelSync, ThreatIntelTable } from './threat-intel';

export interface FlowWatchStackProps extends StackProps {
  readonly config: FlowWatchConfig;
}

/**
 * The whole FlowWatch deployment in one stack: storage (or an existing bucket), flow logs,
 * the Glue catalog, the Athena workgroup and saved queries, the detections, alerting and
 * monitoring. Constructs hold the resources; this class only wires them together.
 */
export class FlowWatchStack extends Stack {
  readonly source: FlowLogSource;
  readonly storage?: FlowLogStorage;
  readonly catalog: FlowLogCatalog;
  readonly athena: FlowWatchAthena;
  readonly detections: Detections;
  readonly alerting: Alerting;
  readonly monitoring: Monitoring;
  /** Context tables' files: `eni-inventory/`, `threat-intel/` (always created). */
  readonly contextBucket: s3.Bucket;
  /** The `eni_inventory` Glue table (always created, empty until snapshots arrive). */
  readonly inventoryTable: EniInventoryTable;
  /** The snapshot Lambda, only with `inventory.enabled`. */
  readonly inventory?: EniInventory;
  /** The `threat_intel` Glue table (always created, empty until lists are synced). */
  readonly threatIntelTable: ThreatIntelTable;
  /** The list sync Lambda, with `threatIntel.enabled` (default on). */
  readonly threatIntelSync?: ThreatIntelSync;

  constructor(scope: Construct, id: string, props: FlowWatchStackProps) {
    super(scope, id, props);
    const c = props.config;
    const removalPolicy = c.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const accounts = c.accounts ?? [c.env.account ?? Aws.ACCOUNT_ID];
    const regions = c.regions ?? [c.env.region ?? Aws.REGION];
    const logRetention = c.retention.lambdaLogDays as logs.RetentionDays;

    const accessLogs = accessLogBucket(this, 'AccessLogsBucket', c.retention.accessLogDays, removalPolicy);
    const dataKey = new kms.Key(this, 'QueryResultsKey', {
      description: 'FlowWatch: encrypts Athena query results',
      enableKeyRotation: true,
      removalPolicy,
    });

    if (c.source.mode === 'create') {
      this.storage = new FlowLogStorage(this, 'FlowLogStorage', {
        encryption: c.source.encryption,
        prefix: c.source.prefix,
        accounts,
        regions,
        expirationDays: c.retention.flowLogDays,
        infrequentAccessDays: c.retention.flowLogInfrequentAccessDays,
        accessLogs,
        removalPolicy,
      });
      this.source = this.storage.source;
      new FlowLogs(this, 'FlowLogs', {
        targets: c.source.targets,
        trafficType: c.source.trafficType,
        maxAggregationIntervalSeconds: c.source.maxAggregationIntervalSeconds,
        fields: c.fileFields,
        format: c.format,
        bucket: this.storage.bucket,
        prefix: c.source.prefix,
      });
    } else {
      this.source = {
        bucketName: c.source.bucketName,
        bucketArn: `arn:${this.partition}:s3:::${c.source.bucketName}`,
        prefix: c.source.prefix,
        keyArn: c.source.kmsKeyArn,
      };
    }

    this.catalog = new FlowLogCatalog(this, 'Catalog', {
      databaseName: c.athena.databaseName,
      format: c.format,
      fileFields: c.fileFields,
      baseLocation: sourceBaseLocation(this.source),
      accounts,
      regions,
      granularity: c.partitionGranularity,
      projectionStart: c.athena.projectionStart,
    });

    const savedQueries = [
      ...loadSavedQueries(),
      ...c.enabledDetections.map((d) => investigationQuery(d.detection, d.settings)),
    ];
    this.athena = new FlowWatchAthena(this, 'Athena', {
      workgroupName: c.athena.workgroupName,
      databaseName: c.athena.databaseName,
      bytesScannedCutoffPerQuery: c.athena.bytesScannedCutoffPerQuery,
      key: dataKey,
      resultRetentionDays: c.retention.queryResultDays,
      accessLogs,
      removalPolicy,
      savedQueries,
      internalCidrs: c.internalCidrList,
      granularity: c.partitionGranularity,
      savedQueryLookbackHours: c.athena.savedQueryLookbackHours,
    });
    for (const q of this.athena.namedQueries) q.addResourceDependency(this.catalog.database);

    this.alerting = new Alerting(this, 'Alerting', {
      stackName: this.stackName,
      emails: c.alerts.emails,
      slackWebhookSecretName: c.alerts.slack?.webhookSecretName,
      chatbot: c.alerts.slack?.chatbot,
      logRetention,
      removalPolicy,
    });

    this.contextBucket = new ContextBucket(this, 'ContextBucket', {
      inventoryExpirationDays: c.retention.flowLogDays,
      accessLogs,
      removalPolicy,
    }).bucket;
    this.inventoryTable = new EniInventoryTable(this, 'EniInventoryTable', {
      catalog: this.catalog,
      bucket: this.contextBucket,
      accounts,
      regions,
      projectionStart: c.athena.projectionStart,
    });
    if (c.inventory.enabled)
      this.inventory = new EniInventory(this, 'EniInventory', {
        bucket: this.contextBucket,
        accounts,
        regions,
        memberRoleName: c.inventory.memberRoleName,
        externalId: c.inventory.externalId,
        logRetention,
        removalPolicy,
      });

    this.threatIntelTable = new ThreatIntelTable(this, 'ThreatIntelTable', {
      catalog: this.catalog,
      bucket: this.contextBucket,
    });
    if (c.threatIntel.enabled)
      this.threatIntelSync = new ThreatIntelSync(this, 'ThreatIntelSync', {
        bucket: this.contextBucket,
        logRetention,
        removalPolicy,
      });

    this.detections = new Detections(this, 'Detections', {
      detections: c.enabledDetections,
      internalCidrs: c.internalCidrList,
      granularity: c.partitionGranularity,
      deliveryDelaySeconds: c.deliveryDelaySeconds,
      athena: this.athena,
      catalog: this.catalog,
      source: this.source,
      alertTopic: this.alerting.topic,
      alertKey: this.alerting.key,
      chatbotEnabled: c.alerts.slack?.chatbot !== undefined,
      context: {
        bucket: this.contextBucket,
        prefixes: { eni_inventory: `${INVENTORY_PREFIX}/`, threat_intel: THREAT_INTEL_TABLE_PREFIX },
      },
      logRetention,
      removalPolicy,
    });

    const dlqs = new Map([['Detections', this.detections.deadLetterQueue]]);
    if (this.inventory) dlqs.set('Inventory', this.inventory.deadLetterQueue);
    if (this.threatIntelSync) dlqs.set('ThreatIntel', this.threatIntelSync.deadLetterQueue);
    if (this.alerting.slackDeadLetterQueue) dlqs.set('Slack', this.alerting.slackDeadLetterQueue);
    const watched = new Map<string, WatchedFunction>();
    if (this.alerting.slackNotifier)
      watched.set('SlackNotifier', {
        function: this.alerting.slackNotifier,
        description:
          'FlowWatch could not post an alert to Slack (the message is retried, then kept in the Slack DLQ)',
      });
    if (this.inventory)
      watched.set('Inventory', {
        function: this.inventory.function,
        description:
          'The FlowWatch ENI inventory snapshot failed (the error names each failed account/region; after the retries the event is in the inventory DLQ)',
      });
    if (this.threatIntelSync)
      watched.set('ThreatIntelSync', {
        function: this.threatIntelSync.function,
        description:
          'The FlowWatch threat-intel list sync failed (a list with no valid line, or S3; after the retries the event is in the threat-intel DLQ)',
      });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      emails: c.alerts.opsEmails ?? c.alerts.emails,
      key: this.alerting.key,
      workgroupName: c.athena.workgroupName,
      detections: this.detections.functions,
      functions: watched,
      deadLetterQueues: dlqs,
    });
    this.monitoring.node.addDependency(this.athena);

    new CfnOutput(this, 'FlowLogBucketName', {
      value: this.source.bucketName,
      description: 'Bucket the flow logs are read from',
    });
    if (this.storage)
      new CfnOutput(this, 'FlowLogDestinationArn', {
        value: `${this.storage.bucket.bucketArn}/${c.source.mode === 'create' ? c.source.prefix : ''}`,
        description: 'LogDestination for flow logs created in other accounts (listed in accounts)',
      });
    new CfnOutput(this, 'ContextBucketName', {
      value: this.contextBucket.bucketName,
      description: 'Bucket of the context tables (eni-inventory/, threat-intel/)',
    });
    new CfnOutput(this, 'AlertTopicArn', { value: this.alerting.topic.topicArn });
    new CfnOutput(this, 'OpsTopicArn', { value: this.monitoring.opsTopic.topicArn });
    new CfnOutput(this, 'WorkGroupName', { value: c.athena.workgroupName });
    new CfnOutput(this, 'DatabaseName', { value: c.athena.databaseName });
  }
}

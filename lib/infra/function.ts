import { join } from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '../constants/env';
import { LAMBDA_EXTERNAL_MODULES } from '../constants/lambda';
import { METRICS } from '../constants/metrics';
import { PACKAGE_ROOT } from '../detection/registry';
import type { FlowWatchAthena } from './athena';
import type { FlowLogCatalog } from './catalog';
import { acknowledgeWildcardResource } from './nag';
import { type FlowLogSource, sourceKeyPrefix } from './storage';

/** Where the detection SQL lands inside the Lambda bundle (/var/task is the bundle root). */
export const BUNDLED_SQL_DIR = '/var/task/sql/detections';

export interface FlowWatchFunctionProps {
  /** Handler file relative to the package root, e.g. `lambdas/detection-runner/handler.ts`. */
  readonly entry: string;
  readonly description: string;
  /** CloudWatch Logs retention of the function's own log group. */
  readonly logRetention: logs.RetentionDays;
  /** What happens to the log group when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  /** Powertools service name (logger `service` key and metrics `service` dimension). */
  readonly serviceName: string;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** Reserved concurrency; 1 makes scheduled runs of one detection never overlap. @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Queue receiving events of asynchronous invocations that failed after Lambda's retries
   * (EventBridge schedules and SNS both invoke asynchronously). Required: nothing is lost silently.
   */
  readonly deadLetterQueue: sqs.IQueue;
  /** Copy sql/detections into the bundle and point ENV.SQL_DIR at it. @default false */
  readonly bundleDetectionSql?: boolean;
  /** Extra environment variables (names from lib/constants/env.ts). */
  readonly environment?: Record<string, string>;
}

/**
 * The one Lambda shape FlowWatch uses: Node.js 24 on ARM64, esbuild bundle with source maps,
 * its own log group with retention, a role that can write only to that log group, a DLQ, and
 * `bindX()` methods that add an env var and the matching least-privilege grant together.
 */
export class FlowWatchFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: FlowWatchFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: logs go to this log group only.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const copySql = props.bundleDetectionSql ?? false;
    super(scope, id, {
      entry: join(PACKAGE_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PACKAGE_ROOT,
      depsLockFilePath: join(PACKAGE_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.minutes(1),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role,
      logGroup,
      deadLetterQueue: props.deadLetterQueue,
      // Async retries are Lambda's default 2; a failed run's event then lands in the DLQ.
      retryAttempts: 2,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS.NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...(copySql ? { [ENV.SQL_DIR]: BUNDLED_SQL_DIR } : {}),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.CJS,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        externalModules: [...LAMBDA_EXTERNAL_MODULES],
        // The detection runner reads its SQL from files at run time, so they ride along in the bundle.
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) =>
            copySql
              ? [
                  `mkdir -p "${outputDir}/sql"`,
                  `cp -R "${inputDir}/sql/detections" "${outputDir}/sql/detections"`,
                ]
              : [],
        },
      },
    });
  }

  /** Publish findings to the alert topic (and use its KMS key). */
  bindAlertTopic(topic: sns.ITopic, key: kms.IKey): void {
    this.addEnvironment(ENV.ALERT_TOPIC_ARN, topic.topicArn);
    // Explicit statements instead of topic.grantPublish(), which adds the wildcard kms:GenerateDataKey*.
    this.addToRolePolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
    this.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }),
    );
  }

  /** Run queries in the FlowWatch workgroup: env WORKGROUP, Athena and results-bucket grants. */
  bindWorkgroup(athena: FlowWatchAthena): void {
    this.addEnvironment(ENV.WORKGROUP, athena.workgroupName);
    athena.grantRunQueries(this);
  }

  /**
   * Read the flow_logs table: env DATABASE and PARTITION_GRANULARITY; Glue read on that table
   * only, S3 read on the flow log keys only, and decrypt with their key when there is one.
   */
  bindFlowLogTable(catalog: FlowLogCatalog, source: FlowLogSource, granularity: 'hour' | 'day'): void {
    this.addEnvironment(ENV.DATABASE, catalog.databaseName);
    this.addEnvironment(ENV.PARTITION_GRANULARITY, granularity);
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
        resources: catalog.readArns,
      }),
    );
    const keys = sourceKeyPrefix(source);
    const objects = `${source.bucketArn}/${keys}*`;
    this.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
    acknowledgeWildcardResource(
      this.role!,
      objects,
      `Read-only access to flow log objects: every key under ${keys} of the flow-log bucket (account/region/hour keys are not known in advance).`,
    );
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [source.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${keys}*`] } },
      }),
    );
    this.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [source.bucketArn] }),
    );
    if (source.keyArn)
      this.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [source.keyArn] }));
  }

  /**
   * Read context tables (eni_inventory, threat_intel) a detection joins: Glue read on those
   * tables only, S3 read on their prefixes of the context bucket only (SSE-S3, no key to grant).
   */
  bindContextTables(
    catalog: FlowLogCatalog,
    bucket: s3.IBucket,
    tables: readonly { readonly name: string; readonly prefix: string }[],
  ): void {
    if (tables.length === 0) return;
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
        resources: [...new Set(tables.flatMap((t) => catalog.tableReadArns(t.name)))],
      }),
    );
    const objects = tables.map((t) => `${bucket.bucketArn}/${t.prefix}*`);
    this.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: objects }));
    for (const o of objects)
      acknowledgeWildcardResource(
        this.role!,
        o,
        "Read-only access to a context table's objects (snapshot and list file names are not known in advance).",
      );
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': tables.map((t) => `${t.prefix}*`) } },
      }),
    );
    this.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [bucket.bucketArn] }),
    );
  }

  /** Dedupe state: env DEDUPE_TABLE, item read/write and queries on the pending index only. */
  bindDedupeTable(table: dynamodb.ITable, pendingIndex: string): void {
    this.addEnvironment(ENV.DEDUPE_TABLE, table.tableName);
    // Explicit ARNs: Table.grant() would add a `<table>/index/*` wildcard.
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        resources: [table.tableArn, `${table.tableArn}/index/${pendingIndex}`],
      }),
    );
  }

  /** Read one Secrets Manager secret (the Slack webhook URL). */
  bindSecretArn(envName: string, secretArn: string, secretArnForPolicy: string): void {
    this.addEnvironment(envName, secretArn);
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArnForPolicy],
      }),
    );
  }
}

import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Cidr } from '../detection/cidr';
import type { FlowWatchFunction } from './function';
import { acknowledgeWildcardResource } from './nag';
import { renderSavedQueryForAthena, type SavedQuery } from './saved-queries';
import { secureBucket } from './storage';

/** Athena limits for named queries. */
const MAX_QUERY_CHARS = 262144;
const MAX_NAME_CHARS = 128;

export interface FlowWatchAthenaProps {
  readonly workgroupName: string;
  readonly databaseName: string;
  /** Athena cancels a query that would scan more (minimum 10 MB). */
  readonly bytesScannedCutoffPerQuery: number;
  /** Encrypts query results (SSE-KMS). */
  readonly key: kms.IKey;
  readonly resultRetentionDays: number;
  readonly accessLogs: s3.IBucket;
  readonly removalPolicy: RemovalPolicy;
  /** Saved queries to create as named queries in the workgroup. */
  readonly savedQueries: readonly SavedQuery[];
  readonly internalCidrs: readonly Cidr[];
  readonly granularity: 'hour' | 'day';
  readonly savedQueryLookbackHours: number;
}

export const RESULTS_PREFIX = 'athena-results';

/**
 * The FlowWatch workgroup: engine v3, settings enforced (clients cannot pick another output
 * location or skip encryption), a per-query scan cutoff, CloudWatch metrics, an expiring
 * encrypted results bucket, and the responders' saved queries.
 */
export class FlowWatchAthena extends Construct {
  readonly workgroup: athena.CfnWorkGroup;
  readonly resultsBucket: s3.Bucket;
  readonly namedQueries: athena.CfnNamedQuery[] = [];
  readonly workgroupName: string;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: FlowWatchAthenaProps) {
    super(scope, id);
    if (props.bytesScannedCutoffPerQuery < 10 * 1024 * 1024)
      throw new Error('FlowWatchAthena: bytesScannedCutoffPerQuery must be at least 10 MB (10485760)');
    this.workgroupName = props.workgroupName;
    this.key = props.key;
    this.resultsBucket = secureBucket(this, 'ResultsBucket', {
      encryptionKey: props.key,
      accessLogs: { bucket: props.accessLogs, prefix: 'athena-results-bucket' },
      lifecycleRules: [
        {
          id: 'expire-query-results',
          expiration: Duration.days(props.resultRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: props.removalPolicy,
    });
    this.workgroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workgroupName,
      description: 'FlowWatch detections and responder queries over VPC flow logs',
      state: 'ENABLED',
      // Deleting the stack must not get stuck on query history or saved queries in the workgroup.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        requesterPaysEnabled: false,
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/${RESULTS_PREFIX}/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.key.keyArn },
          expectedBucketOwner: Stack.of(this).account,
        },
      },
    });
    const names = new Set<string>();
    for (const q of props.savedQueries) {
      if (names.has(q.name)) throw new Error(`FlowWatchAthena: two saved queries are named '${q.name}'`);
      names.add(q.name);
      if (q.name.length > MAX_NAME_CHARS)
        throw new Error(`${q.path}: saved query name '${q.name}' is over 128 characters`);
      const { sql } = renderSavedQueryForAthena(q, {
        internalCidrs: props.internalCidrs,
        granularity: props.granularity,
        lookbackHours: props.savedQueryLookbackHours,
      });
      if (sql.length > MAX_QUERY_CHARS)
        throw new Error(`${q.path}: rendered query is over Athena's 262144 characters`);
      this.namedQueries.push(
        new athena.CfnNamedQuery(this, q.name, {
          name: q.name,
          description: q.description.slice(0, 1024),
          database: props.databaseName,
          workGroup: this.workgroup.ref,
          queryString: sql,
        }),
      );
    }
  }

  get workgroupArn(): string {
    const s = Stack.of(this);
    return `arn:${s.partition}:athena:${s.region}:${s.account}:workgroup/${this.workgroupName}`;
  }

  /**
   * Run queries in this workgroup only, and write/read their results. Athena uses the caller's
   * credentials for the results location, so the grant covers the results prefix and its key.
   */
  grantRunQueries(grantee: FlowWatchFunction): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'athena:StartQueryExecution',
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:StopQueryExecution',
        ],
        resources: [this.workgroupArn],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [this.resultsBucket.arnForObjects(`${RESULTS_PREFIX}/*`)],
      }),
    );
    acknowledgeWildcardResource(
      grantee.role!,
      this.resultsBucket.arnForObjects(`${RESULTS_PREFIX}/*`),
      `Athena writes and reads query results with the caller's credentials under ${RESULTS_PREFIX}/ of the results bucket; object keys are query ids.`,
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [this.resultsBucket.bucketArn],
      }),
    );
    this.key.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey');
  }
}

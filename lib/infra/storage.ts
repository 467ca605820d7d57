import { Aws, Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Where the flow log objects are: a bucket FlowWatch created or one it only reads. */
export interface FlowLogSource {
  readonly bucketName: string;
  readonly bucketArn: string;
  /** Key prefix before `AWSLogs/` ('' = bucket root). */
  readonly prefix: string;
  /** Key that encrypts the objects, when SSE-KMS with a customer key. */
  readonly keyArn?: string;
}

/** `s3://bucket/prefix` (no trailing slash): what `/AWSLogs/...` is appended to. */
export function sourceBaseLocation(s: FlowLogSource): string {
  return s.prefix ? `s3://${s.bucketName}/${s.prefix}` : `s3://${s.bucketName}`;
}

/** Object-key pattern of every flow log file under the source. */
export function sourceKeyPrefix(s: FlowLogSource): string {
  return s.prefix ? `${s.prefix}/AWSLogs/` : 'AWSLogs/';
}

export interface SecureBucketProps {
  /** KMS key for SSE-KMS; omit for SSE-S3. */
  readonly encryptionKey?: kms.IKey;
  /** Server access logs go here under `<prefix>/`; omit only for the access-log bucket itself. */
  readonly accessLogs?: { readonly bucket: s3.IBucket; readonly prefix: string };
  /** @default false */
  readonly versioned?: boolean;
  readonly lifecycleRules: s3.LifecycleRule[];
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A bucket with the defaults a security reviewer expects: public access blocked, TLS-only
 * policy, object ownership enforced (no ACLs), encryption (KMS with bucket keys, or SSE-S3),
 * server access logging and lifecycle rules.
 */
export function secureBucket(scope: Construct, id: string, props: SecureBucketProps): s3.Bucket {
  return new s3.Bucket(scope, id, {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    encryption: props.encryptionKey ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
    encryptionKey: props.encryptionKey,
    // Bucket keys cut KMS request costs for the many small objects flow logs and Athena write.
    bucketKeyEnabled: props.encryptionKey ? true : undefined,
    serverAccessLogsBucket: props.accessLogs?.bucket,
    serverAccessLogsPrefix: props.accessLogs ? `${props.accessLogs.prefix}/` : undefined,
    versioned: props.versioned ?? false,
    lifecycleRules: props.lifecycleRules,
    removalPolicy: props.removalPolicy,
  });
}

export interface FlowLogStorageProps {
  /** `kms`: a customer-managed key (rotated) encrypts the flow logs; `s3-managed`: SSE-S3. */
  readonly encryption: 'kms' | 's3-managed';
  /** Key prefix AWS writes `AWSLogs/...` under. */
  readonly prefix: string;
  /** Accounts allowed to deliver flow logs into the bucket (aws:SourceAccount). */
  readonly accounts: readonly string[];
  /** Regions whose log delivery may write (aws:SourceArn). */
  readonly regions: readonly string[];
  /** Days objects are kept; 0 keeps them forever. */
  readonly expirationDays: number;
  /** Days before objects move to Standard-IA; 0 never. */
  readonly infrequentAccessDays: number;
  readonly accessLogs: s3.IBucket;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The flow-log bucket: versioned (a deleted or overwritten log object stays recoverable for
 * 30 days), encrypted, TLS-only, with a log-delivery policy that only the configured accounts'
 * and regions' log delivery can use.
 */
export class FlowLogStorage extends Construct {
  readonly bucket: s3.Bucket;
  readonly key?: kms.Key;
  readonly source: FlowLogSource;

  constructor(scope: Construct, id: string, props: FlowLogStorageProps) {
    super(scope, id);
    if (props.accounts.length === 0) throw new Error('FlowLogStorage: accounts must not be empty');
    if (props.regions.length === 0) throw new Error('FlowLogStorage: regions must not be empty');
    if (
      props.expirationDays > 0 &&
      props.infrequentAccessDays > 0 &&
      props.expirationDays <= props.infrequentAccessDays
    )
      throw new Error(
        `FlowLogStorage: expirationDays (${props.expirationDays}) must be greater than infrequentAccessDays (${props.infrequentAccessDays})`,
      );
    const sourceArns = props.accounts.flatMap((a) =>
      props.regions.map((r) => `arn:${Aws.PARTITION}:logs:${r}:${a}:*`),
    );
    const deliveryConditions = {
      StringEquals: { 'aws:SourceAccount': [...props.accounts] },
      ArnLike: { 'aws:SourceArn': sourceArns },
    };
    if (props.encryption === 'kms') {
      this.key = new kms.Key(this, 'Key', {
        description: 'FlowWatch: encrypts VPC flow log objects',
        enableKeyRotation: true,
        removalPolicy: props.removalPolicy,
      });
      // Log delivery encrypts with the key on behalf of the configured accounts only.
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowVpcFlowLogDelivery',
          principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
          actions: [
            'kms:Encrypt',
            'kms:Decrypt',
            'kms:ReEncrypt*',
            'kms:GenerateDataKey*',
            'kms:DescribeKey',
          ],
          resources: ['*'],
          conditions: deliveryConditions,
        }),
      );
    }
    const rules: s3.LifecycleRule[] = [
      {
        id: 'flow-logs',
        abortIncompleteMultipartUploadAfter: Duration.days(7),
        noncurrentVersionExpiration: Duration.days(30),
        expiration: props.expirationDays > 0 ? Duration.days(props.expirationDays) : undefined,
        transitions:
          props.infrequentAccessDays > 0
            ? [
                {
                  storageClass: s3.StorageClass.INFREQUENT_ACCESS,
                  transitionAfter: Duration.days(props.infrequentAccessDays),
                },
              ]
            : undefined,
      },
    ];
    this.bucket = secureBucket(this, 'Bucket', {
      encryptionKey: this.key,
      accessLogs: { bucket: props.accessLogs, prefix: 'flow-log-bucket' },
      versioned: true,
      lifecycleRules: rules,
      removalPolicy: props.removalPolicy,
    });
    const objects = props.accounts.map((a) => this.bucket.arnForObjects(`${props.prefix}/AWSLogs/${a}/*`));
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AWSLogDeliveryWrite',
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: objects,
        conditions: {
          ...deliveryConditions,
          StringEquals: { ...deliveryConditions.StringEquals, 's3:x-amz-acl': 'bucket-owner-full-control' },
        },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AWSLogDeliveryAclCheck',
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['s3:GetBucketAcl', 's3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: deliveryConditions,
      }),
    );
    this.source = {
      bucketName: this.bucket.bucketName,
      bucketArn: this.bucket.bucketArn,
      prefix: props.prefix,
      keyArn: this.key?.keyArn,
    };
  }
}

/**
 * The bucket that receives S3 server access logs of FlowWatch's other buckets. It does not log
 * itself (that would loop; cdk-nag's S1 exempts log targets) and is SSE-S3, the only default
 * encryption S3 server access logging can write to.
 */
export function accessLogBucket(
  scope: Construct,
  id: string,
  days: number,
  removalPolicy: RemovalPolicy,
): s3.Bucket {
  return secureBucket(scope, id, {
    lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(days) }],
    removalPolicy,
  });
}

import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { INVENTORY_PREFIX } from '../context/inventory-layout';
import { secureBucket } from './storage';

export interface ContextBucketProps {
  /** Days ENI inventory snapshots (`eni-inventory/`) are kept (0 = forever). */
  readonly inventoryExpirationDays: number;
  readonly accessLogs: s3.IBucket;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The bucket of the context tables (docs/CONTEXT.md): ENI inventory snapshots under
 * `eni-inventory/`, threat-intel lists under `threat-intel/`. It always exists, whatever
 * `inventory.enabled` says, so the Glue tables over it exist too (a detection LEFT JOINing an
 * empty table gets no rows, not an error) and users can upload files they made themselves
 * (`flowwatch inventory --out`). Each prefix's owner adds its own lifecycle rule
 * (`bucket.addLifecycleRule`); only the inventory's expiry is set here.
 */
export class ContextBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ContextBucketProps) {
    super(scope, id);
    this.bucket = secureBucket(this, 'Bucket', {
      accessLogs: { bucket: props.accessLogs, prefix: 'context-bucket' },
      lifecycleRules:
        props.inventoryExpirationDays > 0
          ? [
              {
                id: 'expire-inventory',
                prefix: `${INVENTORY_PREFIX}/`,
                expiration: Duration.days(props.inventoryExpirationDays),
              },
            ]
          : [],
      removalPolicy: props.removalPolicy,
    });
  }
}

import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import {
  type EniInventoryConfig,
  loadEniInventoryConfig,
  type SnapshotResult,
  snapshotEniInventory,
  snapshotTimeOf,
} from '../../lib/runtime/eni-inventory';
import { log, logger } from '../../lib/runtime/powertools';

// Config and clients once per container.
let state: { config: EniInventoryConfig; ec2: EC2Client; s3: S3Client } | undefined;

/**
 * Hourly (EventBridge schedule) or on demand: snapshot this account and region's network
 * interfaces to the inventory prefix. The scheduled time names the snapshot, so a retry
 * overwrites the same key instead of adding a second snapshot.
 */
export const handler = async (
  event: { time?: string } | undefined,
  context: Context,
): Promise<SnapshotResult> => {
  logger.addContext(context);
  state ??= {
    config: loadEniInventoryConfig(process.env),
    ec2: new EC2Client({ maxAttempts: 5, retryMode: 'adaptive' }),
    s3: new S3Client({ maxAttempts: 5 }),
  };
  return snapshotEniInventory(
    { ec2: state.ec2, s3: state.s3, log },
    state.config,
    snapshotTimeOf(event, Date.now),
  );
};

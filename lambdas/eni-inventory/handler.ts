import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import {
  type EniInventoryConfig,
  loadEniInventoryConfig,
  type SnapshotDeps,
  type SnapshotResult,
  snapshotEniInventory,
  snapshotTimeOf,
} from '../../lib/runtime/eni-inventory';
import { log, logger } from '../../lib/runtime/powertools';

// Config and the S3 client once per container; EC2 clients and member credentials per run
// (a member role's session is short; fromTemporaryCredentials refreshes it within a run).
let state: { config: EniInventoryConfig; s3: S3Client } | undefined;

/**
 * Hourly (EventBridge schedule) or on demand: snapshot the network interfaces of every covered
 * account and region to the inventory prefix (member accounts through the member role). The
 * scheduled time names the snapshots, so a retry overwrites the same keys instead of adding
 * second snapshots. Throws, after writing the rest, when an account or region failed.
 */
export const handler = async (
  event: { time?: string } | undefined,
  context: Context,
): Promise<SnapshotResult> => {
  logger.addContext(context);
  state ??= { config: loadEniInventoryConfig(process.env), s3: new S3Client({ maxAttempts: 5 }) };
  const { config } = state;
  const deps: SnapshotDeps = {
    s3: state.s3,
    log,
    ec2: (region, credentials) =>
      new EC2Client({ region, credentials, maxAttempts: 5, retryMode: 'adaptive' }),
    assumeRole: (roleArn, externalId) => {
      // Loaded on first use: only deployments with member accounts need it, and loading it at
      // import time made up about half of this Lambda's cold start.
      const provider = import('@aws-sdk/credential-providers').then(({ fromTemporaryCredentials }) =>
        fromTemporaryCredentials({
          params: {
            RoleArn: roleArn,
            RoleSessionName: 'flowwatch-eni-inventory',
            ExternalId: externalId,
            DurationSeconds: 900,
          },
          // The regional STS endpoint of the Lambda's own region.
          clientConfig: { region: config.region },
        }),
      );
      return async () => (await provider)();
    },
  };
  return snapshotEniInventory(deps, config, snapshotTimeOf(event, Date.now));
};

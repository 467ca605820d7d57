import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { log, logger } from '../../lib/runtime/powertools';
import {
  loadThreatIntelSyncConfig,
  syncOptionsOf,
  syncThreatIntel,
  type ThreatIntelSyncConfig,
  type ThreatIntelSyncResult,
} from '../../lib/runtime/threat-intel-sync';

// Config and client once per container.
let state: { config: ThreatIntelSyncConfig; s3: S3Client } | undefined;

/**
 * Hourly (EventBridge schedule) or on demand (`aws lambda invoke`, optionally `{"force": true}`):
 * turn the lists under threat-intel/lists/ into the threat_intel table's files. Throws when a list
 * failed (after syncing the others), so the invocation lands in the DLQ and its alarm fires.
 */
export const handler = async (event: unknown, context: Context): Promise<ThreatIntelSyncResult> => {
  logger.addContext(context);
  state ??= {
    config: loadThreatIntelSyncConfig(process.env),
    s3: new S3Client({ maxAttempts: 5 }),
  };
  return syncThreatIntel({ s3: state.s3, log }, state.config, syncOptionsOf(event));
};

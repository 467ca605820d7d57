import { type EC2Client, paginateDescribeNetworkInterfaces } from '@aws-sdk/client-ec2';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ENV } from '../constants/env';
import { type EniRecord, parseDescribeNetworkInterfaces } from '../context/eni-inventory';
// inventory-layout, not inventory-store: the store imports DuckDB, whose native binding cannot be bundled.
import { jsonlSnapshot } from '../context/inventory-layout';
import type { Env } from './config';
import type { Log } from './detection-run';

/** What the inventory Lambda needs from its environment (set by lib/infra/eni-inventory.ts). */
export interface EniInventoryConfig {
  readonly bucket: string;
  /** Empty, or ending in `/`: the snapshot keys are `<prefix>eni-inventory/...`. */
  readonly prefix: string;
  readonly account: string;
  readonly region: string;
}

export function loadEniInventoryConfig(env: Env): EniInventoryConfig {
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw new Error(`environment variable ${name} is missing or empty`);
    return v;
  };
  const prefix = env[ENV.INVENTORY_PREFIX] ?? '';
  if (prefix !== '' && (!prefix.endsWith('/') || prefix.startsWith('/')))
    throw new Error(
      `${ENV.INVENTORY_PREFIX}: '${prefix}' must be empty or end with / (and not start with /)`,
    );
  return {
    bucket: need(ENV.INVENTORY_BUCKET),
    prefix,
    account: need(ENV.INVENTORY_ACCOUNT),
    region: need('AWS_REGION'),
  };
}

export interface SnapshotDeps {
  readonly ec2: EC2Client;
  readonly s3: Pick<S3Client, 'send'>;
  readonly log: Log;
}

export interface SnapshotResult {
  /** S3 keys written, one per account seen (the deployment account's always). */
  readonly keys: string[];
  readonly interfaces: number;
}

/**
 * Snapshot DescribeNetworkInterfaces of the deployment account and region into the inventory
 * layout. Pages are validated and mapped by the same parser as the CLI's dumps, and the file
 * has the same bytes as writeInventory's `jsonl.gz` in local mode. Interfaces owned by another account
 * (shared VPC participants) go to that account's own file: a file's partition describes all of
 * its rows. The deployment account's file is written even when empty, so an empty snapshot
 * supersedes the last one. Assume-role into member accounts is not done yet.
 */
export async function snapshotEniInventory(
  deps: SnapshotDeps,
  config: EniInventoryConfig,
  snapshotTime: number,
): Promise<SnapshotResult> {
  const pages: unknown[] = [];
  // The SDK paginator follows NextToken; pages are parsed together so a repeated interface is kept once.
  for await (const page of paginateDescribeNetworkInterfaces({ client: deps.ec2 }, {})) {
    pages.push({ NetworkInterfaces: page.NetworkInterfaces ?? [] });
  }
  // JSON round trip: Dates (AttachTime) become strings and the zod schema sees what the CLI sees.
  const records = parseDescribeNetworkInterfaces(JSON.stringify(pages), {
    snapshotTime,
    region: config.region,
    account: config.account,
    source: `DescribeNetworkInterfaces ${config.account}/${config.region}`,
  });
  const byAccount = new Map<string, EniRecord[]>([[config.account, []]]);
  for (const r of records) {
    const list = byAccount.get(r.account_id) ?? [];
    list.push(r);
    byAccount.set(r.account_id, list);
  }
  const keys: string[] = [];
  for (const [account, recs] of byAccount) {
    const snap = jsonlSnapshot(recs, { account, region: config.region, snapshotTime });
    const key = `${config.prefix}${snap.key}`;
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: config.bucket,
        Key: key,
        Body: snap.body,
        // A .gz file (Athena decompresses by extension), not gzip transfer encoding of JSON.
        ContentType: 'application/gzip',
      }),
    );
    keys.push(key);
    deps.log.info('inventory snapshot written', { bucket: config.bucket, key, interfaces: recs.length });
  }
  return { keys, interfaces: records.length };
}

/** Snapshot time of an invocation: the scheduled time when EventBridge gives one, else now (on demand). */
export function snapshotTimeOf(event: { time?: unknown } | undefined, now: () => number): number {
  const t = event?.time;
  if (t === undefined) return Math.floor(now() / 1000);
  const ms = typeof t === 'string' ? Date.parse(t) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`event.time '${String(t)}' is not an ISO-8601 timestamp`);
  return Math.floor(ms / 1000);
}

import { type EC2Client, paginateDescribeNetworkInterfaces } from '@aws-sdk/client-ec2';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ENV } from '../constants/env';
import { type EniRecord, parseDescribeNetworkInterfaces } from '../context/eni-inventory';
// inventory-layout, not inventory-store: the store imports DuckDB, whose native binding cannot be bundled.
import { jsonlSnapshot } from '../context/inventory-layout';
import type { Env } from './config';
import type { Log } from './detection-run';

/** An SDK credential provider (what fromTemporaryCredentials returns), without importing @smithy/types. */
export type CredentialProvider = () => Promise<{
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}>;

/** What the inventory Lambda needs from its environment (set by lib/infra/eni-inventory.ts). */
export interface EniInventoryConfig {
  readonly bucket: string;
  /** Empty, or ending in `/`: the snapshot keys are `<prefix>eni-inventory/...`. */
  readonly prefix: string;
  /** The account the Lambda runs in: snapshotted with the Lambda's own credentials. */
  readonly account: string;
  /** The Lambda's region (where the bucket is, and the STS endpoint used). */
  readonly region: string;
  /** Accounts to snapshot (the own account included or not), in order. */
  readonly accounts: readonly string[];
  /** Regions to snapshot in every account. */
  readonly regions: readonly string[];
  /** Role name assumed in the other accounts; undefined = other accounts are skipped. */
  readonly memberRoleName?: string;
  readonly externalId?: string;
  /** ARN partition of the member roles (`aws`, `aws-cn`, `aws-us-gov`, ...). */
  readonly partition: string;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/;
// IAM role names (the same rule as the config schema's; the environment is checked again here).
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

function list(env: Env, name: string, fallback: string, re: RegExp, what: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [fallback];
  const items = raw.split(',').map((s) => s.trim());
  for (const item of items)
    if (!re.test(item)) throw new Error(`${name}: '${item}' is not ${what} (in '${raw}')`);
  return [...new Set(items)];
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
  const account = need(ENV.INVENTORY_ACCOUNT);
  if (!ACCOUNT.test(account))
    throw new Error(`${ENV.INVENTORY_ACCOUNT}: '${account}' is not a 12-digit AWS account id`);
  const region = need('AWS_REGION');
  const memberRoleName = env[ENV.INVENTORY_MEMBER_ROLE] || undefined;
  if (memberRoleName !== undefined && !ROLE_NAME.test(memberRoleName))
    throw new Error(`${ENV.INVENTORY_MEMBER_ROLE}: '${memberRoleName}' is not an IAM role name`);
  const externalId = env[ENV.INVENTORY_EXTERNAL_ID] || undefined;
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId))
    throw new Error(`${ENV.INVENTORY_EXTERNAL_ID}: not a valid sts:ExternalId (2-1224 of [\\w+=,.@:/-])`);
  return {
    bucket: need(ENV.INVENTORY_BUCKET),
    prefix,
    account,
    region,
    accounts: list(env, ENV.INVENTORY_ACCOUNTS, account, ACCOUNT, 'a 12-digit AWS account id'),
    regions: list(env, ENV.INVENTORY_REGIONS, region, REGION, 'an AWS region name'),
    memberRoleName,
    externalId,
    partition: env[ENV.INVENTORY_PARTITION] || 'aws',
  };
}

/** ARN of the role assumed in a member account. */
export function memberRoleArn(config: EniInventoryConfig, account: string): string {
  return `arn:${config.partition}:iam::${account}:role/${config.memberRoleName}`;
}

export interface SnapshotDeps {
  /** An EC2 client for a region, with a member account's credentials or (undefined) the Lambda's own. */
  readonly ec2: (region: string, credentials?: CredentialProvider) => EC2Client;
  /** Credentials of a member role (the SDK's fromTemporaryCredentials in the Lambda). */
  readonly assumeRole: (roleArn: string, externalId: string | undefined) => CredentialProvider;
  readonly s3: Pick<S3Client, 'send'>;
  readonly log: Log;
}

export interface TargetFailure {
  readonly account: string;
  readonly region: string;
  readonly error: string;
}

export interface SnapshotResult {
  /** S3 keys written, one per account and region snapshotted or seen (shared VPCs). */
  readonly keys: string[];
  readonly interfaces: number;
  /** Account/region pairs described successfully. */
  readonly targets: number;
  /** Other accounts skipped because no member role is configured. */
  readonly skippedAccounts: string[];
  readonly failures: TargetFailure[];
}

/** Thrown after the successful snapshots are written, when some account/region failed. */
export class InventoryRunError extends Error {
  constructor(
    readonly failures: readonly TargetFailure[],
    readonly result: SnapshotResult,
  ) {
    super(
      `ENI inventory failed for ${failures.length} account/region(s) (${result.keys.length} snapshot(s) written): ${failures
        .map((f) => `${f.account}/${f.region}: ${f.error}`)
        .join('; ')}`,
    );
    this.name = 'InventoryRunError';
  }
}

function describeError(e: unknown): string {
  if (e instanceof Error) return e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message;
  return String(e);
}

// Targets described at once: enough to finish many accounts within the timeout, few enough not
// to be throttled by EC2's per-account Describe limits (each target is a different account/region).
const PARALLEL_TARGETS = 4;

async function describeTarget(
  deps: SnapshotDeps,
  region: string,
  account: string,
  credentials: CredentialProvider | undefined,
  snapshotTime: number,
): Promise<EniRecord[]> {
  const ec2 = deps.ec2(region, credentials);
  try {
    const pages: unknown[] = [];
    // The SDK paginator follows NextToken; pages are parsed together so a repeated interface is kept once.
    for await (const page of paginateDescribeNetworkInterfaces({ client: ec2 }, {})) {
      pages.push({ NetworkInterfaces: page.NetworkInterfaces ?? [] });
    }
    // JSON round trip: Dates (AttachTime) become strings and the zod schema sees what the CLI sees.
    return parseDescribeNetworkInterfaces(JSON.stringify(pages), {
      snapshotTime,
      region,
      account,
      source: `DescribeNetworkInterfaces ${account}/${region}`,
    });
  } finally {
    ec2.destroy();
  }
}

/**
 * Snapshot DescribeNetworkInterfaces of every covered account and region into the inventory
 * layout: the own account with the Lambda's credentials, the others through the member role
 * (skipped, with a log line, when none is configured). Pages are validated and mapped by the
 * same parser as the CLI's dumps, and each file has the bytes writeInventory's `jsonl.gz` has
 * in local mode.
 *
 * One file per account and region. A described account/region gets its file even when empty
 * (so it supersedes the last snapshot). Interfaces owned by another account (shared VPC
 * participants) go to that account's file, merged with what that account's own description
 * returned (its own view wins for an interface seen twice); such a file is not written for an
 * account/region whose own description failed, since a partial file would supersede its last
 * complete snapshot.
 *
 * A failing account/region (AssumeRole refused, throttling) does not stop the others: they are
 * written, then InventoryRunError names every failure, so the invocation fails (retries, DLQ).
 */
export async function snapshotEniInventory(
  deps: SnapshotDeps,
  config: EniInventoryConfig,
  snapshotTime: number,
): Promise<SnapshotResult> {
  const failures: TargetFailure[] = [];
  const skippedAccounts: string[] = [];
  type Target = { account: string; region: string; credentials?: CredentialProvider };
  const targets: Target[] = [];

  for (const account of config.accounts) {
    if (account === config.account) {
      for (const region of config.regions) targets.push({ account, region });
      continue;
    }
    if (config.memberRoleName === undefined) {
      skippedAccounts.push(account);
      continue;
    }
    const roleArn = memberRoleArn(config, account);
    const credentials = deps.assumeRole(roleArn, config.externalId);
    try {
      // Assume once per account: a refused role fails all its regions with one clear message.
      await credentials();
    } catch (e) {
      const error = `AssumeRole ${roleArn} failed: ${describeError(e)}`;
      deps.log.error('inventory: cannot assume the member role', { account, roleArn, error });
      for (const region of config.regions) failures.push({ account, region, error });
      continue;
    }
    for (const region of config.regions) targets.push({ account, region, credentials });
  }
  if (skippedAccounts.length > 0)
    deps.log.info(
      'inventory: member accounts skipped, no inventory.memberRoleName configured (only the own account is snapshotted)',
      { skippedAccounts },
    );

  const described: { target: Target; records: EniRecord[] }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const target = targets[next++]!;
      try {
        const records = await describeTarget(
          deps,
          target.region,
          target.account,
          target.credentials,
          snapshotTime,
        );
        described.push({ target, records });
      } catch (e) {
        const error = describeError(e);
        deps.log.error('inventory: DescribeNetworkInterfaces failed', {
          account: target.account,
          region: target.region,
          error,
        });
        failures.push({ account: target.account, region: target.region, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_TARGETS, targets.length) }, worker));

  // Merge per file (account/region). The own description of an account/region goes in first, so
  // its view of an interface wins over another account's (shared VPC) view of the same one.
  const fileKey = (account: string, region: string) => `${account}/${region}`;
  const failed = new Set(failures.map((f) => fileKey(f.account, f.region)));
  const files = new Map<string, { account: string; region: string; byId: Map<string, EniRecord> }>();
  const fileOf = (account: string, region: string) => {
    const k = fileKey(account, region);
    let f = files.get(k);
    if (!f) {
      f = { account, region, byId: new Map() };
      files.set(k, f);
    }
    return f;
  };
  const ordered = [...described].sort((a, b) => targets.indexOf(a.target) - targets.indexOf(b.target));
  for (const { target, records } of ordered) {
    const own = fileOf(target.account, target.region);
    for (const r of records) if (r.account_id === target.account) own.byId.set(r.interface_id, r);
  }
  let interfaces = 0;
  for (const { target, records } of ordered) {
    interfaces += records.length;
    for (const r of records) {
      if (r.account_id === target.account) continue;
      if (failed.has(fileKey(r.account_id, target.region))) continue;
      const f = fileOf(r.account_id, target.region);
      if (!f.byId.has(r.interface_id)) f.byId.set(r.interface_id, r);
    }
  }

  const keys: string[] = [];
  for (const f of files.values()) {
    const recs = [...f.byId.values()];
    const snap = jsonlSnapshot(recs, { account: f.account, region: f.region, snapshotTime });
    const key = `${config.prefix}${snap.key}`;
    try {
      await deps.s3.send(
        new PutObjectCommand({
          Bucket: config.bucket,
          Key: key,
          Body: snap.body,
          // A .gz file (Athena decompresses by extension), not gzip transfer encoding of JSON.
          ContentType: 'application/gzip',
        }),
      );
    } catch (e) {
      failures.push({ account: f.account, region: f.region, error: `PutObject ${key}: ${describeError(e)}` });
      continue;
    }
    keys.push(key);
    deps.log.info('inventory snapshot written', { bucket: config.bucket, key, interfaces: recs.length });
  }

  const result: SnapshotResult = {
    keys,
    interfaces,
    targets: described.length,
    skippedAccounts,
    failures,
  };
  deps.log.info('inventory run', {
    accounts: config.accounts.length,
    regions: config.regions.length,
    targets: described.length,
    written: keys.length,
    interfaces,
    skipped: skippedAccounts.length,
    failed: failures.length,
  });
  if (failures.length > 0) throw new InventoryRunError(failures, result);
  return result;
}

/** Snapshot time of an invocation: the scheduled time when EventBridge gives one, else now (on demand). */
export function snapshotTimeOf(event: { time?: unknown } | undefined, now: () => number): number {
  const t = event?.time;
  if (t === undefined) return Math.floor(now() / 1000);
  const ms = typeof t === 'string' ? Date.parse(t) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`event.time '${String(t)}' is not an ISO-8601 timestamp`);
  return Math.floor(ms / 1000);
}

import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { AlertContext, AlertReason } from '../alerting/common';
import type { Finding } from '../detection/finding';
import { toJson } from '../detection/finding';
import { severityRank } from '../detection/metadata';
import { isoSeconds } from '../detection/window';

/**
 * The dedupe table (created by the CDK app): partition key `fingerprint` (S), TTL attribute
 * `expiresAt` (epoch seconds), and a sparse global secondary index `pending-by-detection`
 * (partition key `pendingDetection` S, projection ALL) that lists alerts claimed but not yet
 * confirmed as published.
 */
export const DEDUPE_TABLE_SCHEMA = {
  partitionKey: 'fingerprint',
  ttlAttribute: 'expiresAt',
  pendingIndex: 'pending-by-detection',
  pendingIndexKey: 'pendingDetection',
} as const;

export interface DedupePolicy {
  /** A repeat seen within this many seconds of its last sighting does not alert (unless below). */
  readonly suppressionSeconds: number;
  /** A finding still present this long after its last alert alerts again as "ongoing". @default suppressionSeconds */
  readonly reAlertSeconds?: number;
  /** Re-alert as "escalated" when the `bytes` column reaches this multiple of the alerted value. @default 10 */
  readonly bytesEscalationFactor?: number;
}

/** The stored state of one fingerprint. */
interface Item {
  fingerprint: string;
  version: number;
  detection: string;
  firstSeen: number;
  lastSeen: number;
  lastRun: string;
  expiresAt: number;
  seenCount: number;
  status: 'pending' | 'sent';
  pendingRun?: string;
  alertedAt: number;
  alertedRank: number;
  alertedBytes?: bigint;
  alertReason: AlertReason;
  alertNote?: string;
  finding?: string;
}

export type Decision =
  | { readonly action: 'alert'; readonly context: AlertContext }
  | { readonly action: 'suppress' }
  | { readonly action: 'skip' };

function bytesOf(f: Finding): bigint | undefined {
  const v = f.row.bytes;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return undefined;
}

/**
 * Whether a finding alerts in this run, given what the table remembers (pure, so the policy is
 * tested without a table). `now` is the run's window end: a retried run uses the same `now`.
 * `takeOverPending`: re-send an alert another run claimed but never confirmed (false after a
 * write conflict, when that other run is alive and will send it itself).
 */
export function decide(
  old: Item | undefined,
  f: Finding,
  runId: string,
  now: number,
  policy: DedupePolicy,
  takeOverPending = true,
): Decision {
  if (!old) return { action: 'alert', context: { reason: 'new', firstSeen: isoSeconds(now) } };
  const firstSeen = isoSeconds(old.firstSeen);
  // A pending alert is ours to send when this run claimed it (a retry) or an earlier scheduled
  // run did and never confirmed it; a claim from a concurrent run of the same window is left to it.
  if (old.status === 'pending' && (old.pendingRun === runId || (takeOverPending && old.alertedAt < now)))
    return { action: 'alert', context: { reason: old.alertReason, firstSeen, note: old.alertNote } };
  if (old.lastRun === runId) return { action: 'skip' };
  if (old.expiresAt <= now)
    return { action: 'alert', context: { reason: 'new', firstSeen: isoSeconds(now) } };
  const rank = severityRank(f.severity);
  if (rank > old.alertedRank)
    return {
      action: 'alert',
      context: { reason: 'escalated', firstSeen, note: `severity rose to ${f.severity}` },
    };
  const bytes = bytesOf(f);
  const factor = BigInt(policy.bytesEscalationFactor ?? 10);
  if (
    bytes !== undefined &&
    old.alertedBytes !== undefined &&
    old.alertedBytes > 0n &&
    bytes >= old.alertedBytes * factor
  )
    return {
      action: 'alert',
      context: { reason: 'escalated', firstSeen, note: `bytes ${old.alertedBytes} -> ${bytes}` },
    };
  if (now - old.alertedAt >= (policy.reAlertSeconds ?? policy.suppressionSeconds))
    return { action: 'alert', context: { reason: 'ongoing', firstSeen } };
  return { action: 'suppress' };
}

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number | bigint): AttributeValue => ({ N: n.toString() });

function fromItem(a: Record<string, AttributeValue>): Item {
  const n = (k: string) => (a[k]?.N !== undefined ? Number(a[k]!.N) : undefined);
  const s = (k: string) => a[k]?.S;
  return {
    fingerprint: s('fingerprint')!,
    version: n('version') ?? 0,
    detection: s('detection') ?? '',
    firstSeen: n('firstSeen') ?? 0,
    lastSeen: n('lastSeen') ?? 0,
    lastRun: s('lastRun') ?? '',
    expiresAt: n('expiresAt') ?? 0,
    seenCount: n('seenCount') ?? 0,
    status: s('status') === 'pending' ? 'pending' : 'sent',
    pendingRun: s('pendingRun'),
    alertedAt: n('alertedAt') ?? 0,
    alertedRank: n('alertedRank') ?? 0,
    alertedBytes: a.alertedBytes?.N !== undefined ? BigInt(a.alertedBytes.N) : undefined,
    alertReason: (s('alertReason') as AlertReason | undefined) ?? 'new',
    alertNote: s('alertNote'),
    finding: s('finding'),
  };
}

export interface Claim {
  readonly finding: Finding;
  readonly context: AlertContext;
}

export interface ClaimSummary {
  /** Findings this run must publish (claimed as pending). */
  readonly claimed: Claim[];
  readonly suppressed: number;
  /** Findings this run (an earlier attempt of it) already handled. */
  readonly skipped: number;
  /** Conditional-write conflicts resolved by re-reading. */
  readonly conflicts: number;
}

export type DynamoSend = Pick<DynamoDBClient, 'send'>;

/**
 * Dedupe state in DynamoDB, one item per fingerprint, every write conditional on the version
 * read (optimistic concurrency). An alert is first claimed as `pending` (with the run id and
 * the finding), published, then marked `sent`; a pending item is re-sent by the next attempt
 * of the same run or by the next run of the detection, so a failed publish loses nothing.
 */
export class DedupeStore {
  constructor(
    private readonly client: DynamoSend,
    private readonly table: string,
  ) {}

  private async get(fingerprint: string): Promise<Item | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { fingerprint: S(fingerprint) },
        ConsistentRead: true,
      }),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  /** Write the claim (pending alert) if the item is still at the version we read. */
  private async writeClaim(
    old: Item | undefined,
    f: Finding,
    ctx: AlertContext,
    runId: string,
    now: number,
    policy: DedupePolicy,
  ): Promise<void> {
    const bytes = bytesOf(f);
    const item: Record<string, AttributeValue> = {
      fingerprint: S(f.fingerprint),
      version: N((old?.version ?? 0) + 1),
      detection: S(f.detection),
      severity: S(f.severity),
      // A quiet period longer than the suppression starts a new episode.
      firstSeen: N(old && old.expiresAt > now ? old.firstSeen : now),
      lastSeen: N(Math.max(now, old?.lastSeen ?? 0)),
      lastRun: S(runId),
      expiresAt: N(Math.max(now, old?.lastSeen ?? 0) + policy.suppressionSeconds),
      seenCount: N((old?.seenCount ?? 0) + (old?.lastRun === runId ? 0 : 1)),
      status: S('pending'),
      pendingRun: S(runId),
      [DEDUPE_TABLE_SCHEMA.pendingIndexKey]: S(f.detection),
      alertedAt: N(now),
      alertedRank: N(severityRank(f.severity)),
      alertReason: S(ctx.reason),
      keys: S(toJson(f.keys)),
      finding: S(toJson({ ...f, alert: ctx })),
    };
    if (bytes !== undefined) item.alertedBytes = N(bytes);
    if (ctx.note) item.alertNote = S(ctx.note);
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: item,
        ConditionExpression: old ? '#v = :v' : 'attribute_not_exists(fingerprint)',
        ExpressionAttributeNames: old ? { '#v': 'version' } : undefined,
        ExpressionAttributeValues: old ? { ':v': N(old.version) } : undefined,
      }),
    );
  }

  /** Remember a suppressed repeat: it extends the suppression (TTL = last seen + suppression). */
  private async writeSeen(old: Item, runId: string, now: number, policy: DedupePolicy): Promise<void> {
    const lastSeen = Math.max(now, old.lastSeen);
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: { fingerprint: S(old.fingerprint) },
        UpdateExpression: 'SET lastSeen = :ls, expiresAt = :exp, lastRun = :run, seenCount = :cnt, #v = :v1',
        ConditionExpression: '#v = :v0',
        ExpressionAttributeNames: { '#v': 'version' },
        ExpressionAttributeValues: {
          ':ls': N(lastSeen),
          ':exp': N(lastSeen + policy.suppressionSeconds),
          ':run': S(runId),
          ':cnt': N(old.seenCount + 1),
          ':v0': N(old.version),
          ':v1': N(old.version + 1),
        },
      }),
    );
  }

  /** Decide and record one finding, re-reading after a conditional conflict. */
  async claim(
    f: Finding,
    runId: string,
    now: number,
    policy: DedupePolicy,
  ): Promise<{ decision: Decision; conflicts: number }> {
    let conflicts = 0;
    for (;;) {
      const old = await this.get(f.fingerprint);
      const decision = decide(old, f, runId, now, policy, conflicts === 0);
      try {
        if (decision.action === 'alert') await this.writeClaim(old, f, decision.context, runId, now, policy);
        else if (decision.action === 'suppress') await this.writeSeen(old!, runId, now, policy);
        return { decision, conflicts };
      } catch (e) {
        if (
          !(e instanceof ConditionalCheckFailedException) &&
          (e as Error).name !== 'ConditionalCheckFailedException'
        )
          throw e;
        if (++conflicts >= 5)
          throw new Error(`dedupe: item ${f.fingerprint} kept changing under us (${conflicts} conflicts)`);
      }
    }
  }

  async claimAll(
    findings: readonly Finding[],
    runId: string,
    now: number,
    policy: DedupePolicy,
  ): Promise<ClaimSummary> {
    const claimed: Claim[] = [];
    let suppressed = 0;
    let skipped = 0;
    let conflicts = 0;
    // Sequential keeps DynamoDB traffic gentle; a run has tens of findings, not thousands.
    for (const f of findings) {
      const r = await this.claim(f, runId, now, policy);
      conflicts += r.conflicts;
      if (r.decision.action === 'alert') claimed.push({ finding: f, context: r.decision.context });
      else if (r.decision.action === 'suppress') suppressed++;
      else skipped++;
    }
    return { claimed, suppressed, skipped, conflicts };
  }

  /**
   * Alerts of this detection claimed by an earlier run but never confirmed sent (its publish
   * failed and its retries ran out), taken over by this run so they are published now.
   */
  async takeOverPending(
    detection: string,
    runId: string,
    now: number,
    exclude: ReadonlySet<string>,
  ): Promise<Claim[]> {
    const out: Claim[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: DEDUPE_TABLE_SCHEMA.pendingIndex,
          KeyConditionExpression: '#pd = :d',
          ExpressionAttributeNames: { '#pd': DEDUPE_TABLE_SCHEMA.pendingIndexKey },
          ExpressionAttributeValues: { ':d': S(detection) },
          ExclusiveStartKey: start,
        }),
      );
      for (const a of page.Items ?? []) {
        const item = fromItem(a);
        // Only claims of earlier windows: a claim of this window belongs to a run still in progress.
        if (
          exclude.has(item.fingerprint) ||
          item.status !== 'pending' ||
          !item.finding ||
          item.alertedAt >= now
        )
          continue;
        try {
          await this.client.send(
            new UpdateItemCommand({
              TableName: this.table,
              Key: { fingerprint: S(item.fingerprint) },
              UpdateExpression: 'SET pendingRun = :run, #v = :v1',
              ConditionExpression: '#v = :v0 AND #st = :pending',
              ExpressionAttributeNames: { '#v': 'version', '#st': 'status' },
              ExpressionAttributeValues: {
                ':run': S(runId),
                ':pending': S('pending'),
                ':v0': N(item.version),
                ':v1': N(item.version + 1),
              },
            }),
          );
        } catch (e) {
          if ((e as Error).name === 'ConditionalCheckFailedException') continue; // someone else took it
          throw e;
        }
        // Stored with toJson; integers beyond 2^53 come back rounded (display only).
        const stored = JSON.parse(item.finding) as Finding & { alert: AlertContext };
        const { alert, ...finding } = stored;
        out.push({ finding, context: alert });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** Confirm publication: the item leaves the pending index. Skipped if another run re-claimed it. */
  async markSent(fingerprints: readonly string[], runId: string, now: number): Promise<void> {
    for (const fp of fingerprints) {
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: { fingerprint: S(fp) },
            UpdateExpression: 'SET #st = :sent, sentRun = :run, sentAt = :now REMOVE #pd, finding',
            ConditionExpression: 'pendingRun = :run AND #st = :pending',
            ExpressionAttributeNames: { '#st': 'status', '#pd': DEDUPE_TABLE_SCHEMA.pendingIndexKey },
            ExpressionAttributeValues: {
              ':sent': S('sent'),
              ':pending': S('pending'),
              ':run': S(runId),
              ':now': N(now),
            },
          }),
        );
      } catch (e) {
        if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
      }
    }
  }
}

import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { ENV } from '../constants/env';
// threat-intel.ts imports DuckDB's types only (erased), so the Lambda bundle stays free of DuckDB.
import {
  decodeThreatIntelBytes,
  formatIssue,
  parseThreatIntel,
  type ThreatIntelParseResult,
} from '../context/threat-intel';
import {
  hiddenTableFileReason,
  listKeyOfTableKey,
  THREAT_INTEL_LISTS_PREFIX,
  THREAT_INTEL_TABLE_PREFIX,
  tableKeyOfListKey,
  threatIntelJsonl,
} from '../context/threat-intel-layout';
import type { Env } from './config';
import type { Log } from './detection-run';

/**
 * The threat-intel sync: every list under `threat-intel/lists/` becomes one normalised JSON-lines
 * file under `threat-intel/table/` (the threat_intel Glue table), parsed by the same code as the
 * CLI's `--threat-intel`. A list is rewritten only when its ETag (or the output format version)
 * changed; table files whose list is gone are deleted.
 */

/** User metadata on each table file: which source object (ETag) and which writer produced it. */
export const SOURCE_ETAG_METADATA = 'source-etag';
export const FORMAT_METADATA = 'format-version';
/** Bump when the table file's content for the same list would change (parser or column changes). */
export const TABLE_FORMAT_VERSION = '1';
/** Issues logged per list (the count is always logged). */
export const MAX_ISSUES_LOGGED = 20;
/** Lists larger than this are refused: far beyond any IP feed, and the Lambda parses in memory. */
export const MAX_LIST_BYTES = 64 * 1024 * 1024;

export interface ThreatIntelSyncConfig {
  readonly bucket: string;
}

export function loadThreatIntelSyncConfig(env: Env): ThreatIntelSyncConfig {
  const bucket = env[ENV.THREAT_INTEL_BUCKET];
  if (!bucket) throw new Error(`environment variable ${ENV.THREAT_INTEL_BUCKET} is missing or empty`);
  return { bucket };
}

export interface ThreatIntelSyncDeps {
  readonly s3: Pick<S3Client, 'send'>;
  readonly log: Log;
}

export interface ThreatIntelSyncOptions {
  /** Rewrite every list even when its ETag is unchanged. */
  readonly force?: boolean;
}

/**
 * - written: the table file was (re)written;
 * - unchanged: the table file already holds this version of the list;
 * - empty: the list has no entries (only comments or blank lines): no table file is kept;
 * - failed: the list could not be used; its previous table file (if any) is left in place.
 */
export type ListStatus = 'written' | 'unchanged' | 'empty' | 'failed';

export interface ListOutcome {
  /** The list's S3 key. */
  readonly list: string;
  /** Its table file's S3 key. */
  readonly table: string;
  readonly status: ListStatus;
  readonly format?: ThreatIntelParseResult['format'];
  readonly entries?: number;
  readonly skipped?: number;
  readonly duplicates?: number;
  readonly error?: string;
}

export interface ThreatIntelSyncResult {
  readonly lists: ListOutcome[];
  /** Table files deleted because their list is gone. */
  readonly deleted: string[];
}

/** Thrown after every list was handled when at least one failed (so the DLQ and its alarm fire). */
export class ThreatIntelSyncError extends Error {
  constructor(readonly result: ThreatIntelSyncResult) {
    const failed = result.lists.filter((l) => l.status === 'failed');
    super(
      `threat-intel sync: ${failed.length} of ${result.lists.length} list(s) failed: ${failed
        .map((l) => `${l.list} (${l.error})`)
        .join('; ')}`,
    );
    this.name = 'ThreatIntelSyncError';
  }
}

interface Listed {
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

function bareEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/"/g, '');
}

async function listObjects(deps: ThreatIntelSyncDeps, bucket: string, prefix: string): Promise<Listed[]> {
  const out: Listed[] = [];
  for await (const page of paginateListObjectsV2(
    { client: deps.s3 as S3Client },
    { Bucket: bucket, Prefix: prefix },
  )) {
    for (const o of page.Contents ?? []) {
      // Folder markers (the console's "Create folder") are not lists.
      if (!o.Key || o.Key.endsWith('/')) continue;
      out.push({ key: o.Key, etag: bareEtag(o.ETag), size: o.Size ?? 0 });
    }
  }
  return out;
}

/** Error text of anything thrown (SDK errors carry a name such as AccessDenied). */
function messageOf(e: unknown): string {
  if (e instanceof Error)
    return e.name && e.name !== 'Error' && !e.message.includes(e.name)
      ? `${e.name}: ${e.message}`
      : e.message;
  return String(e);
}

/**
 * Sync every list. Lists are independent: one failing (unreadable, a CSV without an address
 * column, every line refused) does not stop the others, and leaves its last good table file
 * in place; the function throws ThreatIntelSyncError at the end naming the failed lists.
 */
export async function syncThreatIntel(
  deps: ThreatIntelSyncDeps,
  config: ThreatIntelSyncConfig,
  opts: ThreatIntelSyncOptions = {},
): Promise<ThreatIntelSyncResult> {
  const { bucket } = config;
  const lists = await listObjects(deps, bucket, THREAT_INTEL_LISTS_PREFIX);
  const tables = await listObjects(deps, bucket, THREAT_INTEL_TABLE_PREFIX);
  const tableKeys = new Set(tables.map((t) => t.key));
  const outcomes: ListOutcome[] = [];

  for (const src of lists) {
    const table = tableKeyOfListKey(src.key);
    const file = `s3://${bucket}/${src.key}`;
    const fail = (error: string): void => {
      outcomes.push({ list: src.key, table, status: 'failed', error });
      deps.log.error('threat-intel list failed; its previous table file (if any) is kept', {
        list: file,
        error,
      });
    };
    const hidden = hiddenTableFileReason(src.key);
    if (hidden !== undefined) {
      fail(hidden);
      continue;
    }
    if (src.size > MAX_LIST_BYTES) {
      fail(`${src.size} bytes is more than the ${MAX_LIST_BYTES} accepted`);
      continue;
    }
    try {
      if (!opts.force && tableKeys.has(table)) {
        const head = await deps.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: table }));
        const meta = head.Metadata ?? {};
        if (meta[SOURCE_ETAG_METADATA] === src.etag && meta[FORMAT_METADATA] === TABLE_FORMAT_VERSION) {
          outcomes.push({ list: src.key, table, status: 'unchanged' });
          deps.log.info('threat-intel list unchanged', { list: file, etag: src.etag });
          continue;
        }
      }
      const obj = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: src.key }));
      // The ETag of the bytes actually read: a list replaced since the listing is recorded as read.
      const etag = bareEtag(obj.ETag) || src.etag;
      const bytes = await obj.Body!.transformToByteArray();
      const parsed = parseThreatIntel(decodeThreatIntelBytes(bytes, file), { file });
      const counts = {
        format: parsed.format,
        entries: parsed.records.length,
        skipped: parsed.issues.length,
        duplicates: parsed.duplicates,
      };
      // What is logged: the counts, and the first issues as `file:line: message`.
      const summary = {
        list: file,
        ...counts,
        ...(parsed.issues.length > 0
          ? { issues: parsed.issues.slice(0, MAX_ISSUES_LOGGED).map(formatIssue) }
          : {}),
      };
      if (parsed.records.length === 0 && parsed.issues.length > 0) {
        // Every line refused: most likely the provider changed its format. Keeping the last good
        // file (and failing loudly) beats replacing it with nothing.
        const first = formatIssue(parsed.issues[0]!);
        outcomes.push({
          list: src.key,
          table,
          status: 'failed',
          ...counts,
          error: `every entry line was refused (${parsed.issues.length}); first: ${first}`,
        });
        deps.log.error(
          'threat-intel list refused: no line is a valid entry; its previous table file (if any) is kept',
          summary,
        );
        continue;
      }
      if (parsed.records.length === 0) {
        // Only comments: a feed that lists nothing right now (Feodo's list can be empty).
        if (tableKeys.has(table)) await deps.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: table }));
        outcomes.push({ list: src.key, table, status: 'empty', ...counts });
        deps.log.warn('threat-intel list has no entries; no table file kept', summary);
        continue;
      }
      await deps.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: table,
          Body: threatIntelJsonl(parsed.records),
          // A .gz file (Athena decompresses by extension), not gzip transfer encoding of JSON.
          ContentType: 'application/gzip',
          Metadata: { [SOURCE_ETAG_METADATA]: etag, [FORMAT_METADATA]: TABLE_FORMAT_VERSION },
        }),
      );
      outcomes.push({ list: src.key, table, status: 'written', ...counts });
      if (parsed.issues.length > 0)
        deps.log.warn('threat-intel list synced; some lines were skipped', summary);
      else deps.log.info('threat-intel list synced', summary);
    } catch (e) {
      fail(messageOf(e));
    }
  }

  // Table files whose list is gone (deleted or renamed). Files the sync did not write are left alone.
  const listKeys = new Set(lists.map((l) => l.key));
  const deleted: string[] = [];
  for (const t of tables) {
    const source = listKeyOfTableKey(t.key);
    if (source === undefined || listKeys.has(source)) continue;
    await deps.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: t.key }));
    deleted.push(t.key);
    deps.log.info('threat-intel table file deleted: its list is gone', {
      table: `s3://${bucket}/${t.key}`,
      list: source,
    });
  }

  const result = { lists: outcomes, deleted };
  const count = (s: ListStatus) => outcomes.filter((o) => o.status === s).length;
  deps.log.info('threat-intel sync done', {
    lists: outcomes.length,
    written: count('written'),
    unchanged: count('unchanged'),
    empty: count('empty'),
    failed: count('failed'),
    deleted: deleted.length,
  });
  if (count('failed') > 0) throw new ThreatIntelSyncError(result);
  return result;
}

/** `{ "force": true }` from `aws lambda invoke` rewrites every list; anything else (a schedule) syncs changes. */
export function syncOptionsOf(event: unknown): ThreatIntelSyncOptions {
  const force = typeof event === 'object' && event !== null && (event as { force?: unknown }).force === true;
  return { force };
}

import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DEFAULT_V2_FIELDS, type FlowLogField, findField } from '../detection/fields';
import { partitionsFromPath } from './layout';
import { loadParquetFiles, type ParquetFile } from './parquet';
import { type LoadIssue, type LoadReport, ReportBuilder } from './report';
import { createFlowLogsTableSql, FLOW_LOGS_TABLE } from './schema';
import { fileKind, parseHeaderLine, readFirstLine } from './sniff';
import { loadTextGroup, type TextFile } from './text-fast';
import { loadTextFileSlow } from './text-slow';

/**
 * Reads flow log files (.log, .log.gz, .parquet; single files or AWS S3 directory trees) into
 * the DuckDB flow_logs table.
 *
 * Partition columns: `aws_account_id` and `aws_region` come from the path when the file sits
 * in an AWS layout (plain or Hive-compatible), else from the record's account_id / region
 * (NULL when the format lacks them). `dt` is `yyyy/MM/dd/HH`: from the path for hourly layouts,
 * otherwise the UTC hour of the record's `start` (NULL when start is absent).
 *
 * Text files go through DuckDB's CSV reader, grouped by field order so it reads them in
 * parallel; only files it cannot take whole (corrupt gzip, a mid-file header changing the field
 * order) are read line by line in Node. Bad data never throws: it is skipped and reported.
 */

export type { LoadIssue, LoadReport };

export interface LoadOptions {
  /** Field order for headerless text files (default: the v2 fields). */
  fields?: FlowLogField[];
  onProgress?: (filesDone: number, filesTotal: number, file: string) => void;
  /** Default FLOW_LOGS_TABLE ('flow_logs'). */
  table?: string;
}

/** Fatal input problem: a path that does not exist, an unreadable directory, nothing to read. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

const FLOW_LOG_FILE = /\.(log|txt|parquet|gz)$/i;

/**
 * Flow log files under the given paths, recursively, sorted. A path naming a file is taken
 * whatever its extension; inside directories only .log, .log.gz, .txt, .gz and .parquet count.
 */
export async function findFlowLogFiles(paths: string[]): Promise<string[]> {
  // Keyed by absolute path so a file reached twice (a folder and a file in it) is read once.
  const found = new Map<string, string>();
  const add = (p: string) => {
    const key = path.resolve(p);
    if (!found.has(key)) found.set(key, p);
  };
  const walk = async (dir: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      throw new InputError(`cannot read directory ${dir}: ${(e as Error).message}`);
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const s = await stat(p).catch(() => undefined);
        isDir = s?.isDirectory() ?? false;
        isFile = s?.isFile() ?? false;
      }
      if (isDir) await walk(p);
      else if (isFile && FLOW_LOG_FILE.test(e.name) && !e.name.startsWith('.')) add(p);
    }
  };
  for (const p of paths) {
    let s: Awaited<ReturnType<typeof stat>>;
    try {
      s = await stat(p);
    } catch {
      throw new InputError(`path does not exist: ${p}`);
    }
    if (s.isDirectory()) await walk(p);
    else add(p);
  }
  return [...found.values()].sort();
}

/** Files per read_csv call: enough for DuckDB to keep every core busy, few enough for progress. */
const FILES_PER_READ = 256;

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

async function tableExists(conn: DuckDBConnection, table: string): Promise<boolean> {
  const r = await conn.runAndReadAll('SELECT count(*) FROM duckdb_tables() WHERE table_name = $t', {
    t: table,
  });
  return Number(r.getRows()[0][0]) > 0;
}

/** Run async work over items with at most `limit` in flight, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

type Sniffed =
  | { kind: 'parquet'; file: string }
  | { kind: 'text'; tf: TextFile }
  | { kind: 'empty'; file: string }
  | { kind: 'skip'; file: string }
  | { kind: 'slow'; tf: TextFile };

/**
 * Load flow log files into `opts.table` (created when missing). Throws InputError only for
 * fatal problems (missing path, nothing to read); bad data is skipped and reported.
 */
export async function loadFlowLogs(
  conn: DuckDBConnection,
  paths: string[],
  opts: LoadOptions = {},
): Promise<LoadReport> {
  const table = opts.table ?? FLOW_LOGS_TABLE;
  if (!TABLE_NAME.test(table)) throw new Error(`invalid table name '${table}'`);
  const defaultFields: readonly FlowLogField[] =
    opts.fields && opts.fields.length > 0
      ? opts.fields
      : DEFAULT_V2_FIELDS.map((n) => findField(n) as FlowLogField);

  const files = await findFlowLogFiles(paths);
  if (files.length === 0)
    throw new InputError(`no flow log files (.log, .log.gz, .parquet) found in ${paths.join(', ')}`);
  if (!(await tableExists(conn, table))) await conn.run(createFlowLogsTableSql(table));

  const report = new ReportBuilder();
  const total = files.length;
  let done = 0;
  const progress = (file: string, n = 1) => {
    done += n;
    opts.onProgress?.(done, total, file);
  };

  // Sniff each file's first bytes and first line only; a few at a time to bound open handles.
  const sniffed = await mapLimit(files, 16, async (file): Promise<Sniffed> => {
    const part = partitionsFromPath(file);
    let kind: Awaited<ReturnType<typeof fileKind>>;
    try {
      kind = await fileKind(file);
    } catch (e) {
      report.issue(file, undefined, `cannot read file, skipped: ${(e as Error).message}`, true);
      return { kind: 'skip', file };
    }
    // DuckDB's readers expand glob characters in a path; such (rare) names avoid them.
    const globby = /[*?[\]{}]/.test(file);
    if (kind === 'parquet') {
      if (!globby) return { kind: 'parquet', file };
      report.issue(
        file,
        undefined,
        'parquet file name contains glob characters (* ? [ ] { }), skipped: rename it',
        true,
      );
      return { kind: 'skip', file };
    }
    const gzip = kind === 'gzip';
    if (globby) return { kind: 'slow', tf: { file, gzip, hasHeader: false, fields: defaultFields, part } };
    let first: string | null;
    try {
      first = await readFirstLine(file, gzip);
    } catch {
      // The gzip breaks before the first line ends: the slow path reports what it can keep.
      return { kind: 'slow', tf: { file, gzip, hasHeader: false, fields: defaultFields, part } };
    }
    if (first === null) return { kind: 'empty', file };
    const h = parseHeaderLine(first);
    if (h.kind === 'bad-header') {
      const what = [
        ...h.unknown.map((u) => `unknown flow log field '${u}'`),
        ...h.duplicate.map((d) => `field '${d}' appears twice`),
      ].join(', ');
      report.issue(file, 1, `header line has ${what}; file skipped`, true);
      return { kind: 'skip', file };
    }
    const hasHeader = h.kind === 'header';
    return {
      kind: 'text',
      tf: { file, gzip, hasHeader, fields: hasHeader ? h.fields : defaultFields, part },
    };
  });

  const slow: TextFile[] = [];
  const groups = new Map<string, TextFile[]>();
  const parquet: ParquetFile[] = [];
  for (const s of sniffed) {
    if (s.kind === 'empty') {
      report.report.files++;
      progress(s.file);
    } else if (s.kind === 'skip') {
      progress(s.file);
    } else if (s.kind === 'slow') {
      slow.push(s.tf);
    } else if (s.kind === 'parquet') {
      parquet.push({ file: s.file, part: partitionsFromPath(s.file) });
    } else {
      const key = JSON.stringify([s.tf.fields.map((f) => f.column), s.tf.hasHeader, s.tf.gzip]);
      const g = groups.get(key);
      if (g) g.push(s.tf);
      else groups.set(key, [s.tf]);
    }
  }

  // Row order across files is not part of the contract; letting DuckDB drop it makes the
  // insert noticeably cheaper (it need not buffer chunks to keep file order). Restored after.
  const pio = await conn.runAndReadAll("SELECT current_setting('preserve_insertion_order')");
  const keepOrder = Boolean(pio.getRows()[0][0]);
  if (keepOrder) await conn.run('SET preserve_insertion_order = false');
  try {
    for (const group of groups.values()) {
      // Chunks keep progress moving and the rejects tables small; each still spans many files.
      for (let i = 0; i < group.length; i += FILES_PER_READ) {
        const chunk = group.slice(i, i + FILES_PER_READ);
        const r = await loadTextGroup(conn, table, chunk, report);
        report.report.rows += r.rows;
        report.report.files += r.done.length;
        slow.push(...r.slow);
        if (r.done.length > 0) progress(r.done[r.done.length - 1].file, r.done.length);
      }
    }

    for (const tf of slow) {
      const r = await loadTextFileSlow(conn, table, tf.file, tf.gzip, tf.fields, tf.part, report);
      report.report.rows += r.rows;
      report.report.files++;
      progress(tf.file);
    }

    if (parquet.length > 0) {
      const r = await loadParquetFiles(conn, table, parquet, report);
      report.report.rows += r.rows;
      report.report.files += r.read.length;
      progress(parquet[parquet.length - 1].file, parquet.length);
    }
  } finally {
    if (keepOrder) await conn.run('SET preserve_insertion_order = true');
  }

  return report.finish();
}

import { open } from 'node:fs/promises';
import { type DuckDBConnection, LIST, listValue, VARCHAR } from '@duckdb/node-api';
import type { FlowLogField } from '../detection/fields';
import { DT_FROM_START_SQL, type PathPartitions } from './layout';
import { MAX_ISSUES, type ReportBuilder } from './report';
import { DUCKDB_TYPES } from './schema';
import { HEADER_LIKE_RE, parseHeaderLine, sameFields } from './sniff';
import { gzipIntact } from './text-slow';

/**
 * The fast path: one DuckDB read_csv over every file that shares a field order (DuckDB reads
 * the files in parallel and decompresses gzip natively). Malformed lines are skipped by
 * `ignore_errors` and recorded in rejects tables, from which the report gets file and line.
 */

export interface TextFile {
  readonly file: string;
  readonly gzip: boolean;
  /** The first line is a header (DuckDB skips it). */
  readonly hasHeader: boolean;
  /** Field order of the file's first data line. */
  readonly fields: readonly FlowLogField[];
  readonly part: PathPartitions;
}

export interface GroupResult {
  rows: number;
  /** Files that need the exact slow path (corrupt gzip, a mid-file header changing the order). */
  slow: TextFile[];
  /** Files fully handled here (their rejects are in the report). */
  done: TextFile[];
}

// Temp tables DuckDB writes rejected lines to; dropped before each read so they hold one scan.
const REJECTS = 'flowwatch_load_rejects';
const SCANS = 'flowwatch_load_reject_scans';

const INTEGER_RE = /^[+-]?\d+$/;

function insertSql(
  table: string,
  fields: readonly FlowLogField[],
  hasHeader: boolean,
  gzip: boolean,
): string {
  // Every name spliced here is a catalogue constant or a validated table name, never input text.
  const cols = fields.map((f) => `"${f.column}"`).join(', ');
  const struct = fields.map((f) => `'${f.column}': '${DUCKDB_TYPES[f.type]}'`).join(', ');
  const has = (c: string): boolean => fields.some((f) => f.column === c);
  return `INSERT INTO "${table}" (${cols}, "aws_account_id", "aws_region", "dt")
SELECT ${cols},
  coalesce($acc[file_index::BIGINT + 1], ${has('account_id') ? '"account_id"' : 'NULL'}),
  coalesce($reg[file_index::BIGINT + 1], ${has('region') ? '"region"' : 'NULL'}),
  coalesce($dt[file_index::BIGINT + 1], ${has('start') ? DT_FROM_START_SQL : 'NULL'})
FROM read_csv($files, delim = ' ', header = ${hasHeader}, columns = {${struct}}, nullstr = '-',
  quote = '', escape = '', auto_detect = false, compression = '${gzip ? 'gzip' : 'none'}', hive_partitioning = false,
  ignore_errors = true, store_rejects = true, rejects_table = '${REJECTS}', rejects_scan = '${SCANS}')`;
}

const listParam = (values: readonly (string | null)[]) => listValue(values as (string | null)[]);

interface Reject {
  file: string;
  line: number;
  type: string;
  message: string;
  columnIdx: number;
  csvLine: string;
}

/** What the rejected lines of one attempt mean. */
interface RejectAnalysis {
  slow: Set<string>;
  /** Per-file skipped line count and issues to record if the attempt is kept. */
  skipped: Map<string, number>;
  issues: { file: string; line: number; message: string }[];
  /** gzip files with a rejected line: possibly truncated (DuckDB reads a truncated gzip as EOF). */
  suspect: Set<string>;
}

function describe(r: Reject, fields: readonly FlowLogField[]): string {
  const tokens = r.csvLine.replace(/\r$/, '').split(' ');
  if (r.type === 'MISSING COLUMNS' || r.type === 'TOO MANY COLUMNS') {
    return `wrong number of fields: expected ${fields.length}, found ${tokens.length}`;
  }
  if (r.type === 'CAST') {
    const f = fields[r.columnIdx - 1];
    const token = tokens[r.columnIdx - 1] ?? '';
    if (f && INTEGER_RE.test(token)) {
      return `value '${token}' out of range for field ${f.name} (${f.type === 'int' ? '32' : '64'}-bit integer)`;
    }
    if (f) return `invalid value '${token}' for numeric field ${f.name}`;
  }
  return `${r.type.toLowerCase()}: ${r.message}`;
}

async function analyseRejects(
  conn: DuckDBConnection,
  files: readonly TextFile[],
  maxIssues: number,
): Promise<RejectAnalysis> {
  const byFile = new Map(files.map((f) => [f.file, f]));
  const out: RejectAnalysis = { slow: new Set(), skipped: new Map(), issues: [], suspect: new Set() };
  const exists = await conn.runAndReadAll(
    `SELECT count(*) FROM duckdb_tables() WHERE table_name = '${REJECTS}'`,
  );
  if (Number(exists.getRows()[0][0]) === 0) return out;
  const base = `SELECT s.file_path AS file, e.line AS line,
      arg_min(e.error_type, e.column_idx) AS type, arg_min(e.error_message, e.column_idx) AS message,
      min(e.column_idx) AS column_idx, any_value(e.csv_line) AS csv_line,
      regexp_full_match(any_value(e.csv_line), $re) AS header_like
    FROM ${REJECTS} e JOIN ${SCANS} s ON e.scan_id = s.scan_id AND e.file_id = s.file_id
    GROUP BY s.file_path, e.line`;
  const add = (file: string, n: number) => out.skipped.set(file, (out.skipped.get(file) ?? 0) + n);

  // Header-like lines: a repeated header (dropped), a new field order (slow path) or junk words.
  const headers = await conn.runAndReadAll(
    `SELECT file, csv_line, list(line ORDER BY line) AS lines FROM (${base}) WHERE header_like GROUP BY ALL`,
    { re: HEADER_LIKE_RE },
  );
  for (const [file, text, lines] of headers.getRowsJS() as [string, string, bigint[]][]) {
    const tf = byFile.get(file);
    if (!tf) continue;
    const h = parseHeaderLine(text);
    if (h.kind === 'header' && sameFields(h.fields, tf.fields)) continue;
    if (h.kind !== 'data') {
      out.slow.add(file);
      continue;
    }
    add(file, lines.length);
    for (const l of lines.slice(0, maxIssues)) {
      out.issues.push({
        file,
        line: Number(l),
        message: `wrong number of fields or values: '${text.slice(0, 80)}'`,
      });
    }
  }

  // Every other rejected line is a malformed data line.
  const counts = await conn.runAndReadAll(
    `SELECT file, count(*) FROM (${base}) WHERE NOT header_like GROUP BY file`,
    { re: HEADER_LIKE_RE },
  );
  for (const [file, n] of counts.getRowsJS() as [string, bigint][]) {
    add(file, Number(n));
    if (byFile.get(file)?.gzip) out.suspect.add(file);
  }
  const details = await conn.runAndReadAll(
    `SELECT file, line, type, message, column_idx, csv_line FROM (${base}) WHERE NOT header_like
     ORDER BY file, line LIMIT ${Math.max(0, Math.floor(maxIssues))}`,
    { re: HEADER_LIKE_RE },
  );
  for (const [file, line, type, message, idx, csvLine] of details.getRowsJS() as [
    string,
    bigint,
    string,
    string,
    bigint,
    string,
  ][]) {
    const tf = byFile.get(file);
    if (!tf) continue;
    const r: Reject = { file, line: Number(line), type, message, columnIdx: Number(idx), csvLine };
    out.issues.push({ file, line: r.line, message: describe(r, tf.fields) });
  }
  out.issues.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  return out;
}

/** Errors that come from the SQL we wrote rather than from the data: never hide them. */
export function isBug(e: unknown): boolean {
  return /^(Binder|Parser|Catalog) Error/.test((e as Error).message ?? '');
}

async function attempt(
  conn: DuckDBConnection,
  table: string,
  files: readonly TextFile[],
  report: ReportBuilder,
): Promise<{ ok: true; rows: number; slow: TextFile[] } | { ok: false; error: Error }> {
  const first = files[0];
  await conn.run('BEGIN TRANSACTION');
  let rows: number;
  try {
    await conn.run(`DROP TABLE IF EXISTS ${REJECTS}`);
    await conn.run(`DROP TABLE IF EXISTS ${SCANS}`);
    const res = await conn.runAndReadAll(
      insertSql(table, first.fields, first.hasHeader, first.gzip),
      {
        files: listParam(files.map((f) => f.file)),
        acc: listParam(files.map((f) => f.part.accountId)),
        reg: listParam(files.map((f) => f.part.region)),
        dt: listParam(files.map((f) => f.part.dt)),
      },
      { files: LIST(VARCHAR), acc: LIST(VARCHAR), reg: LIST(VARCHAR), dt: LIST(VARCHAR) },
    );
    rows = Number(res.getRows()[0][0]);
  } catch (e) {
    await conn.run('ROLLBACK');
    if (isBug(e)) throw e;
    return { ok: false, error: e as Error };
  }
  const room = MAX_ISSUES - report.report.issues.length;
  let a: RejectAnalysis;
  try {
    a = await analyseRejects(conn, files, Math.max(room, 0));
    await conn.run(`DROP TABLE IF EXISTS ${REJECTS}`);
    await conn.run(`DROP TABLE IF EXISTS ${SCANS}`);
  } catch (e) {
    await conn.run('ROLLBACK');
    throw e;
  }
  if (a.slow.size > 0) {
    // Some file changes its field order mid-way: undo, load the others again without it.
    await conn.run('ROLLBACK');
    const rest = files.filter((f) => !a.slow.has(f.file));
    const slow = files.filter((f) => a.slow.has(f.file));
    if (rest.length === 0) return { ok: true, rows: 0, slow };
    const again = await attempt(conn, table, rest, report);
    if (!again.ok) return again;
    return { ok: true, rows: again.rows, slow: [...slow, ...again.slow] };
  }
  await conn.run('COMMIT');
  for (const [, n] of a.skipped) report.report.skippedLines += n;
  for (const i of a.issues) report.issue(i.file, i.line, i.message);
  // DuckDB reads a truncated gzip up to the cut without error. A partial last line (a reject)
  // or an implausible trailer makes a file suspect; only suspects are gunzipped again to check.
  for (const f of files) {
    if (f.gzip && !a.suspect.has(f.file) && !(await gzipTrailerPlausible(f.file))) a.suspect.add(f.file);
  }
  for (const file of a.suspect) {
    const check = await gzipIntact(file);
    if (!check.ok) {
      report.corrupt(
        file,
        `corrupt or truncated gzip (${check.message}); kept the lines that could be read (lines near the damage may be skipped)`,
      );
    }
  }
  return { ok: true, rows, slow: [] };
}

/**
 * Does the gzip end like a whole one? Its last 4 bytes hold the uncompressed size (mod 2^32);
 * text flow logs inflate ~3-30x, while the last bytes of a cut-off stream are arbitrary. A false
 * alarm only costs a verifying gunzip, so the accepted band is wide.
 */
async function gzipTrailerPlausible(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    if (size < 18) return false;
    const buf = Buffer.alloc(4);
    await fh.read(buf, 0, 4, size - 4);
    const ratio = buf.readUInt32LE(0) / size;
    return ratio >= 1.2 && ratio <= 300;
  } finally {
    await fh.close();
  }
}

/**
 * Load files sharing one field order, header presence and compression. A read that fails as a
 * whole (a corrupt gzip aborts DuckDB's scan) is retried file by file; a file that still fails
 * goes to the slow path, which keeps the lines before the damage.
 */
export async function loadTextGroup(
  conn: DuckDBConnection,
  table: string,
  files: readonly TextFile[],
  report: ReportBuilder,
): Promise<GroupResult> {
  const all = await attempt(conn, table, files, report);
  if (all.ok) {
    const slowSet = new Set(all.slow.map((f) => f.file));
    return { rows: all.rows, slow: all.slow, done: files.filter((f) => !slowSet.has(f.file)) };
  }
  const result: GroupResult = { rows: 0, slow: [], done: [] };
  for (const f of files) {
    const one = files.length === 1 ? all : await attempt(conn, table, [f], report);
    if (one.ok) {
      result.rows += one.rows;
      if (one.slow.length > 0) result.slow.push(...one.slow);
      else result.done.push(f);
    } else {
      result.slow.push(f);
    }
  }
  return result;
}

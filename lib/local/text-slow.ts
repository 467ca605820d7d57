import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { FLOW_LOG_FIELDS, type FlowLogField } from '../detection/fields';
import { dtFromStart, type PathPartitions } from './layout';
import type { ReportBuilder } from './report';
import { parseHeaderLine } from './sniff';

/**
 * The exact, slow path: Node streams the file (gunzipping it if needed), splits lines and
 * appends typed rows through a DuckDB Appender. Used only for files DuckDB's reader cannot
 * take whole: a corrupt or truncated gzip (the lines before the damage are kept) and a header
 * mid-file that changes the field order.
 */

const INT32_MIN = -2147483648n;
const INT32_MAX = 2147483647n;
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;
const INTEGER_RE = /^[+-]?\d+$/;

const COLUMN_INDEX = new Map(FLOW_LOG_FIELDS.map((f, i) => [f.column, i]));
const IDX = (column: string): number => COLUMN_INDEX.get(column) as number;
const N_FIELDS = FLOW_LOG_FIELDS.length;

type Cell = string | number | bigint | null;

export interface SlowFileResult {
  rows: number;
  /** Lines read before the end or the damage (the file counts as read when > 0 or intact). */
  lines: number;
  corrupt: boolean;
}

/** Parse one value per its catalogue type; a string message when it is not valid. */
function parseValue(f: FlowLogField, token: string): Cell | { error: string } {
  if (token === '-') return null;
  if (f.type === 'string') return token;
  if (!INTEGER_RE.test(token)) return { error: `invalid value '${token}' for numeric field ${f.name}` };
  const v = BigInt(token);
  if (f.type === 'int') {
    if (v < INT32_MIN || v > INT32_MAX)
      return { error: `value '${token}' out of range for field ${f.name} (32-bit integer)` };
    return Number(v);
  }
  if (v < INT64_MIN || v > INT64_MAX)
    return { error: `value '${token}' out of range for field ${f.name} (64-bit integer)` };
  return v;
}

export async function loadTextFileSlow(
  conn: DuckDBConnection,
  table: string,
  file: string,
  gzip: boolean,
  initialFields: readonly FlowLogField[],
  part: PathPartitions,
  report: ReportBuilder,
): Promise<SlowFileResult> {
  const appender = await conn.createAppender(table);
  const accIdx = IDX('account_id');
  const regIdx = IDX('region');
  const startIdx = IDX('start');
  let fields = initialFields;
  // After a header with unknown fields the lines cannot be mapped: skip until the next good header.
  let lost = false;
  let lineNo = 0;
  let rows = 0;
  const row: Cell[] = new Array(N_FIELDS).fill(null);

  const append = (cells: Cell[]): void => {
    for (let i = 0; i < N_FIELDS; i++) {
      const f = FLOW_LOG_FIELDS[i];
      const v = cells[i];
      if (v === null) appender.appendNull();
      else if (f.type === 'string') appender.appendVarchar(v as string);
      else if (f.type === 'int') appender.appendInteger(v as number);
      else appender.appendBigInt(v as bigint);
    }
    const acc = part.accountId ?? (cells[accIdx] as string | null);
    const reg = part.region ?? (cells[regIdx] as string | null);
    const dt = part.dt ?? dtFromStart(cells[startIdx] as bigint | null);
    for (const v of [acc, reg, dt]) {
      if (v === null) appender.appendNull();
      else appender.appendVarchar(v);
    }
    appender.endRow();
    rows++;
  };

  const handleLine = (rawLine: string): void => {
    lineNo++;
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.length === 0) return;
    const h = parseHeaderLine(line);
    if (h.kind === 'header') {
      // An identical repeat (concatenated files) is dropped silently; a new order applies from here.
      fields = h.fields;
      lost = false;
      return;
    }
    if (h.kind === 'bad-header') {
      lost = true;
      const what = [
        ...h.unknown.map((u) => `unknown flow log field '${u}'`),
        ...h.duplicate.map((d) => `field '${d}' appears twice`),
      ].join(', ');
      report.issue(file, lineNo, `header line has ${what}; lines up to the next valid header are skipped`);
      return;
    }
    if (lost) {
      report.report.skippedLines++;
      return;
    }
    const tokens = line.split(' ');
    if (tokens.length !== fields.length) {
      report.skipLine(
        file,
        lineNo,
        `wrong number of fields: expected ${fields.length}, found ${tokens.length}`,
      );
      return;
    }
    row.fill(null);
    for (let i = 0; i < tokens.length; i++) {
      const f = fields[i];
      const v = parseValue(f, tokens[i]);
      if (v !== null && typeof v === 'object') {
        report.skipLine(file, lineNo, v.error);
        return;
      }
      row[IDX(f.column)] = v;
    }
    append(row);
  };

  const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
  const stream = gzip ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (e) => stream.destroy(e));
  let rest = '';
  let corrupt = false;
  // A decoder keeps a multi-byte character split across chunks whole.
  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of stream) {
      const text = rest + decoder.write(chunk as Buffer);
      const lines = text.split('\n');
      rest = lines.pop() as string;
      for (const l of lines) handleLine(l);
    }
    rest += decoder.end();
    if (rest.length > 0) handleLine(rest);
  } catch (e) {
    // The bytes after the damage are lost; a partial last line is dropped rather than guessed at.
    corrupt = true;
    const partial = rest.length > 0 ? ' (the partial line at the break was dropped)' : '';
    report.corrupt(
      file,
      `${gzip ? 'corrupt or truncated gzip' : 'read error'} after line ${lineNo}: ${(e as Error).message}; kept the ${rows} rows before it${partial}`,
    );
  } finally {
    raw.destroy();
    appender.flushSync();
    appender.closeSync();
  }
  return { rows, lines: lineNo, corrupt };
}

/** Gunzip a file only to see whether the stream is whole (DuckDB treats a truncated gzip as EOF). */
export async function gzipIntact(file: string): Promise<{ ok: true } | { ok: false; message: string }> {
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
  const stream = raw.pipe(createGunzip());
  raw.on('error', (e) => stream.destroy(e));
  try {
    for await (const _ of stream) {
      // only decoding
    }
    return { ok: true };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  } finally {
    raw.destroy();
    stream.destroy();
  }
}

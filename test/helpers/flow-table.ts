import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { FLOW_LOG_FIELDS, PARTITION_COLUMNS } from '../../lib/detection/fields';
import { formatDt } from '../../lib/detection/window';
import { createFlowLogsTableSql, FLOW_LOGS_TABLE } from '../../lib/local/schema';

/**
 * A flow log record for tests: column name (underscored, e.g. `log_status`) -> value; `-` or null is NULL.
 * `start`/`end` take Unix seconds or an ISO time. Missing fields are NULL, like a `-` in a
 * log file, except for the defaults in FLOW_ROW_DEFAULTS. The partition columns are derived:
 * `dt` is the hour of `start`, `aws_account_id` the account, `aws_region` the region (or us-east-1).
 */
export type FlowRow = Readonly<Record<string, string | number | bigint | null | undefined>>;

/**
 * Defaults for an ordinary accepted v2 TCP record. Everything else (v3+ fields such as
 * instance_id or flow_direction) is NULL unless a row sets it, so rows are v2-style by default.
 * `end` defaults to start + 59 (a one-minute aggregation interval).
 */
export const FLOW_ROW_DEFAULTS: FlowRow = {
  version: 2,
  account_id: '123456789012',
  interface_id: 'eni-0aaaaaaaaaaaaaaa1',
  srcport: 49152,
  protocol: 6,
  packets: 10,
  bytes: 1000,
  action: 'ACCEPT',
  log_status: 'OK',
};

const COLUMNS = [
  ...FLOW_LOG_FIELDS.map((f) => ({ name: f.column, type: f.type })),
  ...PARTITION_COLUMNS.map((c) => ({ name: c, type: 'string' as const })),
];
const KNOWN = new Set(COLUMNS.map((c) => c.name));

/** Unix seconds from a number, a bigint or an ISO-8601 time (which must name its zone). */
export function toEpochSeconds(v: string | number | bigint, what: string): number {
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  if (/^\d+$/.test(v)) return Number(v);
  if (!/(Z|[+-]\d\d:?\d\d)$/.test(v))
    throw new Error(`${what}: '${v}' must be Unix seconds or an ISO time with a zone (Z)`);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new Error(`${what}: '${v}' is not a valid time`);
  return Math.floor(ms / 1000);
}

/** Fill defaults and derived columns; throws naming the row on unknown columns or bad values. */
export function completeRow(row: FlowRow, where: string): Record<string, string | number | bigint | null> {
  for (const k of Object.keys(row))
    if (!KNOWN.has(k)) throw new Error(`${where}: unknown flow_logs column '${k}'`);
  const merged: Record<string, string | number | bigint | null | undefined> = {
    ...FLOW_ROW_DEFAULTS,
    ...row,
  };
  if (merged.start === undefined || merged.start === null) throw new Error(`${where}: 'start' is required`);
  const start = toEpochSeconds(merged.start, `${where}: start`);
  merged.start = start;
  merged.end =
    merged.end === undefined
      ? start + 59
      : merged.end === null || merged.end === '-'
        ? null
        : toEpochSeconds(merged.end, `${where}: end`);
  merged.dt ??= formatDt(start, 'hour');
  merged.aws_account_id ??= merged.account_id ?? null;
  merged.aws_region ??= merged.region ?? 'us-east-1';
  const out: Record<string, string | number | bigint | null> = {};
  for (const c of COLUMNS) {
    const v = merged[c.name];
    // '-' is how flow logs write a missing value; the local reader turns it into NULL too.
    if (v === undefined || v === null || v === '-') out[c.name] = null;
    else if (c.type === 'string') out[c.name] = String(v);
    else {
      const n = typeof v === 'string' && /^-?\d+$/.test(v) ? BigInt(v) : v;
      if (typeof n === 'string' || (typeof n === 'number' && !Number.isInteger(n)))
        throw new Error(`${where}: column '${c.name}' must be an integer, got '${String(v)}'`);
      out[c.name] = n;
    }
  }
  return out;
}

/** Rows per INSERT statement: enough to keep fixtures fast, few enough for small statements. */
const BATCH = 100;

/** Insert rows into flow_logs with prepared statements; every value is bound, none spliced. */
export async function insertFlowRows(
  conn: DuckDBConnection,
  rows: readonly FlowRow[],
  where = 'row',
): Promise<void> {
  const complete = rows.map((r, i) => completeRow(r, `${where} ${i + 1}`));
  const names = COLUMNS.map((c) => `"${c.name}"`).join(', ');
  const tuple = `(${COLUMNS.map(() => '?').join(', ')})`;
  for (let offset = 0; offset < complete.length; offset += BATCH) {
    const batch = complete.slice(offset, offset + BATCH);
    const stmt = await conn.prepare(
      `INSERT INTO ${FLOW_LOGS_TABLE} (${names}) VALUES ${batch.map(() => tuple).join(', ')}`,
    );
    try {
      batch.forEach((row, r) => {
        COLUMNS.forEach((c, j) => {
          const index = r * COLUMNS.length + j + 1;
          const v = row[c.name];
          if (v === null || v === undefined) stmt.bindNull(index);
          else if (c.type === 'string') stmt.bindVarchar(index, String(v));
          else if (c.type === 'int') stmt.bindInteger(index, Number(v));
          else stmt.bindBigInt(index, BigInt(v));
        });
      });
      await stmt.run();
    } finally {
      stmt.destroySync();
    }
  }
}

/** A fresh in-memory DuckDB with an empty flow_logs table (the local schema) and the given rows. */
export async function createFlowTable(rows: readonly FlowRow[] = []): Promise<{
  instance: DuckDBInstance;
  conn: DuckDBConnection;
}> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(createFlowLogsTableSql());
  await insertFlowRows(conn, rows);
  return { instance, conn };
}

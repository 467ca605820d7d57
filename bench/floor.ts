import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type DuckDBConnection, DuckDBListValue, LIST, VARCHAR } from '@duckdb/node-api';
import { runChecked } from './proc';

/** Split a file list into command lines well below ARG_MAX. */
export function argBatches(files: readonly string[], maxChars = 100_000): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let len = 0;
  for (const f of files) {
    if (cur.length > 0 && len + f.length + 1 > maxChars) {
      out.push(cur);
      cur = [];
      len = 0;
    }
    cur.push(f);
    len += f.length + 1;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Wall and CPU milliseconds of one measured step (CPU undefined when it could not be read). */
export interface Timing {
  readonly wallMs: number;
  readonly cpuMs?: number;
}

/** Text floor: `zcat f1 f2 ... > /dev/null`, one process per batch; summed wall and CPU time. */
export async function zcatFloor(files: readonly string[]): Promise<Timing> {
  let wallMs = 0;
  let cpuMs: number | undefined = 0;
  for (const batch of argBatches(files)) {
    const r = await runChecked('zcat', batch, { discardStdout: true });
    wallMs += r.wallMs;
    cpuMs = cpuMs === undefined || r.cpuMs === undefined ? undefined : cpuMs + r.cpuMs;
  }
  return { wallMs, cpuMs };
}

/** Read every file once so no timed step pays for the first disk read. */
export async function warmPageCache(files: readonly string[]): Promise<void> {
  for (const batch of argBatches(files)) await runChecked('cat', batch, { discardStdout: true });
}

async function timedQuery(
  conn: DuckDBConnection,
  sql: string,
  files: readonly string[],
): Promise<{ timing: Timing; rows: Record<string, unknown>[] }> {
  const stmt = await conn.prepare(sql);
  // The list type is given explicitly: DuckDB cannot infer it for a table function argument.
  stmt.bind([new DuckDBListValue([...files])], { 1: LIST(VARCHAR) } as never);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const reader = await stmt.runAndReadAll();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { timing: { wallMs, cpuMs: (c.user + c.system) / 1000 }, rows: reader.getRowObjects() };
}

export interface ParquetFloor {
  /** `SELECT count(*)`: DuckDB answers it from row-group metadata, so it reads almost nothing. */
  readonly bareCount: Timing;
  readonly rows: number;
  /** `count(col)` over every column the detections read: decodes those column chunks. */
  readonly columnsCount: Timing;
}

/** Parquet floor: a bare count and a count that has to read the detections' columns. */
export async function parquetFloor(
  conn: DuckDBConnection,
  files: readonly string[],
  columns: readonly string[],
): Promise<ParquetFloor> {
  // Column names come from the field catalogue (validated identifiers), never from user input.
  for (const c of columns) if (!/^[a-z_][a-z0-9_]*$/.test(c)) throw new Error(`bad column name '${c}'`);
  const bare = await timedQuery(conn, 'SELECT count(*) AS n FROM read_parquet($1)', files);
  const counts = columns.map((c) => `count("${c}")`).join(' + ');
  const cols = await timedQuery(conn, `SELECT ${counts || '0'} AS n FROM read_parquet($1)`, files);
  return { bareCount: bare.timing, rows: Number(bare.rows[0]!.n), columnsCount: cols.timing };
}

/** Compressed bytes per column over the files, from the Parquet footers. */
export async function parquetColumnBytes(
  conn: DuckDBConnection,
  files: readonly string[],
): Promise<Map<string, number>> {
  const { rows } = await timedQuery(
    conn,
    'SELECT path_in_schema AS col, sum(total_compressed_size) AS bytes FROM parquet_metadata($1) GROUP BY ALL',
    files,
  );
  return new Map(rows.map((r) => [String(r.col), Number(r.bytes)]));
}

/** Rows per Parquet file (from footers), to weigh partitions when files do not follow them. */
export async function parquetFileBytes(
  conn: DuckDBConnection,
  files: readonly string[],
): Promise<Map<string, Map<string, number>>> {
  const { rows } = await timedQuery(
    conn,
    'SELECT file_name AS f, path_in_schema AS col, sum(total_compressed_size) AS bytes FROM parquet_metadata($1) GROUP BY ALL',
    files,
  );
  const out = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const f = String(r.f);
    if (!out.has(f)) out.set(f, new Map());
    out.get(f)!.set(String(r.col), Number(r.bytes));
  }
  return out;
}

/**
 * Re-encode Parquet files with another codec, keeping the layout under `dstRoot`. AWS delivers
 * Parquet flow logs Gzip-compressed, so the cost model measures a Gzip copy; DuckDB's default
 * (what the generator writes) is Snappy.
 */
export async function reencodeParquet(
  conns: DuckDBConnection | readonly DuckDBConnection[],
  files: readonly string[],
  srcRoot: string,
  dstRoot: string,
): Promise<string[]> {
  const pool = Array.isArray(conns) ? (conns as readonly DuckDBConnection[]) : [conns as DuckDBConnection];
  const out = files.map((f) => {
    if (!f.startsWith(srcRoot)) throw new Error(`${f} is not under ${srcRoot}`);
    return join(dstRoot, f.slice(srcRoot.length));
  });
  // Each file is one small COPY that runs on about one core: keep one in flight per connection.
  let next = 0;
  await Promise.all(
    pool.map(async (conn) => {
      for (let i = next++; i < files.length; i = next++) {
        mkdirSync(dirname(out[i]!), { recursive: true });
        await conn.run('COPY (SELECT * FROM read_parquet($1)) TO $2 (FORMAT parquet, COMPRESSION gzip)', [
          files[i]!,
          out[i]!,
        ]);
      }
    }),
  );
  return out;
}

import { type DuckDBConnection, LIST, listValue, VARCHAR } from '@duckdb/node-api';
import { FLOW_LOG_FIELDS } from '../detection/fields';
import { DT_FROM_START_SQL, type PathPartitions } from './layout';
import type { ReportBuilder } from './report';
import { DUCKDB_TYPES } from './schema';
import { isBug } from './text-fast';

/**
 * Parquet files (AWS writes underscore column names: account_id, srcport int32, bytes int64,
 * ...). One read_parquet(union_by_name) over all readable files; each catalogue column is
 * taken when some file has it (NULL otherwise) and cast to the table's type.
 */

export interface ParquetFile {
  readonly file: string;
  readonly part: PathPartitions;
}

/** Column names of a parquet file, or an error message when its footer cannot be read. */
async function parquetColumns(conn: DuckDBConnection, file: string): Promise<Set<string> | string> {
  try {
    const r = await conn.runAndReadAll('SELECT name FROM parquet_schema($f)', { f: file });
    return new Set((r.getRowsJS() as [string][]).map(([n]) => n.toLowerCase()));
  } catch (e) {
    return (e as Error).message;
  }
}

function insertSql(table: string, present: Set<string>): string {
  // Only catalogue names reach the SQL; a file column is used only when it equals one of them.
  const exprs = FLOW_LOG_FIELDS.map((f) => {
    const sources = [...new Set([f.column, f.name])].filter((n) => present.has(n));
    if (sources.length === 0) return `NULL::${DUCKDB_TYPES[f.type]}`;
    const casts = sources.map((n) => `TRY_CAST("${n}" AS ${DUCKDB_TYPES[f.type]})`);
    return casts.length === 1 ? casts[0] : `coalesce(${casts.join(', ')})`;
  });
  const cols = FLOW_LOG_FIELDS.map((f) => `"${f.column}"`).join(', ');
  // The outer select reads the inner (already cast) columns by their catalogue names.
  return `INSERT INTO "${table}" (${cols}, "aws_account_id", "aws_region", "dt")
SELECT ${cols}, coalesce($acc[file_index::BIGINT + 1], "account_id"), coalesce($reg[file_index::BIGINT + 1], "region"),
  coalesce($dt[file_index::BIGINT + 1], ${DT_FROM_START_SQL})
FROM (SELECT ${exprs.map((e, i) => `${e} AS "${FLOW_LOG_FIELDS[i].column}"`).join(', ')}, file_index
      FROM read_parquet($files, union_by_name = true, hive_partitioning = false))`;
}

async function insert(
  conn: DuckDBConnection,
  table: string,
  files: readonly ParquetFile[],
  present: Set<string>,
): Promise<number> {
  const r = await conn.runAndReadAll(
    insertSql(table, present),
    {
      files: listValue(files.map((f) => f.file)),
      acc: listValue(files.map((f) => f.part.accountId)),
      reg: listValue(files.map((f) => f.part.region)),
      dt: listValue(files.map((f) => f.part.dt)),
    },
    { files: LIST(VARCHAR), acc: LIST(VARCHAR), reg: LIST(VARCHAR), dt: LIST(VARCHAR) },
  );
  return Number(r.getRows()[0][0]);
}

/** Returns the rows loaded and the files read; unreadable files are reported and skipped. */
export async function loadParquetFiles(
  conn: DuckDBConnection,
  table: string,
  files: readonly ParquetFile[],
  report: ReportBuilder,
): Promise<{ rows: number; read: ParquetFile[] }> {
  const good: { f: ParquetFile; cols: Set<string> }[] = [];
  for (const f of files) {
    const cols = await parquetColumns(conn, f.file);
    if (typeof cols === 'string') report.corrupt(f.file, `unreadable parquet file, skipped: ${cols}`);
    else good.push({ f, cols });
  }
  if (good.length === 0) return { rows: 0, read: [] };
  const union = (list: typeof good) => new Set(list.flatMap((g) => [...g.cols]));
  try {
    return {
      rows: await insert(
        conn,
        table,
        good.map((g) => g.f),
        union(good),
      ),
      read: good.map((g) => g.f),
    };
  } catch (e) {
    if (isBug(e)) throw e;
    // A damaged page fails the whole statement (rolled back): find the bad file(s) one by one.
  }
  let rows = 0;
  const read: ParquetFile[] = [];
  for (const g of good) {
    try {
      rows += await insert(conn, table, [g.f], g.cols);
      read.push(g.f);
    } catch (e) {
      if (isBug(e)) throw e;
      report.corrupt(g.f.file, `unreadable parquet file, skipped: ${(e as Error).message}`);
    }
  }
  return { rows, read };
}

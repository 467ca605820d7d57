import { type DuckDBConnection, DuckDBListValue, LIST, VARCHAR } from '@duckdb/node-api';
import { DuckDbEngine } from '../lib/detection/duckdb-engine';
import { FLOW_LOG_FIELDS, PARTITION_COLUMNS } from '../lib/detection/fields';
import { type Detection, renderDetection } from '../lib/detection/registry';
import { DUCKDB_TYPES } from '../lib/local/schema';
import { referencedColumns } from './cost';

interface PlanNode {
  readonly name?: string;
  readonly extra_info?: { Projections?: string[] | string; Filters?: string[] | string };
  readonly children?: readonly PlanNode[];
}

/**
 * Flow log columns that the Parquet scans of a DuckDB JSON plan read: the scan's projections plus
 * the columns of filters pushed into it (those are read to filter, then dropped).
 */
export function columnsReadByPlan(plan: readonly PlanNode[], columns: readonly string[]): string[] {
  const text: string[] = [];
  const walk = (n: PlanNode) => {
    if (n.name && /PARQUET|TABLE_SCAN|SEQ_SCAN/i.test(n.name)) {
      for (const v of [n.extra_info?.Projections, n.extra_info?.Filters]) {
        if (Array.isArray(v)) text.push(...v);
        else if (typeof v === 'string') text.push(v);
      }
    }
    for (const c of n.children ?? []) walk(c);
  };
  for (const n of plan) walk(n);
  // Quote the names so referencedColumns sees identifiers, not string literals like 'ACCEPT'.
  return referencedColumns(text.join('\n'), columns);
}

/**
 * For each detection, the columns DuckDB's optimiser reads from the Parquet copy (EXPLAIN, JSON
 * format): a `flow_logs` view over the files, with fields the files lack as typed NULLs and the
 * partition columns as constants (on Athena they come from the S3 key and cost no bytes).
 */
export async function explainParquetColumns(
  conn: DuckDBConnection,
  files: readonly string[],
  detections: readonly Detection[],
  window: { readonly start: number; readonly end: number },
): Promise<Map<string, string[]>> {
  // The file list travels as a bound variable, never spliced into the SQL text.
  const set = await conn.prepare('SET VARIABLE flowwatch_bench_files = $1');
  set.bind([new DuckDBListValue([...files])], { 1: LIST(VARCHAR) } as never);
  await set.run();
  const described = await conn.runAndReadAll(
    "DESCRIBE SELECT * FROM read_parquet(getvariable('flowwatch_bench_files'))",
  );
  const present = new Set(described.getRowObjects().map((r) => String(r.column_name)));
  // Names and types below come from the field catalogue (validated identifiers), not from input.
  const missing = FLOW_LOG_FIELDS.filter((f) => !present.has(f.column)).map(
    (f) => `NULL::${DUCKDB_TYPES[f.type]} AS "${f.column}"`,
  );
  const partitions = PARTITION_COLUMNS.map((c) => `'0000/00/00/00'::VARCHAR AS "${c}"`);
  await conn.run(
    `CREATE OR REPLACE TEMP VIEW flow_logs AS SELECT *, ${[...missing, ...partitions].join(', ')} FROM read_parquet(getvariable('flowwatch_bench_files'))`,
  );
  const engine = await DuckDbEngine.create(conn);
  const all = FLOW_LOG_FIELDS.map((f) => f.column);
  const out = new Map<string, string[]>();
  for (const d of detections) {
    // A window inside the data: DuckDB drops a filter its Parquet statistics prove always true,
    // which would hide a column Athena still reads.
    const r = renderDetection(d, {
      windowStart: window.start,
      windowEnd: window.end,
      dtStart: '0000/00/00/00',
      dtEnd: '9999/99/99/99',
    });
    const res = await engine.query(`EXPLAIN (FORMAT json) ${r.sql}`, r.params, {
      label: `explain ${d.meta.id}`,
    });
    const planText = res.rows.map((row) => row.explain_value).find((v) => typeof v === 'string');
    if (!planText) throw new Error(`EXPLAIN of ${d.meta.id} returned no JSON plan`);
    out.set(d.meta.id, columnsReadByPlan(JSON.parse(planText) as PlanNode[], all));
  }
  return out;
}

import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_INTERNAL_CIDRS, parseCidr } from '../../lib/detection/cidr';
import type { Row, SqlParam } from '../../lib/detection/engine';
import { toJson } from '../../lib/detection/finding';
import { QUERIES_DIR, splitHeader } from '../../lib/detection/registry';
import { parseSqlTemplate, type RenderedSql, renderSqlTemplate } from '../../lib/detection/sql-template';
import { TrinoEngine } from '../../lib/detection/trino-engine';
import { savedQueryWindowValues } from '../../lib/infra/saved-queries';
import { type GlueTableInput, registerGlueTable, tableDir } from './glue-table';
import { synthesizedTables } from './synth-tables';
import { trinoFromEnv, trinoVersion } from './trino-server';

export const HOUR = 3600;

/**
 * The hour data sets start at: whole hours before now. Partition projection's range ends at
 * NOW, so data must lie in the past; saved queries bound `dt` from below only, so it must not
 * lie far in the past either (Trino would enumerate every hour up to now). Results do not
 * depend on the wall clock: every window is derived from this start.
 */
export function dataStart(hoursBeforeNow: number): Date {
  const nowHour = Math.floor(Date.now() / 1000 / HOUR) * HOUR;
  return new Date((nowHour - hoursBeforeNow * HOUR) * 1000);
}

/** The flow_logs Glue table of each format, from the synthesized CloudFormation template. */
export function flowLogsGlueTable(format: 'parquet' | 'text'): GlueTableInput {
  return synthesizedTables()[format];
}

/** The context tables as synthesized: `eni_inventory` (JSON lines, projected) and `threat_intel`. */
export function contextGlueTables(): GlueTableInput[] {
  const t = synthesizedTables();
  return [t.eniInventory, t.threatIntel];
}

/**
 * Register the context tables under `schema`, reading from `bucket` (empty folders are created,
 * so an unpartitioned table without files reads as empty). `eniInventory` replaces the
 * synthesized inventory table (e.g. its Parquet variant).
 */
export async function registerContextTables(
  schema: string,
  bucket: string,
  o: { eniInventory?: GlueTableInput } = {},
): Promise<void> {
  const { url, fsRoot } = trinoFromEnv();
  const version = await trinoVersion(url);
  const [inventory, threatIntel] = contextGlueTables();
  for (const t of [o.eniInventory ?? inventory!, threatIntel!]) {
    mkdirSync(tableDir(fsRoot, t, bucket), { recursive: true });
    registerGlueTable(fsRoot, schema, t, { trinoVersion: version, bucket });
  }
}

/**
 * Register `table` under `schema`, reading from `bucket`, with the context tables beside it
 * (detections and saved queries join them, as on Athena where they always exist), and return
 * an engine whose default schema it is.
 */
export async function trinoTable(
  schema: string,
  table: GlueTableInput,
  bucket: string,
  context: { eniInventory?: GlueTableInput } = {},
): Promise<TrinoEngine> {
  const { url, fsRoot } = trinoFromEnv();
  registerGlueTable(fsRoot, schema, table, { trinoVersion: await trinoVersion(url), bucket });
  await registerContextTables(schema, bucket, context);
  return new TrinoEngine({ url, catalog: 'hive', schema, partitionGranularity: 'hour' });
}

export const INTERNAL_CIDRS = DEFAULT_INTERNAL_CIDRS.map(parseCidr);

/** Rows in a canonical, order-free form: JSON of each row (bigint kept exact), sorted. */
export function canonicalRows(rows: readonly Row[]): string[] {
  return rows
    .map((r) => toJson(Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)))))
    .sort();
}

export interface SavedQueryFile {
  readonly id: string;
  readonly path: string;
  readonly sql: string;
  /** Responder inputs declared in the header, in declaration order. */
  readonly inputs: readonly string[];
}

/** sql/queries/*.sql, read with the same header and template rules as detections. */
export function savedQueryFiles(dir: string = QUERIES_DIR): SavedQueryFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => {
      const path = join(dir, f);
      const { header, body } = splitHeader(readFileSync(path, 'utf8'), path);
      const meta = (parseYaml(header) ?? {}) as { parameters?: Record<string, string> };
      return { id: f.replace(/\.sql$/, ''), path, sql: body, inputs: Object.keys(meta.parameters ?? {}) };
    });
}

export function renderSavedQuery(q: SavedQueryFile, values: Readonly<Record<string, SqlParam>>): RenderedSql {
  return renderSqlTemplate(parseSqlTemplate(q.sql, q.path), values, INTERNAL_CIDRS, q.path);
}

/** Bounds the Lambda would send for a window [start, end): window in seconds, dt hour partitions. */
export function builtinValues(start: number, end: number): Record<string, SqlParam> {
  // The same binding `flowwatch query --saved` uses (one implementation, in lib/).
  return savedQueryWindowValues({ start, end }, 'hour');
}

/** Files (and their sizes) below `dir`, recursively. */
export function listFiles(dir: string): { path: string; size: number }[] {
  const out: { path: string; size: number }[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else out.push({ path: p, size: statSync(p).size });
  }
  return out;
}

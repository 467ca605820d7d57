import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type Cidr, DEFAULT_INTERNAL_CIDRS, parseCidr } from './cidr';
import { parseDuration } from './duration';
import type { SqlParam } from './engine';
import { type DetectionMetadata, DetectionMetadataSchema } from './metadata';
import {
  type ParamValue,
  parseSqlTemplate,
  type RenderedSql,
  renderSqlTemplate,
  type TemplatePart,
  templateParamNames,
} from './sql-template';
import { formatDt } from './window';

/** The folder holding FlowWatch's package.json, found from this file (works from lib/ and dist/lib/). */
function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'sql'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

export const PACKAGE_ROOT = findPackageRoot(__dirname);
export const DETECTIONS_DIR = join(PACKAGE_ROOT, 'sql', 'detections');
export const QUERIES_DIR = join(PACKAGE_ROOT, 'sql', 'queries');

/** Parameters every detection receives from the runner and must use (window and partition bounds). */
export const BUILTIN_PARAMS = ['window_start', 'window_end', 'dt_start', 'dt_end'] as const;

/**
 * Parameters a detection may use: `inventory_dt_start`, the oldest `eni_inventory` partition
 * (hourly `yyyy/MM/dd/HH`) a detection joining the inventory reads. Interfaces are looked up in
 * the latest snapshot that holds them within this lookback, so an interface deleted during the
 * window (a terminated instance) still resolves, while Athena prunes older snapshots.
 */
export const OPTIONAL_BUILTIN_PARAMS = ['inventory_dt_start'] as const;
export const INVENTORY_LOOKBACK_SECONDS = 7 * 24 * 3600;

/**
 * `:inventory_dt_start` for a window: the hour INVENTORY_LOOKBACK_SECONDS before its start, in
 * eni_inventory's hourly `dt` format whatever the flow_logs partitions are.
 */
export function inventoryDtStart(windowStart: number): string {
  return formatDt(windowStart - INVENTORY_LOOKBACK_SECONDS, 'hour');
}

export interface Detection {
  readonly meta: DetectionMetadata;
  readonly path: string;
  /** The SQL body after the metadata header, as written (Athena dialect with :params). */
  readonly body: string;
  readonly template: readonly TemplatePart[];
  readonly lookbackSeconds: number;
  readonly suppressionSeconds: number;
}

/** Context tables (docs/CONTEXT.md) a detection may join, beside flow_logs. */
export const CONTEXT_TABLES = ['eni_inventory', 'threat_intel'] as const;
export type ContextTable = (typeof CONTEXT_TABLES)[number];

/** SQL with comments removed and string literals blanked, so checks see only code. */
export function sqlCodeOnly(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/'(?:[^']|'')*'/g, "''");
}

/**
 * The context tables a detection's SQL reads (comments and string literals ignored), so its
 * Lambda is granted exactly those tables and no others.
 */
export function referencedContextTables(d: Pick<Detection, 'body'>): ContextTable[] {
  const code = sqlCodeOnly(d.body)
    // The table macro reads eni_inventory (lib/detection/sql-template.ts).
    .replace(/\{\{\s*latest_eni_inventory\s*\}\}/g, ' eni_inventory ');
  return CONTEXT_TABLES.filter((t) => new RegExp(`\\b${t}\\b`).test(code));
}

export class DetectionFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'DetectionFileError';
  }
}

/** Split `/* yaml *\/ sql` into its header and body. */
export function splitHeader(text: string, path: string): { header: string; body: string } {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (!trimmed.startsWith('/*'))
    throw new DetectionFileError(path, 'must start with a /* ... */ metadata header in YAML');
  const end = trimmed.indexOf('*/');
  if (end === -1) throw new DetectionFileError(path, 'metadata header is not closed with */');
  return { header: trimmed.slice(2, end), body: trimmed.slice(end + 2).trim() };
}

/** Parse and validate one detection file; every problem is reported with the file's path. */
export function parseDetection(text: string, path: string): Detection {
  const { header, body } = splitHeader(text, path);
  let raw: unknown;
  try {
    raw = parseYaml(header);
  } catch (e) {
    throw new DetectionFileError(path, `metadata header is not valid YAML: ${(e as Error).message}`);
  }
  const parsed = DetectionMetadataSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(header)'}: ${i.message}`);
    throw new DetectionFileError(path, `invalid metadata: ${issues.join('; ')}`);
  }
  const meta = parsed.data;
  const expectedName = `${meta.id}.sql`;
  if (basename(path) !== expectedName && !path.startsWith('<'))
    throw new DetectionFileError(path, `file name must match its id ('${expectedName}')`);
  if (!body) throw new DetectionFileError(path, 'no SQL after the metadata header');
  let template: TemplatePart[];
  try {
    template = parseSqlTemplate(body, path);
  } catch (e) {
    throw new DetectionFileError(path, (e as Error).message.replace(`${path}: `, ''));
  }
  const used = templateParamNames(template);
  const declared = new Set<string>([
    ...BUILTIN_PARAMS,
    ...Object.keys(meta.thresholds),
    ...Object.keys(meta.lists),
  ]);
  const optional = new Set<string>(OPTIONAL_BUILTIN_PARAMS);
  for (const u of used)
    if (!declared.has(u) && !optional.has(u))
      throw new DetectionFileError(
        path,
        `parameter :${u} is used but not declared under thresholds or lists`,
      );
  for (const d of declared)
    if (!used.has(d))
      throw new DetectionFileError(path, `parameter :${d} is declared but the SQL never uses it`);
  for (const name of Object.keys(meta.thresholds))
    if (Object.hasOwn(meta.lists, name))
      throw new DetectionFileError(path, `'${name}' is both a threshold and a list`);
  return {
    meta,
    path,
    body,
    template,
    lookbackSeconds: parseDuration(meta.lookback),
    suppressionSeconds: parseDuration(meta.suppression),
  };
}

export function loadDetectionFile(path: string): Detection {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DetectionFileError(path, `cannot read: ${(e as Error).message}`);
  }
  return parseDetection(text, path);
}

/** Load every `*.sql` in a folder (default: the shipped detections), sorted by id. */
export function loadDetections(dir: string = DETECTIONS_DIR): Detection[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const out = files.map((f) => loadDetectionFile(join(dir, f)));
  const ids = new Set<string>();
  for (const d of out) {
    if (ids.has(d.meta.id)) throw new DetectionFileError(d.path, `duplicate detection id '${d.meta.id}'`);
    ids.add(d.meta.id);
  }
  return out;
}

/** Per-deployment or per-run overrides of a detection's defaults (already validated by the caller). */
export interface DetectionSettings {
  readonly thresholds?: Readonly<Record<string, number>>;
  readonly lists?: Readonly<Record<string, readonly (string | number)[]>>;
}

export interface RunBounds {
  /** Window start and end, Unix seconds, [start, end). */
  readonly windowStart: number;
  readonly windowEnd: number;
  /** Partition bounds for `dt`, formatted like the table's partitions. */
  readonly dtStart: string;
  readonly dtEnd: string;
}

/** Sentinels for an empty list: a value no port or address equals, of the list's type. */
function emptyListSentinel(items: 'port' | 'ip' | 'string' | 'integer'): SqlParam {
  return items === 'port' || items === 'integer' ? -1 : '<none>';
}

/** Settings merged over defaults, with unknown names rejected (a typo must not silently do nothing). */
export function resolveDetectionValues(
  d: Detection,
  settings: DetectionSettings = {},
): Record<string, number | (string | number)[]> {
  const values: Record<string, number | (string | number)[]> = {};
  for (const [name, t] of Object.entries(d.meta.thresholds)) values[name] = t.default;
  for (const [name, l] of Object.entries(d.meta.lists)) values[name] = [...l.default];
  for (const [name, v] of Object.entries(settings.thresholds ?? {})) {
    if (!Object.hasOwn(d.meta.thresholds, name))
      throw new Error(
        `detection '${d.meta.id}' has no threshold '${name}' (it has: ${Object.keys(d.meta.thresholds).join(', ') || 'none'})`,
      );
    values[name] = v;
  }
  for (const [name, v] of Object.entries(settings.lists ?? {})) {
    if (!Object.hasOwn(d.meta.lists, name))
      throw new Error(
        `detection '${d.meta.id}' has no list '${name}' (it has: ${Object.keys(d.meta.lists).join(', ') || 'none'})`,
      );
    values[name] = [...v];
  }
  return values;
}

/** Render a detection to `?` SQL and its bound parameters for one run. */
export function renderDetection(
  d: Detection,
  bounds: RunBounds,
  options: { settings?: DetectionSettings; internalCidrs?: readonly Cidr[] } = {},
): RenderedSql {
  const values: Record<string, ParamValue> = {
    window_start: bounds.windowStart,
    window_end: bounds.windowEnd,
    dt_start: bounds.dtStart,
    dt_end: bounds.dtEnd,
    inventory_dt_start: inventoryDtStart(bounds.windowStart),
  };
  for (const [name, v] of Object.entries(resolveDetectionValues(d, options.settings))) {
    if (Array.isArray(v)) {
      const items = d.meta.lists[name]!.items;
      values[name] = v.length > 0 ? v : [emptyListSentinel(items)];
    } else values[name] = v;
  }
  const internal = options.internalCidrs ?? DEFAULT_INTERNAL_CIDRS.map(parseCidr);
  return renderSqlTemplate(d.template, values, internal, d.path);
}

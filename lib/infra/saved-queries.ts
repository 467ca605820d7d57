import { readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Cidr } from '../detection/cidr';
import type { SqlParam } from '../detection/engine';
import { investigationQueryName } from '../detection/finding';
import {
  BUILTIN_PARAMS,
  type Detection,
  type DetectionSettings,
  INVENTORY_LOOKBACK_SECONDS,
  inventoryDtStart,
  OPTIONAL_BUILTIN_PARAMS,
  QUERIES_DIR,
  resolveDetectionValues,
  splitHeader,
} from '../detection/registry';
import {
  macroSql,
  parseSqlTemplate,
  type RenderedSql,
  type TemplatePart,
  templateParamNames,
} from '../detection/sql-template';
import { partitionBounds, type TimeWindow } from '../detection/window';

/**
 * Athena saved (named) queries for responders: `sql/queries/<id>.sql`, a YAML header in a
 * block comment, then Athena SQL using the detection template syntax. Named queries cannot
 * take `:params`, so at synth the window built-ins become SQL over current_timestamp (the
 * query still prunes partitions), thresholds become validated numeric literals, and the
 * responder's own inputs (an address, a port) become `?`, which the Athena console prompts for.
 */

export const SAVED_QUERY_PREFIX = 'flowwatch-';

const HeaderSchema = z
  .object({
    description: z.string().min(10).max(1024),
    /** Values the responder types when running the query (Athena's "Enter parameters" dialog), in order of use. */
    parameters: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.string().min(5)).default({}),
  })
  .strict();

export interface SavedQuery {
  /** Named-query name in the workgroup, e.g. flowwatch-rejected-traffic. */
  readonly name: string;
  readonly description: string;
  readonly path: string;
  readonly template: readonly TemplatePart[];
  /** Parameters the responder supplies (rendered as `?` for Athena). */
  readonly parameters: Readonly<Record<string, string>>;
  /** Parameters fixed at synth (a detection's thresholds and lists), validated values only. */
  readonly fixed: Readonly<Record<string, number | readonly (string | number)[]>>;
  /** The detection this query investigates, when it is an investigation query. */
  readonly detectionId?: string;
}

export class SavedQueryError extends Error {
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'SavedQueryError';
  }
}

export function parseSavedQuery(text: string, path: string): SavedQuery {
  const id = basename(path, '.sql');
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) throw new SavedQueryError(path, 'file names are kebab-case ids');
  const { header, body } = splitHeader(text, path);
  let raw: unknown;
  try {
    raw = parseYaml(header);
  } catch (e) {
    throw new SavedQueryError(path, `header is not valid YAML: ${(e as Error).message}`);
  }
  const parsed = HeaderSchema.safeParse(raw);
  if (!parsed.success)
    throw new SavedQueryError(
      path,
      `invalid header: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(header)'}: ${i.message}`).join('; ')}`,
    );
  const template = parseSqlTemplate(body, path);
  const used = templateParamNames(template);
  const declared = new Set<string>([
    ...BUILTIN_PARAMS,
    ...OPTIONAL_BUILTIN_PARAMS,
    ...Object.keys(parsed.data.parameters),
  ]);
  for (const u of used)
    if (!declared.has(u))
      throw new SavedQueryError(path, `parameter :${u} is used but not declared under parameters`);
  for (const p of Object.keys(parsed.data.parameters))
    if (!used.has(p)) throw new SavedQueryError(path, `parameter :${p} is declared but never used`);
  // Every saved query must prune partitions: dt bounded from below by the window start.
  if (!used.has('dt_start') || !/\bdt\s*(>=|BETWEEN)\s*$/i.test(textBefore(template, 'dt_start')))
    throw new SavedQueryError(
      path,
      'must filter the partition column: `dt >= :dt_start` or `dt BETWEEN :dt_start AND :dt_end`',
    );
  return {
    name: `${SAVED_QUERY_PREFIX}${id}`,
    description: parsed.data.description.trim(),
    path,
    template,
    parameters: parsed.data.parameters,
    fixed: {},
  };
}

function textBefore(parts: readonly TemplatePart[], param: string): string {
  const i = parts.findIndex((p) => p.kind === 'param' && p.name === param);
  const prev = i > 0 ? parts[i - 1] : undefined;
  return prev?.kind === 'sql' ? prev.text : '';
}

/** The responder queries shipped in sql/queries, sorted by name. */
export function loadSavedQueries(dir: string = QUERIES_DIR): SavedQuery[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => parseSavedQuery(readFileSync(join(dir, f), 'utf8'), join(dir, f)));
}

/**
 * The investigation query of a detection: its own SQL over a wider window (default 24 h),
 * thresholds and lists as this deployment configures them, so a responder sees every row the
 * finding came from and its neighbours in time.
 */
export function investigationQuery(d: Detection, settings: DetectionSettings = {}): SavedQuery {
  return {
    name: investigationQueryName(d.meta.id),
    description:
      `Investigate '${d.meta.id}' findings: the detection's own query over the saved-query window. ${d.meta.title}`.slice(
        0,
        1024,
      ),
    path: d.path,
    template: d.template,
    parameters: {},
    fixed: withSentinels(d, resolveDetectionValues(d, settings)),
    detectionId: d.meta.id,
  };
}

/** An empty list would render `IN ()`; like the runner, use a value no port or address equals. */
function withSentinels(
  d: Detection,
  values: Record<string, number | (string | number)[]>,
): Record<string, number | (string | number)[]> {
  const out = { ...values };
  for (const [name, v] of Object.entries(out)) {
    const list = d.meta.lists[name];
    if (Array.isArray(v) && v.length === 0 && list)
      out[name] = [list.items === 'port' || list.items === 'integer' ? -1 : '<none>'];
  }
  return out;
}

export interface AthenaRenderOptions {
  readonly internalCidrs: readonly Cidr[];
  readonly granularity: 'hour' | 'day';
  /** How far back the window reaches from the time the query runs. */
  readonly lookbackHours: number;
}

function literal(v: string | number, where: string): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new SavedQueryError(where, `non-finite number ${v}`);
    return String(v);
  }
  // Only values that cannot break out of a literal reach here: addresses or plain tokens.
  if (isIP(v) === 0 && !/^[A-Za-z0-9 _.:/@<>-]*$/.test(v))
    throw new SavedQueryError(where, `value ${JSON.stringify(v)} cannot be written into a saved query`);
  return `'${v}'`;
}

/** Partition and window bounds relative to when the responder runs the query (UTC). */
export function relativeBounds(granularity: 'hour' | 'day', lookbackHours: number): Record<string, string> {
  const fmt = granularity === 'hour' ? '%Y/%m/%d/%H' : '%Y/%m/%d';
  const now = "(current_timestamp AT TIME ZONE 'UTC')";
  const h = Math.trunc(lookbackHours);
  return {
    dt_start: `date_format(${now} - interval '${h}' hour, '${fmt}')`,
    // eni_inventory is always hourly: the oldest snapshot an interface is looked up in, as the runner binds it.
    inventory_dt_start: `date_format(${now} - interval '${h + INVENTORY_LOOKBACK_SECONDS / 3600}' hour, '%Y/%m/%d/%H')`,
    // Files land up to ~an hour after their records start; the future partitions are empty.
    dt_end: `date_format(${now} + interval '1' hour, '${fmt}')`,
    window_start: `(CAST(to_unixtime(${now}) AS bigint) - ${h * 3600})`,
    window_end: `(CAST(to_unixtime(${now}) AS bigint) + 1)`,
  };
}

/** The SQL text stored in the Athena named query. Responder inputs stay `?`. */
export function renderSavedQueryForAthena(
  q: SavedQuery,
  o: AthenaRenderOptions,
): { sql: string; prompts: string[] } {
  const bounds = relativeBounds(o.granularity, o.lookbackHours);
  let sql = '';
  const prompts: string[] = [];
  for (const p of q.template) {
    if (p.kind === 'sql') sql += p.text;
    else if (p.kind === 'macro') sql += macroSql(p, o.internalCidrs);
    else if (bounds[p.name] !== undefined) sql += bounds[p.name];
    else if (Object.hasOwn(q.fixed, p.name)) {
      const v = q.fixed[p.name]!;
      const where = `${q.path} :${p.name}`;
      if (Array.isArray(v)) {
        if (v.length === 0) throw new SavedQueryError(q.path, `list :${p.name} is empty`);
        sql += v.map((x) => literal(x, where)).join(', ');
      } else sql += literal(v as number, where);
    } else if (Object.hasOwn(q.parameters, p.name)) {
      sql += '?';
      prompts.push(p.name);
    } else throw new SavedQueryError(q.path, `no value for :${p.name}`);
  }
  const head = [`-- ${q.name}: ${q.description.replace(/\s+/g, ' ')}`];
  if (prompts.length > 0)
    head.push(`-- Athena asks for: ${prompts.map((n) => `${n} (${q.parameters[n]})`).join('; ')}`);
  return { sql: `${head.join('\n')}\n${sql.trim()}`, prompts };
}

/**
 * The same query with every parameter bound (`?` + values), for engines in tests: window and
 * partition bounds, the responder's inputs and the fixed detection values all become parameters.
 */
export function renderSavedQueryBound(
  q: SavedQuery,
  values: Readonly<Record<string, SqlParam>>,
  internalCidrs: readonly Cidr[],
): RenderedSql {
  let sql = '';
  const params: SqlParam[] = [];
  for (const p of q.template) {
    if (p.kind === 'sql') sql += p.text;
    else if (p.kind === 'macro') sql += macroSql(p, internalCidrs);
    else {
      const v = Object.hasOwn(values, p.name)
        ? values[p.name]
        : p.name === 'inventory_dt_start' && typeof values.window_start === 'number'
          ? // as renderDetection derives it from the window
            inventoryDtStart(values.window_start)
          : q.fixed[p.name];
      if (v === undefined) throw new SavedQueryError(q.path, `no value for :${p.name}`);
      if (Array.isArray(v)) {
        if (v.length === 0) throw new SavedQueryError(q.path, `list :${p.name} is empty`);
        sql += v.map(() => '?').join(', ');
        params.push(...(v as SqlParam[]));
      } else {
        sql += '?';
        params.push(v as SqlParam);
      }
    }
  }
  return { sql: sql.trim(), params };
}

/**
 * The built-in values of a window [start, end) as the detection runner binds them: the window
 * in seconds, `dt` partitions from the start's to the end's plus the delivery slack, and the
 * oldest inventory snapshot an interface is looked up in. Shared by `flowwatch query --saved`
 * and the conformance suite, so both bind saved queries exactly like the Lambda does.
 */
export function savedQueryWindowValues(
  window: TimeWindow,
  granularity: 'hour' | 'day',
): Record<(typeof BUILTIN_PARAMS)[number] | 'inventory_dt_start', SqlParam> {
  const { dtStart, dtEnd } = partitionBounds(window, granularity);
  return {
    window_start: window.start,
    window_end: window.end,
    dt_start: dtStart,
    dt_end: dtEnd,
    inventory_dt_start: inventoryDtStart(window.start),
  };
}

/** A saved query by file id (`rejected-traffic`) or named-query name (`flowwatch-rejected-traffic`). */
export function findSavedQuery(queries: readonly SavedQuery[], name: string): SavedQuery | undefined {
  const n = name.trim();
  return queries.find((q) => q.name === n || q.name === `${SAVED_QUERY_PREFIX}${n}`);
}

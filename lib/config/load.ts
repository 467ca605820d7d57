import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { type Cidr, parseCidr } from '../detection/cidr';
import { formatDuration } from '../detection/duration';
import {
  FLOW_LOG_FIELDS,
  FLOWWATCH_FIELDS,
  type FlowLogField,
  findField,
  parseFieldList,
} from '../detection/fields';
import { type Detection, type DetectionSettings, loadDetections } from '../detection/registry';
import { FlowWatchConfigSchema, isIpAddress, type ParsedConfig } from './schema';

/** Context key in cdk.json (or `-c`) that holds the config object. */
export const CONFIG_CONTEXT_KEY = 'flowwatch';
/** Context key naming a config file; default `flowwatch.config.json` in the working directory. */
export const CONFIG_FILE_CONTEXT_KEY = 'flowwatch:configFile';
export const DEFAULT_CONFIG_FILE = 'flowwatch.config.json';

export class FlowWatchConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid FlowWatch config (${source}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'FlowWatchConfigError';
  }
}

/** A detection as this deployment runs it. */
export interface DeployedDetection {
  readonly detection: Detection;
  readonly id: string;
  readonly schedule: string;
  readonly settings: DetectionSettings;
}

/** The validated config with everything derived that the constructs need. */
export interface FlowWatchConfig extends ParsedConfig {
  /** Where the config came from, for error messages. */
  readonly origin: string;
  readonly internalCidrList: readonly Cidr[];
  /** Enabled detections, sorted by id. */
  readonly enabledDetections: readonly DeployedDetection[];
  /** Every shipped detection (enabled or not), for saved queries and docs. */
  readonly allDetections: readonly Detection[];
  /** Fields in the files, in file order (text) or the set the flow log writes (Parquet). */
  readonly fileFields: readonly FlowLogField[];
  readonly partitionGranularity: 'hour' | 'day';
  readonly format: 'parquet' | 'text';
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

function zodProblems(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((i) => {
    let value: unknown = input;
    for (const p of i.path)
      value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[p] : undefined;
    const shown = value === undefined || typeof value === 'object' ? '' : ` (got ${JSON.stringify(value)})`;
    if (i.code === 'unrecognized_keys')
      return `${formatPath(i.path)}: unknown key(s) ${i.keys.map((k) => `'${k}'`).join(', ')}; check the spelling against docs/DEPLOY.md`;
    return `${formatPath(i.path)}: ${i.message}${shown}`;
  });
}

function validateListItem(items: string, v: string | number): string | undefined {
  if (items === 'port')
    return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535 ? undefined : 'a port 0-65535';
  if (items === 'integer') return Number.isInteger(v) ? undefined : 'an integer';
  if (items === 'ip') return typeof v === 'string' && isIpAddress(v) ? undefined : 'an IPv4 or IPv6 address';
  return typeof v === 'string' ? undefined : 'a string';
}

/** Seconds between runs of a rate() expression; undefined for cron() (not checked). */
export function rateSeconds(schedule: string): number | undefined {
  const m = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(schedule);
  if (!m) return undefined;
  return Number(m[1]) * { minute: 60, hour: 3600, day: 86400 }[m[2] as 'minute' | 'hour' | 'day'];
}

/** Check overrides against the shipped detections: ids, threshold and list names, value types. */
function resolveDetections(
  cfg: ParsedConfig,
  detections: readonly Detection[],
  problems: string[],
): DeployedDetection[] {
  const byId = new Map(detections.map((d) => [d.meta.id, d]));
  for (const id of Object.keys(cfg.detections))
    if (!byId.has(id))
      problems.push(`detections.${id}: unknown detection id '${id}' (known: ${[...byId.keys()].join(', ')})`);
  const out: DeployedDetection[] = [];
  for (const d of detections) {
    const o = cfg.detections[d.meta.id] ?? {};
    const where = `detections.${d.meta.id}`;
    for (const [name, v] of Object.entries(o.thresholds ?? {})) {
      const t = d.meta.thresholds[name];
      if (!t) {
        problems.push(
          `${where}.thresholds.${name}: '${d.meta.id}' has no threshold '${name}' (it has: ${Object.keys(d.meta.thresholds).join(', ') || 'none'})`,
        );
        continue;
      }
      if (t.min !== undefined && v < t.min)
        problems.push(`${where}.thresholds.${name}: must be >= ${t.min} (got ${v})`);
      if (v < 0) problems.push(`${where}.thresholds.${name}: must not be negative (got ${v})`);
    }
    for (const [name, values] of Object.entries(o.lists ?? {})) {
      const l = d.meta.lists[name];
      if (!l) {
        problems.push(
          `${where}.lists.${name}: '${d.meta.id}' has no list '${name}' (it has: ${Object.keys(d.meta.lists).join(', ') || 'none'})`,
        );
        continue;
      }
      values.forEach((v, i) => {
        const want = validateListItem(l.items, v);
        if (want) problems.push(`${where}.lists.${name}[${i}]: expected ${want} (got ${JSON.stringify(v)})`);
      });
    }
    if (o.schedule) {
      const every = rateSeconds(o.schedule);
      if (every !== undefined && every > d.lookbackSeconds)
        problems.push(
          `${where}.schedule: '${o.schedule}' runs every ${formatDuration(every)} but the detection looks back ${d.meta.lookback}, so part of every interval would never be examined; use a schedule of at most ${d.meta.lookback}`,
        );
    }
    if (o.enabled === false) continue;
    out.push({
      detection: d,
      id: d.meta.id,
      schedule: o.schedule ?? d.meta.schedule,
      settings: { thresholds: o.thresholds ?? {}, lists: o.lists ?? {} },
    });
  }
  return out;
}

function resolveFields(cfg: ParsedConfig, problems: string[]): FlowLogField[] {
  if (cfg.source.mode === 'existing') {
    // Parquet without a declared list: AWS writes columns by name, so the table can hold them all.
    if (!cfg.source.fields) return [...FLOW_LOG_FIELDS];
    return parseFieldList(cfg.source.fields, 'source.fields');
  }
  const fields = FLOWWATCH_FIELDS.map((n) => findField(n)!);
  cfg.source.extraFields.forEach((n, i) => {
    const f = findField(n);
    if (!f) problems.push(`source.extraFields[${i}]: unknown flow log field '${n}'`);
    else if (f.version <= 5)
      problems.push(`source.extraFields[${i}]: '${n}' is already part of the v2-v5 set`);
    else if (!fields.includes(f)) fields.push(f);
  });
  // AWS's LogFormat must list fields in any order; keep catalogue order so files read predictably.
  return FLOW_LOG_FIELDS.filter((f) => fields.includes(f));
}

/**
 * Validate a raw config object. Every problem is collected and reported at once, each naming
 * its key, what is wrong and what a valid value looks like.
 */
export function parseConfig(
  raw: unknown,
  origin = 'config',
  detections: readonly Detection[] = loadDetections(),
): FlowWatchConfig {
  const parsed = FlowWatchConfigSchema.safeParse(raw);
  if (!parsed.success) throw new FlowWatchConfigError(origin, zodProblems(parsed.error, raw));
  const cfg = parsed.data;
  const problems: string[] = [];
  const enabledDetections = resolveDetections(cfg, detections, problems);
  // A pipeline without detections would deploy buckets, a table and alarms that never alert.
  if (enabledDetections.length === 0 && detections.length > 0)
    problems.push(
      `detections: every detection is disabled; enable at least one (e.g. remove "enabled": false from detections.${detections[0]!.meta.id})`,
    );
  const fileFields = resolveFields(cfg, problems);
  if (
    cfg.source.mode === 'create' &&
    cfg.accounts &&
    cfg.env.account &&
    !cfg.accounts.includes(cfg.env.account)
  )
    problems.push(
      `accounts: must include the deployment account ${cfg.env.account} (its flow logs land in the bucket)`,
    );
  if (cfg.inventory.externalId !== undefined && cfg.inventory.memberRoleName === undefined)
    problems.push(
      'inventory.externalId: only used when assuming inventory.memberRoleName; set memberRoleName or remove externalId',
    );
  const lists: [string, readonly string[] | undefined][] = [
    ['accounts', cfg.accounts],
    ['regions', cfg.regions],
    ['internalCidrs', cfg.internalCidrs],
    ['alerts.emails', cfg.alerts.emails],
    ['source.targets', cfg.source.mode === 'create' ? cfg.source.targets : undefined],
  ];
  for (const [key, list] of lists)
    list?.forEach((v, i) => {
      if (list.indexOf(v) !== i) problems.push(`${key}[${i}]: '${v}' is listed twice`);
    });
  if (problems.length > 0) throw new FlowWatchConfigError(origin, problems);
  return {
    ...cfg,
    origin,
    internalCidrList: cfg.internalCidrs.map(parseCidr),
    enabledDetections,
    allDetections: detections,
    fileFields,
    partitionGranularity: cfg.source.mode === 'existing' ? cfg.source.partitionGranularity : 'hour',
    format: cfg.source.format,
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge of plain objects; `over` wins; arrays are replaced, not concatenated. */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeConfig(base[k], v);
  return out;
}

export interface ConfigSources {
  /** The `flowwatch` context value (cdk.json or `-c flowwatch='{...}'`). */
  readonly context?: unknown;
  /** Config file path; default flowwatch.config.json in `cwd` when it exists. */
  readonly file?: string;
  readonly cwd?: string;
}

/**
 * Load the config: the `flowwatch` object from CDK context, then the config file on top of it
 * (the file wins key by key, arrays replace). Either alone is fine.
 */
export function loadConfig(sources: ConfigSources, detections?: readonly Detection[]): FlowWatchConfig {
  const cwd = sources.cwd ?? process.cwd();
  const explicit = sources.file !== undefined && sources.file !== DEFAULT_CONFIG_FILE;
  const file = resolve(cwd, sources.file ?? DEFAULT_CONFIG_FILE);
  let fromFile: unknown;
  const origins: string[] = [];
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new FlowWatchConfigError(file, [`not valid JSON: ${(e as Error).message}`]);
    }
    origins.push(file);
  } else if (explicit) {
    throw new FlowWatchConfigError(file, ['file not found (set by context flowwatch:configFile)']);
  }
  let context = sources.context;
  if (typeof context === 'string') {
    // `cdk -c flowwatch='{...}'` passes a string.
    try {
      context = JSON.parse(context);
    } catch (e) {
      throw new FlowWatchConfigError('context flowwatch', [`not valid JSON: ${(e as Error).message}`]);
    }
  }
  if (context !== undefined) origins.unshift(`cdk context '${CONFIG_CONTEXT_KEY}'`);
  if (origins.length === 0)
    throw new FlowWatchConfigError(file, [
      `no config: create ${DEFAULT_CONFIG_FILE} (see docs/DEPLOY.md) or set the '${CONFIG_CONTEXT_KEY}' object in cdk.json context`,
    ]);
  return parseConfig(mergeConfig(context ?? {}, fromFile ?? {}), origins.join(' + '), detections);
}

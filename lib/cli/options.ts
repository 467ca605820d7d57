import { type FlowLogField, parseFieldList } from '../detection/fields';
import { SEVERITIES, type Severity } from '../detection/metadata';
import type { Detection } from '../detection/registry';
import { UsageError } from './errors';

export type OutputFormat = 'table' | 'json';
export const FORMATS: readonly OutputFormat[] = ['table', 'json'];

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parse an ISO-8601 time for --since/--until into Unix seconds. A time without a zone is UTC
 * (flow logs are UTC; the local zone of the laptop running the scan must not shift the window).
 * `round` decides what a fractional second becomes (floor for --since, ceil for --until).
 */
export function parseIsoTime(option: string, text: string, round: 'floor' | 'ceil'): number {
  const m = ISO.exec(text.trim());
  if (!m)
    throw new UsageError(
      `${option}: '${text}' is not an ISO-8601 time (use e.g. 2026-01-15T08:00:00Z or 2026-01-15)`,
    );
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac, zone] = m;
  const z =
    zone === undefined || zone === 'Z'
      ? 'Z'
      : zone.includes(':')
        ? zone
        : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(
    `${y}-${mo}-${d}T${h}:${mi}:${s}${frac ? `.${frac.slice(0, 3).padEnd(3, '0')}` : ''}${z}`,
  );
  // Date.parse accepts 2026-02-30 by rolling over; insist the fields round-trip.
  const check = new Date(Date.parse(`${y}-${mo}-${d}T00:00:00Z`));
  if (
    Number.isNaN(ms) ||
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() + 1 !== Number(mo) ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  )
    throw new UsageError(`${option}: '${text}' is not a valid date and time`);
  return round === 'floor' ? Math.floor(ms / 1000) : Math.ceil(ms / 1000);
}

/** `--fields` as a field list; an unknown or repeated field is a usage error. */
export function parseFieldsOption(spec: string | undefined): FlowLogField[] | undefined {
  if (spec === undefined) return undefined;
  try {
    return parseFieldList(spec, '--fields');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Pick detections by `--detections a,b`; unknown ids are a usage error naming the known ones. */
export function selectDetections(all: readonly Detection[], spec: string | undefined): Detection[] {
  if (spec === undefined) return [...all];
  const ids = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (ids.length === 0) throw new UsageError('--detections: give at least one detection id');
  const byId = new Map(all.map((d) => [d.meta.id, d]));
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length > 0)
    throw new UsageError(
      `--detections: unknown detection ${unknown.map((u) => `'${u}'`).join(', ')} (known: ${[...byId.keys()].join(', ')})`,
    );
  // Keep the registry order so output is stable whatever order the user typed.
  const wanted = new Set(ids);
  return all.filter((d) => wanted.has(d.meta.id));
}

export function parseSeverity(option: string, text: string): Severity {
  const s = text.trim().toLowerCase();
  if (!(SEVERITIES as readonly string[]).includes(s))
    throw new UsageError(`${option}: '${text}' is not a severity (use one of ${SEVERITIES.join(', ')})`);
  return s as Severity;
}

export function parseFormat(text: string): OutputFormat {
  if (!(FORMATS as readonly string[]).includes(text))
    throw new UsageError(`--format: '${text}' is not a format (use table or json)`);
  return text as OutputFormat;
}

/** `--since` / `--until` as Unix seconds (each optional); `--until` must come after `--since`. */
export function parseWindowFlags(flags: { since?: string; until?: string }): {
  since?: number;
  until?: number;
} {
  const since = flags.since === undefined ? undefined : parseIsoTime('--since', flags.since, 'floor');
  const until = flags.until === undefined ? undefined : parseIsoTime('--until', flags.until, 'ceil');
  if (since !== undefined && until !== undefined && until <= since)
    throw new UsageError(`--until (${flags.until}) must be after --since (${flags.since})`);
  return { since, until };
}

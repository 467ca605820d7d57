import { createHash } from 'node:crypto';
import type { Row, SqlValue } from './engine';
import { SEVERITIES, type Severity, SeveritySchema } from './metadata';
import type { Detection } from './registry';
import { isoSeconds, type TimeWindow } from './window';

/** One alertable result: a detection's row plus what identifies and explains it. */
export interface Finding {
  readonly detection: string;
  readonly severity: Severity;
  readonly title: string;
  /** Stable across runs: detection id + key field values (never the window). */
  readonly fingerprint: string;
  readonly window: { readonly start: string; readonly end: string };
  /** The key fields (the detection's `key_fields`) and their values. */
  readonly keys: Readonly<Record<string, SqlValue>>;
  /** Every column the detection's query returned, keys included. */
  readonly row: Readonly<Row>;
  readonly runbook: string;
  readonly mitre: readonly { technique: string; name: string }[];
  /** Name of the Athena saved query a responder runs to investigate. */
  readonly savedQuery: string;
}

function canonical(v: SqlValue): string {
  return v === null ? '\u0000null' : typeof v === 'bigint' ? v.toString() : String(v);
}

/** sha256 over the detection id and the key values in key_fields order; 32 hex chars. */
export function fingerprint(detectionId: string, keyFields: readonly string[], row: Readonly<Row>): string {
  const h = createHash('sha256');
  h.update(detectionId);
  for (const k of keyFields) h.update(`\u001f${k}=${canonical(row[k] ?? null)}`);
  return h.digest('hex').slice(0, 32);
}

export function investigationQueryName(detectionId: string): string {
  return `flowwatch-investigate-${detectionId}`;
}

/**
 * A detection may grade its rows: a `severity` result column (low, medium, high, critical)
 * overrides the header's severity for that row, e.g. an ACCEPTed connection to a listed address
 * is worse than a REJECTed one. Any other value is a bug in the detection's SQL.
 */
function rowSeverity(d: Detection, row: Readonly<Row>): Severity {
  if (!Object.hasOwn(row, 'severity')) return d.meta.severity;
  const v = row.severity;
  const parsed = SeveritySchema.safeParse(v);
  if (!parsed.success)
    throw new Error(
      `${d.path}: result column 'severity' is ${JSON.stringify(String(v))}; expected one of ${SEVERITIES.join(', ')}`,
    );
  return parsed.data;
}

export function rowToFinding(d: Detection, row: Readonly<Row>, window: TimeWindow): Finding {
  for (const k of d.meta.key_fields)
    if (!Object.hasOwn(row, k))
      throw new Error(
        `${d.path}: key field '${k}' is not a column of the query result (columns: ${Object.keys(row).join(', ')})`,
      );
  const severity = rowSeverity(d, row);
  const keys: Record<string, SqlValue> = {};
  for (const k of d.meta.key_fields) keys[k] = row[k] ?? null;
  return {
    detection: d.meta.id,
    severity,
    title: d.meta.title,
    fingerprint: fingerprint(d.meta.id, d.meta.key_fields, row),
    window: { start: isoSeconds(window.start), end: isoSeconds(window.end) },
    keys,
    row,
    runbook: d.meta.runbook,
    mitre: d.meta.mitre,
    savedQuery: investigationQueryName(d.meta.id),
  };
}

/** JSON text that keeps bigint exact (written as a bare JSON number). */
export function toJson(value: unknown, indent?: number): string {
  const marks: string[] = [];
  const text = JSON.stringify(
    value,
    (_k, v) => {
      if (typeof v === 'bigint') {
        marks.push(v.toString());
        return `@@fw-bigint-${marks.length - 1}@@`;
      }
      return v;
    },
    indent,
  );
  return text.replace(/"@@fw-bigint-(\d+)@@"/g, (_m, i: string) => marks[Number(i)]!);
}

/**
 * The flat record the CLI prints with `--format json` (one line per finding): the contract
 * fields first, then every result column under its flow-log column name.
 */
export function findingRecord(f: Finding): Record<string, unknown> {
  return {
    detection: f.detection,
    severity: f.severity,
    title: f.title,
    fingerprint: f.fingerprint,
    window: f.window,
    ...f.row,
    mitre: f.mitre.map((m) => m.technique),
    saved_query: f.savedQuery,
  };
}

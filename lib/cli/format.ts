import { entityLabel } from '../alerting/common';
import type { SqlValue } from '../detection/engine';
import { ENTITY_COLUMNS } from '../detection/entities';
import type { Finding } from '../detection/finding';
import { humanBytes } from '../detection/human-units';
import { SEVERITIES, type Severity, severityRank } from '../detection/metadata';

/** The colour functions the table needs; identity functions when colour is off. */
export interface Colors {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
  readonly green: (s: string) => string;
  readonly magenta: (s: string) => string;
}

const plain = (s: string) => s;
export const NO_COLORS: Colors = {
  bold: plain,
  dim: plain,
  red: plain,
  yellow: plain,
  cyan: plain,
  green: plain,
  magenta: plain,
};

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function colorsFor(stream: NodeJS.WriteStream): Colors {
  const env = process.env;
  const on = env.FORCE_COLOR ? env.FORCE_COLOR !== '0' : Boolean(stream.isTTY) && !('NO_COLOR' in env);
  if (!on) return NO_COLORS;
  // Lazy: picocolors is tiny, but nothing is loaded that a piped run does not need.
  const pc = require('picocolors') as typeof import('picocolors');
  const c = pc.createColors(true);
  return {
    bold: c.bold,
    dim: c.dim,
    red: c.red,
    yellow: c.yellow,
    cyan: c.cyan,
    green: c.green,
    magenta: c.magenta,
  };
}

export function severityColor(c: Colors, s: Severity): (t: string) => string {
  if (s === 'critical') return (t) => c.bold(c.red(t));
  if (s === 'high') return c.red;
  if (s === 'medium') return c.yellow;
  return c.cyan;
}

/**
 * Aligned columns. `style` colours a cell after padding, so escape codes never break alignment.
 * `maxWidth` (a terminal's width) cuts the last column.
 */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  options: {
    colors?: Colors;
    style?: (row: number, col: number, padded: string) => string;
    maxWidth?: number;
  } = {},
): string {
  const c = options.colors ?? NO_COLORS;
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const lines: string[] = [];
  const clip = (line: string) =>
    options.maxWidth && line.length > options.maxWidth ? `${line.slice(0, options.maxWidth - 1)}…` : line;
  lines.push(
    c.bold(clip(headers.map((h, i) => (i === headers.length - 1 ? h : h.padEnd(widths[i]!))).join('  '))),
  );
  rows.forEach((r, ri) => {
    // Pad and cut on plain text first, then colour each cell.
    let used = 0;
    const cells: string[] = [];
    for (let i = 0; i < headers.length; i++) {
      const last = i === headers.length - 1;
      let cell = last ? (r[i] ?? '') : (r[i] ?? '').padEnd(widths[i]!);
      if (last && options.maxWidth && used + cell.length > options.maxWidth)
        cell = `${cell.slice(0, Math.max(0, options.maxWidth - used - 1))}…`;
      used += cell.length + 2;
      cells.push(options.style ? options.style(ri, i, cell) : cell);
    }
    lines.push(cells.join('  ').trimEnd());
  });
  return lines.join('\n');
}

/** `2026-01-15 08:04:10Z` from Unix seconds. */
export function isoMinuteSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('T', ' ').replace('.000Z', 'Z');
}

/** A result value as shown in a table cell (bytes with units, times as UTC). */
export function cellValue(column: string, v: SqlValue | undefined): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'bigint') return column.includes('bytes') ? humanBytes(Number(v)) : v.toString();
  if (typeof v === 'number') {
    if (column.includes('bytes') && Number.isInteger(v)) return humanBytes(v);
    if (/(^|_)(seen|start|end)$/.test(column) && Number.isInteger(v) && v > 1e9 && v < 1e10)
      return isoMinuteSeconds(v);
    return String(v);
  }
  return String(v);
}

/** Result columns most worth a glance, in this order; the rest are in `--format json`. */
const DETAIL_ORDER = [
  'bytes',
  'flows',
  'packets',
  'peak_packets_per_second',
  'distinct_ports',
  'distinct_hosts',
  'distinct_destinations',
  'distinct_sources',
  'skipped_records',
  'skipped_seconds',
];
const MAX_DETAILS = 4;

/**
 * The entity behind a finding (`EC2 instance i-0abc "web-1"`, from the ENI inventory), unless it
 * only repeats a key (an instance id without a Name tag).
 */
function entityText(f: Finding): string | undefined {
  const id = f.row.entity_id;
  const named = f.row.entity_name !== null && f.row.entity_name !== undefined;
  if (
    !named &&
    id !== null &&
    id !== undefined &&
    Object.values(f.keys).some((v) => String(v) === String(id))
  )
    return undefined;
  return entityLabel(f);
}

export function findingDetails(f: Finding): string {
  const entity = new Set<string>(ENTITY_COLUMNS);
  const cols = Object.keys(f.row).filter((k) => !Object.hasOwn(f.keys, k) && !entity.has(k));
  const ranked = [
    ...DETAIL_ORDER.filter((k) => cols.includes(k)),
    // A result's own severity column repeats the SEVERITY column.
    ...cols.filter((k) => !DETAIL_ORDER.includes(k) && k !== 'severity' && !/(^|_)seen$/.test(k)),
  ].slice(0, MAX_DETAILS);
  const label = entityText(f);
  return [...(label ? [label] : []), ...ranked.map((k) => `${k}=${cellValue(k, f.row[k])}`)].join(' ');
}

function keyText(f: Finding): string {
  return Object.entries(f.keys)
    .map(([k, v]) => `${k}=${cellValue(k, v)}`)
    .join(' ');
}

function firstSeen(f: Finding): string {
  const v = f.row.first_seen;
  return typeof v === 'number' ? isoMinuteSeconds(v) : '-';
}

/** Findings as an aligned table, most severe first (stable within a severity). */
export function findingsTable(findings: readonly Finding[], c: Colors, maxWidth?: number): string {
  const sorted = findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => severityRank(b.f.severity) - severityRank(a.f.severity) || a.i - b.i)
    .map((x) => x.f);
  const rows = sorted.map((f) => [
    f.severity.toUpperCase(),
    f.detection,
    firstSeen(f),
    keyText(f),
    findingDetails(f),
  ]);
  return renderTable(['SEVERITY', 'DETECTION', 'FIRST SEEN', 'KEY', 'DETAILS'], rows, {
    colors: c,
    maxWidth,
    style: (ri, col, cell) => {
      if (col === 0) return severityColor(c, sorted[ri]!.severity)(cell);
      if (col === 1) return c.bold(cell);
      if (col === 2 || col === 4) return c.dim(cell);
      return cell;
    },
  });
}

/** `9 findings (1 critical, 4 high, 3 medium, 1 low)`, severities with none left out. */
export function findingCounts(findings: readonly Finding[], c: Colors = NO_COLORS): string {
  const n = findings.length;
  const parts = [...SEVERITIES]
    .reverse()
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, k]) => k > 0)
    .map(([s, k]) => severityColor(c, s)(`${k} ${s}`));
  return `${n} finding${n === 1 ? '' : 's'}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatSeconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

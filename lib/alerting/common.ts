import type { SqlValue } from '../detection/engine';
import { ENTITY_COLUMNS } from '../detection/entities';
import type { Finding } from '../detection/finding';
import { humanBytes } from '../detection/human-units';
import type { Severity } from '../detection/metadata';

/**
 * Why a finding is alerted in this run (set by the dedupe step; plain findings from the CLI have none):
 * - new: first sight, or seen again after a quiet period longer than the suppression
 * - escalated: more severe than when last alerted, or its byte count grew by the escalation factor
 * - ongoing: still present, last alerted more than the re-alert interval ago
 */
export type AlertReason = 'new' | 'escalated' | 'ongoing';

export interface AlertContext {
  readonly reason: AlertReason;
  /** When this fingerprint was first seen (ISO-8601), for "ongoing since". */
  readonly firstSeen?: string;
  /** Short human note, e.g. "bytes 12 MB -> 140 MB". */
  readonly note?: string;
}

/** A finding plus, when it went through dedupe, why it alerts now. */
export type AlertFinding = Finding & { readonly alert?: AlertContext };

/** Findings shown in full in human messages before the "+N more" line. */
export const DEFAULT_MAX_SHOWN = 20;

export const SEVERITY_COLOUR: Record<Severity, string> = {
  low: '#439FE0',
  medium: '#DAA038',
  high: '#E8590C',
  critical: '#D40E0D',
};

export const SEVERITY_EMOJI: Record<Severity, string> = {
  low: ':information_source:',
  medium: ':warning:',
  high: ':rotating_light:',
  critical: ':fire:',
};

export interface DetectionGroup {
  readonly detection: string;
  readonly title: string;
  readonly severity: Severity;
  readonly window: { readonly start: string; readonly end: string };
  readonly runbook: string;
  readonly savedQuery: string;
  readonly mitre: Finding['mitre'];
  readonly findings: readonly AlertFinding[];
}

/** Group findings per detection (in first-seen order), most severe detection first. */
export function groupByDetection(findings: readonly AlertFinding[]): DetectionGroup[] {
  const groups = new Map<string, AlertFinding[]>();
  for (const f of findings) {
    const g = groups.get(f.detection);
    if (g) g.push(f);
    else groups.set(f.detection, [f]);
  }
  const out = [...groups.values()].map((fs): DetectionGroup => {
    const f0 = fs[0]!;
    // A detection's findings share a run, but take the widest window if they were collected from several.
    // ISO-8601 UTC strings sort chronologically.
    const starts = fs.map((f) => f.window.start).sort();
    const ends = fs.map((f) => f.window.end).sort();
    const start = starts[0]!;
    const end = ends[ends.length - 1]!;
    return {
      detection: f0.detection,
      title: f0.title,
      severity: fs.reduce((s, f) => (rank(f.severity) > rank(s) ? f.severity : s), f0.severity),
      window: { start, end },
      runbook: f0.runbook,
      savedQuery: f0.savedQuery,
      mitre: f0.mitre,
      findings: fs,
    };
  });
  return out.sort((a, b) => rank(b.severity) - rank(a.severity));
}

const ORDER: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
function rank(s: Severity): number {
  return ORDER.indexOf(s);
}

export function highestSeverity(findings: readonly AlertFinding[]): Severity {
  return findings.reduce<Severity>((s, f) => (rank(f.severity) > rank(s) ? f.severity : s), 'low');
}

/** "2024-05-01 10:00 to 10:15 UTC" (date repeated only when the window crosses midnight). */
export function formatWindow(w: { start: string; end: string }): string {
  const s = w.start.replace('T', ' ').replace(/(:\d\d)?(\.\d+)?Z$/, '');
  const e = w.end.replace('T', ' ').replace(/(:\d\d)?(\.\d+)?Z$/, '');
  const sameDay = s.slice(0, 10) === e.slice(0, 10);
  return `${s} to ${sameDay ? e.slice(11) : e} UTC`;
}

const TIME_COLUMN = /(^|_)(seen|start|end|time|at)$/;

/** One value as a human reads it: epoch-second columns as UTC time, byte columns with a unit. */
export function formatValue(column: string, v: SqlValue): string {
  if (v === null) return '-';
  if (typeof v === 'bigint')
    return column.includes('bytes') ? `${v} (${humanBytes(Number(v))})` : v.toString();
  if (typeof v === 'number') {
    if (TIME_COLUMN.test(column) && Number.isInteger(v) && v > 1e9 && v < 1e10)
      return new Date(v * 1000).toISOString().replace('.000Z', 'Z');
    if (column.includes('bytes') && Number.isInteger(v) && v >= 1024) return `${v} (${humanBytes(v)})`;
    return String(v);
  }
  return String(v);
}

const OWNER_LABEL: Readonly<Record<string, string>> = {
  ec2_instance: 'EC2 instance',
  elb_alb: 'ALB',
  elb_nlb: 'NLB',
  elb_gwlb: 'Gateway Load Balancer',
  elb_classic: 'Classic Load Balancer',
  nat_gateway: 'NAT gateway',
  vpc_endpoint: 'VPC endpoint',
  rds: 'RDS database',
  lambda: 'Lambda function',
  eks: 'EKS',
  efs: 'EFS',
  transit_gateway: 'Transit gateway attachment',
  api_gateway: 'API Gateway',
  other: 'interface',
};

/** `EC2 instance i-0abc "web-1"`, or undefined when the finding names no entity. */
export function entityLabel(f: Finding): string | undefined {
  const [type, id, name] = ENTITY_COLUMNS.map((c) => f.row[c] ?? null);
  if (type === null && id === null && name === null) return undefined;
  const parts = [type === null ? 'entity' : (OWNER_LABEL[String(type)] ?? String(type))];
  if (id !== null) parts.push(String(id));
  if (name !== null) parts.push(`"${String(name)}"`);
  return parts.join(' ');
}

/** `srcaddr 203.0.113.9, dstport 22`: the key fields, after the entity when one is known. */
export function keyLine(f: Finding): string {
  const keys = Object.entries(f.keys)
    .map(([k, v]) => `${k} ${formatValue(k, v)}`)
    .join(', ');
  const entity = entityLabel(f);
  return entity ? `${entity}: ${keys}` : keys;
}

/** The non-key result columns except the entity's (shown on its own), as [column, display value] pairs. */
export function detailPairs(f: Finding): [string, string][] {
  const entity = new Set<string>(ENTITY_COLUMNS);
  return Object.entries(f.row)
    .filter(([k]) => !Object.hasOwn(f.keys, k) && !entity.has(k))
    .map(([k, v]) => [k, formatValue(k, v)]);
}

export function reasonLabel(a: AlertContext | undefined): string {
  if (!a) return '';
  if (a.reason === 'new') return 'NEW';
  if (a.reason === 'escalated') return `ESCALATED${a.note ? `: ${a.note}` : ''}`;
  return `STILL ONGOING${a.firstSeen ? ` since ${a.firstSeen}` : ''}`;
}

/** Counts like "2 new, 1 still ongoing" (empty when no finding carries a reason). */
export function reasonSummary(findings: readonly AlertFinding[]): string {
  const c = { new: 0, escalated: 0, ongoing: 0 };
  for (const f of findings) if (f.alert) c[f.alert.reason]++;
  const parts: string[] = [];
  if (c.new) parts.push(`${c.new} new`);
  if (c.escalated) parts.push(`${c.escalated} escalated`);
  if (c.ongoing) parts.push(`${c.ongoing} still ongoing`);
  return parts.join(', ');
}

/** Word-wrap for plain-text mail (no line longer than `width` unless a single word is). */
export function wrap(text: string, width = 76, indent = ''): string {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && indent.length + line.length + 1 + w.length > width) {
      lines.push(indent + line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

/** Join items with a separator, breaking lines only between items (a `key: value` is never split). */
export function wrapItems(items: readonly string[], width = 76, indent = '', sep = ' | '): string {
  const lines: string[] = [];
  let line = '';
  for (const it of items) {
    if (line && indent.length + line.length + sep.length + it.length > width) {
      lines.push(indent + line);
      line = it;
    } else line = line ? `${line}${sep}${it}` : it;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

/** Cut to `max` characters, marking the cut. */
export function truncate(text: string, max: number, mark = '...'): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - mark.length))}${mark}`;
}

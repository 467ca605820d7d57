import {
  type AlertFinding,
  DEFAULT_MAX_SHOWN,
  type DetectionGroup,
  detailPairs,
  entityLabel,
  formatValue,
  formatWindow,
  groupByDetection,
  highestSeverity,
  keyLine,
  reasonLabel,
  reasonSummary,
  wrap,
  wrapItems,
} from './common';

/** SNS rejects subjects of 100 characters or more. */
export const MAX_SUBJECT_LENGTH = 99;

export interface FormatOptions {
  /** Findings shown in full per detection before "+N more". @default 20 */
  readonly maxShown?: number;
}

/**
 * An SNS subject: ASCII only, no line breaks or control characters, under 100 characters,
 * starting with a letter (SNS rules).
 */
export function snsSubject(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  const s = /^[A-Za-z0-9]/.test(ascii) ? ascii : `FlowWatch ${ascii}`;
  return s.length <= MAX_SUBJECT_LENGTH ? s : `${s.slice(0, MAX_SUBJECT_LENGTH - 3).trimEnd()}...`;
}

export function emailSubject(findings: readonly AlertFinding[]): string {
  const groups = groupByDetection(findings);
  const n = findings.length;
  const count = `${n} finding${n === 1 ? '' : 's'}`;
  if (groups.length === 1) {
    const g = groups[0]!;
    // The first key and the count matter most; fall back to the short id when the title is long.
    const tail = `(${keyLine(g.findings[0]!)}${n > 1 ? ` +${n - 1} more` : ''})`;
    const long = `FlowWatch ${g.severity.toUpperCase()}: ${g.title} ${tail}`;
    return snsSubject(
      long.length <= MAX_SUBJECT_LENGTH
        ? long
        : `FlowWatch ${g.severity.toUpperCase()}: ${g.detection} ${tail}`,
    );
  }
  return snsSubject(
    `FlowWatch ${highestSeverity(findings).toUpperCase()}: ${count} from ${groups.length} detections`,
  );
}

function section(title: string): string {
  return `${title}\n${'-'.repeat(title.length)}`;
}

function groupText(g: DetectionGroup, maxShown: number): string {
  const lines: string[] = [];
  const heading = `${g.severity.toUpperCase()} - ${g.title}`;
  lines.push(heading, '='.repeat(Math.min(heading.length, 76)), '');
  const summary = reasonSummary(g.findings);
  lines.push(`Detection : ${g.detection}`);
  lines.push(`Severity  : ${g.severity.toUpperCase()}`);
  lines.push(`Window    : ${formatWindow(g.window)}`);
  lines.push(`Findings  : ${g.findings.length}${summary ? ` (${summary})` : ''}`);
  lines.push('');
  const shown = g.findings.slice(0, maxShown);
  shown.forEach((f, i) => {
    const label = reasonLabel(f.alert);
    const keys = Object.entries(f.keys).map(([k, v]) => `${k} ${formatValue(k, v)}`);
    // First line carries the number; long key lists continue indented under it.
    const keyText = wrapItems(keys, 76 - 5, '', ', ').replace(/\n/g, '\n     ');
    lines.push(`${i + 1}. ${keyText}${label ? `  [${label}]` : ''}`);
    const entity = entityLabel(f);
    if (entity) lines.push(`     entity: ${entity}`);
    const details = detailPairs(f).map(([k, v]) => `${k}: ${v}`);
    if (details.length > 0) lines.push(wrapItems(details, 76, '     '));
    lines.push(`     fingerprint: ${f.fingerprint}`);
  });
  const more = g.findings.length - shown.length;
  if (more > 0) {
    lines.push('');
    lines.push(`+${more} more not shown. Run the saved query below to see all of them.`);
  }
  lines.push('', section('What to do'), wrap(g.runbook, 76), '');
  lines.push(section('Investigate'));
  lines.push(`Athena saved query: ${g.savedQuery}`);
  lines.push('  (Athena console > Query editor > Saved queries, FlowWatch workgroup;');
  lines.push('   set its window to the one above)');
  if (g.mitre.length > 0)
    lines.push(
      wrapItems(
        g.mitre.map((m) => `${m.technique} ${m.name}`),
        76,
        '',
        '; ',
      )
        .replace(/^/, 'MITRE ATT&CK: ')
        .replace(/\n/g, '\n              '),
    );
  return lines.join('\n');
}

/** Plain-text email: readable in a text mail client, lines wrapped at 76 characters. */
export function formatEmail(
  findings: readonly AlertFinding[],
  options: FormatOptions = {},
): { subject: string; body: string } {
  if (findings.length === 0) throw new Error('formatEmail: no findings to format');
  const maxShown = options.maxShown ?? DEFAULT_MAX_SHOWN;
  const groups = groupByDetection(findings);
  const body = [
    `FlowWatch found ${findings.length} network finding${findings.length === 1 ? '' : 's'} in your VPC flow logs.`,
    '',
    groups.map((g) => groupText(g, maxShown)).join('\n\n'),
    '',
    '--',
    'Sent by FlowWatch. Repeats of a finding are suppressed until it stops,',
    'escalates or is still ongoing after the suppression period.',
  ].join('\n');
  return { subject: emailSubject(findings), body };
}

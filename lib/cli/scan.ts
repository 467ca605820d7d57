import type { FlowLogField } from '../detection/fields';
import type { Finding } from '../detection/finding';
import type { Severity } from '../detection/metadata';
import type { Detection } from '../detection/registry';
import type { DetectionRunError } from '../detection/run-detections';
import type { TimeWindow } from '../detection/window';
import type { LoadReport } from '../local/report';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from './errors';
import {
  colorsFor,
  findingCounts,
  findingsTable,
  formatCount,
  formatSeconds,
  isoMinuteSeconds,
} from './format';
import type { ContextInput } from './inventory';
import type { Io } from './io';
import {
  type OutputFormat,
  parseFieldsOption,
  parseFormat,
  parseSeverity,
  parseWindowFlags,
  selectDetections,
} from './options';
import { createProgress, PROGRESS_MIN_FILES, progressWanted } from './progress';
import {
  hasLoadProblems,
  inputWindow,
  MAX_PRINTED_ISSUES,
  openSession,
  parseMemoryLimit,
  printLoadIssues,
} from './session';

export interface ScanFlags {
  fields?: string;
  detections?: string;
  since?: string;
  until?: string;
  format?: string;
  strict?: boolean;
  failOn?: string;
  quiet?: boolean;
  memoryLimit?: string;
  inventory?: string[];
  inventoryAsOf?: string;
  threatIntel?: string[];
  threatIntelFormat?: string;
}

export interface ScanResult {
  readonly findings: Finding[];
  readonly errors: DetectionRunError[];
  readonly report: LoadReport;
  /** null when no record falls in the window (an empty input, or --since after the last record). */
  readonly window: TimeWindow | null;
  readonly detections: number;
  readonly elapsedMs: number;
  /** Time spent reading the files into DuckDB (the rest is the detections). */
  readonly loadMs: number;
  /** Threat-intel lines skipped (--threat-intel), counted for --strict. */
  readonly contextIssues: number;
}

interface ParsedScan {
  readonly fields?: FlowLogField[];
  readonly detections: Detection[];
  readonly since?: number;
  readonly until?: number;
  readonly format: OutputFormat;
  readonly failOn?: Severity;
  readonly memoryLimit?: string;
  readonly context?: ContextInput;
}

/** Validate every option before reading any data, so a typo fails in milliseconds. */
async function parseScanFlags(flags: ScanFlags): Promise<ParsedScan> {
  const format = parseFormat(flags.format ?? 'table');
  const fields = parseFieldsOption(flags.fields);
  const { since, until } = parseWindowFlags(flags);
  const failOn = flags.failOn === undefined ? undefined : parseSeverity('--fail-on', flags.failOn);
  const { loadDetections } = await import('../detection/registry');
  const detections = selectDetections(loadDetections(), flags.detections);
  const memoryLimit = parseMemoryLimit(flags.memoryLimit);
  const { readContextOptions } = await import('./inventory');
  const context = await readContextOptions(flags.inventory, flags.threatIntel, flags);
  return { fields, detections, since, until, format, failOn, memoryLimit, context };
}

/**
 * Load the input once, then run every selected detection over one window: the whole input
 * span (first start .. last end + 1) unless --since/--until narrow it.
 */
export async function scanPaths(
  paths: string[],
  parsed: Omit<ParsedScan, 'format' | 'failOn'>,
  io: Io,
  quiet: boolean | undefined,
): Promise<ScanResult> {
  const started = performance.now();
  const progress = createProgress(progressWanted(quiet));
  const session = await openSession(paths, {
    fields: parsed.fields,
    progress,
    memoryLimit: parsed.memoryLimit,
    context: parsed.context,
  });
  const contextIssues = session.context?.issues.length ?? 0;
  try {
    printLoadIssues(session.report, io.err);
    if (session.context) {
      const { printContextReport } = await import('./inventory');
      printContextReport(session.context, io.err, MAX_PRINTED_ISSUES, quiet);
    }
    const window = await inputWindow(session, parsed);
    if (window === null)
      return {
        findings: [],
        errors: [],
        report: session.report,
        window: null,
        detections: parsed.detections.length,
        elapsedMs: performance.now() - started,
        loadMs: session.loadMs,
        contextIssues,
      };
    const { runDetections } = await import('../detection/run-detections');
    // Detections take long exactly when the input was big: show their bar when the load's was.
    const detecting = createProgress(progressWanted(quiet) && session.report.files >= PROGRESS_MIN_FILES, 1);
    let done = 0;
    detecting.update(0, parsed.detections.length, 'detecting');
    const result = await runDetections(session.engine, parsed.detections, window, {
      onDetectionDone: () => detecting.update(++done, parsed.detections.length, 'detecting'),
    });
    detecting.stop();
    return {
      findings: result.findings,
      errors: result.errors,
      report: session.report,
      window,
      detections: parsed.detections.length,
      elapsedMs: performance.now() - started,
      loadMs: session.loadMs,
      contextIssues,
    };
  } finally {
    progress.stop();
    await session.close();
  }
}

export function summaryLine(r: ScanResult, colored = false, io?: Io): string {
  const c = colored && io ? colorsFor(io.stdout) : undefined;
  const rep = r.report;
  const win = r.window
    ? `window ${isoMinuteSeconds(r.window.start)} .. ${isoMinuteSeconds(r.window.end)}`
    : 'no records in the window';
  return [
    `${findingCounts(r.findings, c)} from ${r.detections} detection${r.detections === 1 ? '' : 's'}`,
    `${formatCount(rep.files)} file${rep.files === 1 ? '' : 's'}`,
    `${formatCount(rep.rows)} records`,
    `${formatCount(rep.skippedLines)} skipped`,
    win,
    `${formatSeconds(r.elapsedMs)} (load ${formatSeconds(r.loadMs)})`,
  ].join(' | ');
}

/** Print findings in the chosen format (JSON Lines on stdout, or a table plus summary). */
export function printScan(r: ScanResult, format: OutputFormat, io: Io, quiet?: boolean): void {
  if (format === 'json') {
    // Lazy: finding.ts pulls in node:crypto only when there is something to print.
    const { findingRecord, toJson } =
      require('../detection/finding') as typeof import('../detection/finding');
    for (const f of r.findings) io.out(toJson(findingRecord(f)));
    if (!quiet) io.err(summaryLine(r));
  } else {
    const c = colorsFor(io.stdout);
    if (r.findings.length > 0) {
      const width = io.stdout.isTTY ? io.stdout.columns : undefined;
      io.out(findingsTable(r.findings, c, width));
      io.out('');
    } else io.out(c.green('No findings.'));
    io.out(summaryLine(r, true, io));
  }
  for (const e of r.errors) io.err(`error: detection '${e.detection}' failed: ${e.message}`);
}

/** `flowwatch scan`: returns the exit code. */
export async function scanCommand(paths: string[], flags: ScanFlags, io: Io): Promise<number> {
  const parsed = await parseScanFlags(flags);
  const result = await scanPaths(paths, parsed, io, flags.quiet);
  printScan(result, parsed.format, io, flags.quiet);
  if (result.errors.length > 0) {
    io.err(`error: ${result.errors.length} detection(s) failed; the scan is incomplete`);
    return EXIT_USAGE;
  }
  if (flags.strict && (hasLoadProblems(result.report) || result.contextIssues > 0)) {
    io.err('error: --strict: the input had malformed lines or unreadable files (see warnings above)');
    return EXIT_USAGE;
  }
  if (parsed.failOn) {
    const { severityRank } = await import('../detection/metadata');
    const min = severityRank(parsed.failOn);
    const hits = result.findings.filter((f) => severityRank(f.severity) >= min).length;
    if (hits > 0) {
      if (!flags.quiet) io.err(`${hits} finding(s) at or above --fail-on ${parsed.failOn}`);
      return EXIT_FINDINGS;
    }
  }
  return EXIT_OK;
}

export { parseScanFlags };

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { DuckDbEngine } from '../detection/duckdb-engine';
import type { FlowLogField } from '../detection/fields';
import type { LoadReport } from '../local/report';
import { UsageError } from './errors';
import type { ContextInput, ContextReport } from './inventory';
import type { Progress } from './progress';

/** An in-memory DuckDB holding the loaded flow_logs table, and the engine over it. */
export interface Session {
  readonly engine: DuckDbEngine;
  readonly report: LoadReport;
  readonly loadMs: number;
  /** What --inventory / --threat-intel loaded (undefined when neither was given). */
  readonly context?: ContextReport;
  close(): Promise<void>;
}

/**
 * DuckDB's memory cap for a scan. Measured on 2M records: uncapped the process peaked at
 * 1.3 GB and grows with the input; capped, DuckDB compresses and spills the table so the
 * peak stays near the cap whatever the input size, for ~10-25% more CPU.
 */
export const DEFAULT_MEMORY_LIMIT = '1GB';

/** `--memory-limit`: a size DuckDB understands (e.g. 512MB, 2GB). */
export function parseMemoryLimit(text: string | undefined): string {
  const v = (text ?? DEFAULT_MEMORY_LIMIT).trim();
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(v))
    throw new UsageError(`--memory-limit: '${text}' is not a size (use e.g. 512MB or 2GB)`);
  return v;
}

/**
 * Load the given files and folders once into an in-memory DuckDB (`flow_logs`) and wrap the
 * connection in the DuckDB query engine. Throws the loader's InputError on fatal input problems.
 * DuckDB may spill to a private temp folder, removed on close.
 */
export async function openSession(
  paths: string[],
  options: { fields?: FlowLogField[]; progress: Progress; memoryLimit?: string; context?: ContextInput },
): Promise<Session> {
  // Lazy: DuckDB's native module is the heaviest thing the CLI loads.
  const { DuckDBInstance: Instance } = await import('@duckdb/node-api');
  const { DuckDbEngine: Engine } = await import('../detection/duckdb-engine');
  const { loadFlowLogs } = await import('../local/loader');
  const spillDir = mkdtempSync(join(tmpdir(), 'flowwatch-spill-'));
  const removeSpill = () => rmSync(spillDir, { recursive: true, force: true });
  let instance: DuckDBInstance;
  try {
    instance = await Instance.create(':memory:', {
      memory_limit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
      temp_directory: spillDir,
    });
  } catch (e) {
    removeSpill();
    throw e;
  }
  let conn: DuckDBConnection | undefined;
  try {
    conn = await instance.connect();
    const started = performance.now();
    const report = await loadFlowLogs(conn, paths, {
      fields: options.fields,
      onProgress: (done, total) => options.progress.update(done, total, 'loading'),
    });
    options.progress.stop();
    // Context tables sit next to flow_logs in the same database, so queries can join them.
    const context = options.context
      ? await (await import('./inventory')).loadContext(conn, options.context)
      : undefined;
    const loadMs = performance.now() - started;
    const engine = await Engine.create(conn);
    return {
      engine,
      report,
      loadMs,
      context,
      async close() {
        await engine.close();
        instance.closeSync();
        removeSpill();
      },
    };
  } catch (e) {
    options.progress.stop();
    conn?.closeSync();
    instance.closeSync();
    removeSpill();
    throw e;
  }
}

/** Issues printed before the rest are summarised in one line (a broken folder can have thousands). */
export const MAX_PRINTED_ISSUES = 20;

/** True when the load skipped or could not read anything (what --strict turns into exit 2). */
export function hasLoadProblems(report: LoadReport): boolean {
  return report.skippedLines > 0 || report.corruptFiles.length > 0 || report.issues.length > 0;
}

/** Skipped lines and corrupt files, `file:line: message`, capped, with totals. */
export function printLoadIssues(report: LoadReport, write: (line: string) => void): void {
  const issues = report.issues.filter((i) => i.file !== '');
  for (const i of issues.slice(0, MAX_PRINTED_ISSUES)) write(`warning: ${i.message}`);
  // The loader caps its list and appends "... and N more issues not listed" (file '').
  const dropped = report.issues.find((i) => i.file === '');
  const notListed = Number(/(\d+) more/.exec(dropped?.message ?? '')?.[1] ?? 0);
  const hidden = issues.length - Math.min(issues.length, MAX_PRINTED_ISSUES) + notListed;
  if (hidden > 0) write(`warning: ... ${hidden} more issue${hidden === 1 ? '' : 's'} not shown`);
  if (report.skippedLines > 0 || report.corruptFiles.length > 0)
    write(
      `warning: ${report.skippedLines} malformed line${report.skippedLines === 1 ? '' : 's'} skipped, ${report.corruptFiles.length} corrupt file${report.corruptFiles.length === 1 ? '' : 's'}`,
    );
}

function toSeconds(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

/**
 * The window a local run covers: the whole loaded input (first record start .. last end + 1)
 * unless --since/--until narrow it; null when that leaves nothing (no records, or an empty range).
 */
export async function inputWindow(
  session: Session,
  bounds: { since?: number; until?: number },
): Promise<{ start: number; end: number } | null> {
  const span = await session.engine.query('SELECT min(start) AS lo, max("end") AS hi FROM flow_logs', [], {
    label: 'input span',
  });
  const lo = toSeconds(span.rows[0]?.lo);
  const hi = toSeconds(span.rows[0]?.hi);
  const start = bounds.since ?? lo;
  const end = bounds.until ?? (hi === null ? null : hi + 1);
  return start === null || end === null || end <= start ? null : { start, end };
}

import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { DuckDbEngine } from '../detection/duckdb-engine';
import type { FlowLogField } from '../detection/fields';
import type { LoadReport } from '../local/report';
import type { Progress } from './progress';

/** An in-memory DuckDB holding the loaded flow_logs table, and the engine over it. */
export interface Session {
  readonly engine: DuckDbEngine;
  readonly report: LoadReport;
  readonly loadMs: number;
  close(): Promise<void>;
}

/**
 * Load the given files and folders once into an in-memory DuckDB (`flow_logs`) and wrap the
 * connection in the DuckDB query engine. Throws the loader's InputError on fatal input problems.
 */
export async function openSession(
  paths: string[],
  options: { fields?: FlowLogField[]; progress: Progress },
): Promise<Session> {
  // Lazy: DuckDB's native module is the heaviest thing the CLI loads.
  const { DuckDBInstance: Instance } = await import('@duckdb/node-api');
  const { DuckDbEngine: Engine } = await import('../detection/duckdb-engine');
  const { loadFlowLogs } = await import('../local/loader');
  const instance: DuckDBInstance = await Instance.create(':memory:');
  let conn: DuckDBConnection | undefined;
  try {
    conn = await instance.connect();
    const started = performance.now();
    const report = await loadFlowLogs(conn, paths, {
      fields: options.fields,
      onProgress: (done, total) => options.progress.update(done, total, 'loading'),
    });
    options.progress.stop();
    const loadMs = performance.now() - started;
    const engine = await Engine.create(conn);
    return {
      engine,
      report,
      loadMs,
      async close() {
        await engine.close();
        instance.closeSync();
      },
    };
  } catch (e) {
    options.progress.stop();
    conn?.closeSync();
    instance.closeSync();
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

import type { Row } from '../detection/engine';
import { EXIT_OK, EXIT_USAGE } from './errors';
import { colorsFor, renderTable } from './format';
import type { Io } from './io';
import { parseFieldsOption, parseFormat } from './options';
import { createProgress, progressWanted } from './progress';
import {
  hasLoadProblems,
  MAX_PRINTED_ISSUES,
  openSession,
  parseMemoryLimit,
  printLoadIssues,
} from './session';

export interface QueryFlags {
  fields?: string;
  format?: string;
  quiet?: boolean;
  memoryLimit?: string;
  strict?: boolean;
  inventory?: string[];
  inventoryAsOf?: string;
  threatIntel?: string[];
  threatIntelFormat?: string;
}

/** Raw values for a query table: the user asked for these columns, so no unit formatting. */
function rawCell(v: Row[string] | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  return typeof v === 'bigint' ? v.toString() : String(v);
}

/**
 * `flowwatch query "<SQL>" <path...>`: the user's own SQL (Athena dialect, the Trino-compat
 * macros installed) over the same flow_logs table the detections read.
 */
export async function queryCommand(sql: string, paths: string[], flags: QueryFlags, io: Io): Promise<number> {
  const format = parseFormat(flags.format ?? 'table');
  const fields = parseFieldsOption(flags.fields);
  const memoryLimit = parseMemoryLimit(flags.memoryLimit);
  const { readContextOptions, printContextReport } = await import('./inventory');
  const context = await readContextOptions(flags.inventory, flags.threatIntel, flags);
  const progress = createProgress(progressWanted(flags.quiet));
  const session = await openSession(paths, { fields, progress, memoryLimit, context });
  try {
    printLoadIssues(session.report, io.err);
    if (session.context) printContextReport(session.context, io.err, MAX_PRINTED_ISSUES, flags.quiet);
    // Like scan: with --strict a skipped line fails before any result is printed.
    if (flags.strict && (hasLoadProblems(session.report) || (session.context?.issues.length ?? 0) > 0)) {
      io.err('error: --strict: the input had malformed lines or unreadable files (see warnings above)');
      return EXIT_USAGE;
    }
    const result = await session.engine.query(sql, [], { label: 'query' });
    if (format === 'json') {
      const { toJson } = require('../detection/finding') as typeof import('../detection/finding');
      for (const row of result.rows) io.out(toJson(row));
      return EXIT_OK;
    }
    const columns = result.rows.length > 0 ? Object.keys(result.rows[0]!) : [];
    if (columns.length > 0)
      io.out(
        renderTable(
          columns,
          result.rows.map((r) => columns.map((c) => rawCell(r[c]))),
          { colors: colorsFor(io.stdout) },
        ),
      );
    io.out(`(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`);
    return EXIT_OK;
  } finally {
    await session.close();
  }
}

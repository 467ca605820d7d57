import { existsSync } from 'node:fs';
import type { Row, SqlParam } from '../detection/engine';
import type { SavedQuery } from '../infra/saved-queries';
import { EXIT_OK, EXIT_USAGE, UsageError } from './errors';
import { colorsFor, renderTable } from './format';
import type { Io } from './io';
import { type OutputFormat, parseFieldsOption, parseFormat, parseWindowFlags } from './options';
import { createProgress, progressWanted } from './progress';
import {
  hasLoadProblems,
  inputWindow,
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
  /** A shipped saved query (sql/queries) to run instead of SQL text. */
  saved?: string;
  /** `name=value` inputs of the saved query (repeatable). */
  param?: string[];
  since?: string;
  until?: string;
  listSaved?: boolean;
}

/** Raw values for a query table: the user asked for these columns, so no unit formatting. */
function rawCell(v: Row[string] | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  return typeof v === 'bigint' ? v.toString() : String(v);
}

/** What to run: the user's SQL, or a saved query with its inputs and optional window bounds. */
type QueryPlan =
  | { readonly kind: 'sql'; readonly sql: string; readonly paths: string[] }
  | {
      readonly kind: 'saved';
      readonly query: SavedQuery;
      readonly inputs: Record<string, SqlParam>;
      readonly since?: number;
      readonly until?: number;
      readonly paths: string[];
    };

/** Text that is SQL rather than a path: used to reject `query "<SQL>" --saved x` instead of reading it as a file. */
function looksLikeSql(text: string): boolean {
  return (
    !existsSync(text) &&
    (/^\s*(select|with|values|from|show|describe|explain)\b/i.test(text) || /\s/.test(text))
  );
}

function paramList(q: SavedQuery): string {
  const names = Object.keys(q.parameters);
  return names.length === 0 ? 'it takes no --param' : `its params: ${names.join(', ')}`;
}

/** Validate every option before reading any data, so a typo fails in milliseconds. */
async function planQuery(first: string | undefined, rest: string[], flags: QueryFlags): Promise<QueryPlan> {
  const positionals = first === undefined ? rest : [first, ...rest];
  if (flags.saved === undefined) {
    for (const [set, opt] of [
      [flags.param !== undefined, '--param'],
      [flags.since !== undefined, '--since'],
      [flags.until !== undefined, '--until'],
    ] as const)
      if (set) throw new UsageError(`${opt} only applies to a saved query (--saved <name>)`);
    if (first === undefined)
      throw new UsageError('give the SQL text (or --saved <name>) and the files to read');
    if (rest.length === 0) throw new UsageError('give at least one file or folder to read after the SQL');
    return { kind: 'sql', sql: first, paths: rest };
  }
  if (first !== undefined && looksLikeSql(first))
    throw new UsageError('give either SQL text or --saved <name>, not both');
  if (positionals.length === 0) throw new UsageError('give at least one file or folder to read');
  const { loadSavedQueries, findSavedQuery } = await import('../infra/saved-queries');
  const all = loadSavedQueries();
  const query = findSavedQuery(all, flags.saved);
  if (!query)
    throw new UsageError(
      `--saved: unknown saved query '${flags.saved}' (known: ${all.map((q) => q.name.replace(/^flowwatch-/, '')).join(', ')})`,
    );
  const inputs: Record<string, SqlParam> = {};
  for (const p of flags.param ?? []) {
    const eq = p.indexOf('=');
    const name = eq < 0 ? p.trim() : p.slice(0, eq).trim();
    if (eq < 0) throw new UsageError(`--param ${p}: use name=value (${paramList(query)})`);
    if (!Object.hasOwn(query.parameters, name))
      throw new UsageError(`--param: '${query.name}' has no parameter '${name}' (${paramList(query)})`);
    if (Object.hasOwn(inputs, name)) throw new UsageError(`--param: '${name}' given twice`);
    // A value, never SQL text: it is bound as a parameter.
    inputs[name] = p.slice(eq + 1);
  }
  const missing = Object.keys(query.parameters).filter((n) => !Object.hasOwn(inputs, n));
  if (missing.length > 0)
    throw new UsageError(
      `'${query.name}' needs ${missing.map((m) => `--param ${m}=<${query.parameters[m]}>`).join(', ')} (${paramList(query)})`,
    );
  const { since, until } = parseWindowFlags(flags);
  return { kind: 'saved', query, inputs, since, until, paths: positionals };
}

/**
 * `flowwatch query "<SQL>" <path...>`: the user's own SQL (Athena dialect, the Trino-compat
 * macros installed) over the same flow_logs table the detections read. With `--saved <name>`,
 * a shipped saved query instead, bound as the detection runner binds a window: the whole input
 * unless --since/--until narrow it, the responder's inputs from --param.
 */
export async function queryCommand(
  first: string | undefined,
  rest: string[],
  flags: QueryFlags,
  io: Io,
): Promise<number> {
  if (flags.listSaved) {
    if (first !== undefined || flags.saved !== undefined)
      throw new UsageError('--list-saved takes no SQL, --saved or paths');
    return savedQueriesCommand({ format: flags.format }, io);
  }
  const format = parseFormat(flags.format ?? 'table');
  const fields = parseFieldsOption(flags.fields);
  const memoryLimit = parseMemoryLimit(flags.memoryLimit);
  const plan = await planQuery(first, rest, flags);
  const { readContextOptions, printContextReport } = await import('./inventory');
  const context = await readContextOptions(flags.inventory, flags.threatIntel, flags);
  const progress = createProgress(progressWanted(flags.quiet));
  const session = await openSession(plan.paths, { fields, progress, memoryLimit, context });
  try {
    printLoadIssues(session.report, io.err);
    if (session.context) printContextReport(session.context, io.err, MAX_PRINTED_ISSUES, flags.quiet);
    // Like scan: with --strict a skipped line fails before any result is printed.
    if (flags.strict && (hasLoadProblems(session.report) || (session.context?.issues.length ?? 0) > 0)) {
      io.err('error: --strict: the input had malformed lines or unreadable files (see warnings above)');
      return EXIT_USAGE;
    }
    if (plan.kind === 'sql') {
      const result = await session.engine.query(plan.sql, [], { label: 'query' });
      printRows(result.rows, format, io);
      return EXIT_OK;
    }
    const window = await inputWindow(session, plan);
    if (window === null) {
      if (!flags.quiet) io.err('no records in the window');
      printRows([], format, io);
      return EXIT_OK;
    }
    const { start, end } = window;
    if (plan.since !== undefined || plan.until !== undefined) {
      // Saved queries bound only the window start (on Athena it ends now), so --until would do
      // nothing: shadow flow_logs with a temp view of the window. The bounds are integers parsed
      // from ISO times, never user text, and a view cannot take parameters.
      const db = await session.engine.query('SELECT current_database() AS db', [], { label: 'database' });
      const name = String(db.rows[0]?.db);
      if (!/^[A-Za-z0-9_]+$/.test(name) || !Number.isSafeInteger(start) || !Number.isSafeInteger(end))
        throw new UsageError(`cannot restrict flow_logs to the window (database '${name}')`);
      await session.engine.query(
        `CREATE TEMP VIEW flow_logs AS SELECT * FROM "${name}".main.flow_logs WHERE start >= ${start} AND start < ${end}`,
        [],
        { label: 'window view' },
      );
    }
    const { renderSavedQueryBound, savedQueryWindowValues } = await import('../infra/saved-queries');
    const { DEFAULT_INTERNAL_CIDRS, parseCidr } = await import('../detection/cidr');
    const rendered = renderSavedQueryBound(
      plan.query,
      { ...savedQueryWindowValues({ start, end }, session.engine.partitionGranularity), ...plan.inputs },
      DEFAULT_INTERNAL_CIDRS.map(parseCidr),
    );
    const result = await session.engine.query(rendered.sql, rendered.params, { label: plan.query.name });
    printRows(result.rows, format, io);
    // The shipped queries cap their output (as on Athena): say so rather than look complete.
    const limit = outerLimit(plan.query);
    if (limit !== undefined && result.rows.length >= limit)
      io.err(
        `warning: ${result.rows.length} rows is the saved query's own LIMIT ${limit}: there may be more; narrow it with --since/--until or --param`,
      );
    return EXIT_OK;
  } finally {
    await session.close();
  }
}

/** The LIMIT at the end of a saved query's SQL, if it has one. */
function outerLimit(q: SavedQuery): number | undefined {
  const text = q.template.map((p) => (p.kind === 'sql' ? p.text : ' ? ')).join('');
  const m = /\bLIMIT\s+(\d+)\s*;?\s*$/i.exec(text.replace(/--[^\n]*$/gm, '').trimEnd());
  return m ? Number(m[1]) : undefined;
}

function printRows(rows: readonly Row[], format: OutputFormat, io: Io): void {
  if (format === 'json') {
    const { toJson } = require('../detection/finding') as typeof import('../detection/finding');
    for (const row of rows) io.out(toJson(row));
    return;
  }
  const columns = rows.length > 0 ? Object.keys(rows[0]!) : [];
  if (columns.length > 0)
    io.out(
      renderTable(
        columns,
        rows.map((r) => columns.map((c) => rawCell(r[c]))),
        { colors: colorsFor(io.stdout) },
      ),
    );
  io.out(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
}

/** `flowwatch queries` / `flowwatch query --list-saved`: the shipped saved queries, their descriptions and params. */
export async function savedQueriesCommand(flags: { format?: string }, io: Io): Promise<number> {
  const format = parseFormat(flags.format ?? 'table');
  const { loadSavedQueries } = await import('../infra/saved-queries');
  const queries = loadSavedQueries();
  if (format === 'json') {
    for (const q of queries)
      io.out(
        JSON.stringify({
          id: q.name.replace(/^flowwatch-/, ''),
          name: q.name,
          description: q.description,
          parameters: q.parameters,
        }),
      );
    return EXIT_OK;
  }
  const c = colorsFor(io.stdout);
  for (const q of queries) {
    io.out(`${c.bold(q.name.replace(/^flowwatch-/, ''))}  (Athena: ${q.name})`);
    io.out(`  ${q.description.replace(/\s+/g, ' ')}`);
    for (const [n, d] of Object.entries(q.parameters)) io.out(`  --param ${n}=<value>  ${d}`);
    io.out('');
  }
  io.out(
    `${queries.length} saved queries; run one with: flowwatch query --saved <name> [--param name=value] <path...>`,
  );
  return EXIT_OK;
}

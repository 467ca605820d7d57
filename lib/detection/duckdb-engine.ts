import {
  type DuckDBConnection,
  DuckDBDateValue,
  DuckDBDecimalValue,
  type DuckDBPreparedStatement,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import { ensureContextTables } from '../context/context-tables';
import {
  normalizeInteger,
  type QueryEngine,
  type QueryOptions,
  type QueryResult,
  type Row,
  type SqlParam,
  type SqlValue,
} from './engine';
import { trinoCompatStatements } from './trino-compat';

/** Error from a DuckDB query, naming what the query was for. */
export class DuckDbQueryError extends Error {
  constructor(
    readonly label: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`duckdb query '${label}' failed: ${message}`, options);
    this.name = 'DuckDbQueryError';
  }
}

function isoFromMillis(ms: number): string {
  return new Date(ms).toISOString();
}

/** One DuckDB value as the engine-neutral row value promised by engine.ts. */
export function toSqlValue(v: DuckDBValue): SqlValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return normalizeInteger(v);
  // TIMESTAMP (naive) is read as UTC, which is what Athena's session time zone is.
  if (v instanceof DuckDBTimestampTZValue || v instanceof DuckDBTimestampValue)
    return v.isFinite ? isoFromMillis(Number(v.micros / 1000n)) : v.toString();
  if (v instanceof DuckDBTimestampMillisecondsValue)
    return v.isFinite ? isoFromMillis(Number(v.millis)) : v.toString();
  if (v instanceof DuckDBTimestampSecondsValue)
    return v.isFinite ? isoFromMillis(Number(v.seconds) * 1000) : v.toString();
  if (v instanceof DuckDBTimestampNanosecondsValue)
    return v.isFinite ? isoFromMillis(Number(v.nanos / 1_000_000n)) : v.toString();
  if (v instanceof DuckDBDateValue)
    return v.isFinite ? isoFromMillis(v.days * 86_400_000).slice(0, 10) : v.toString();
  if (v instanceof DuckDBDecimalValue) return v.toDouble();
  // Lists, structs, intervals, UUIDs, blobs: their DuckDB text form (Athena returns text too).
  return v.toString();
}

function bindParam(stmt: DuckDBPreparedStatement, index: number, p: SqlParam, label: string): void {
  if (typeof p === 'string') stmt.bindVarchar(index, p);
  else if (typeof p === 'bigint') stmt.bindBigInt(index, p);
  else if (typeof p === 'boolean') stmt.bindBoolean(index, p);
  else if (typeof p === 'number') {
    if (Number.isInteger(p)) {
      if (!Number.isSafeInteger(p))
        throw new DuckDbQueryError(label, `parameter ${index} (${p}) is not a safe integer; pass a bigint`);
      stmt.bindBigInt(index, BigInt(p));
    } else if (Number.isFinite(p)) stmt.bindDouble(index, p);
    else throw new DuckDbQueryError(label, `parameter ${index} is not a finite number (${p})`);
  } else throw new DuckDbQueryError(label, `parameter ${index} has unsupported type ${typeof p}`);
}

/**
 * Runs Athena-dialect SQL on an embedded DuckDB connection that holds a `flow_logs` table or view.
 * The Trino-compat macros are installed on the connection by `create`.
 */
export class DuckDbEngine implements QueryEngine {
  readonly name = 'duckdb';
  /** The local table's `dt` is the hour of each record's start (yyyy/MM/dd/HH). */
  readonly partitionGranularity = 'hour' as const;
  private closed = false;

  private constructor(private readonly conn: DuckDBConnection) {}

  static async create(conn: DuckDBConnection): Promise<DuckDbEngine> {
    for (const sql of trinoCompatStatements()) {
      try {
        await conn.run(sql);
      } catch (e) {
        throw new DuckDbQueryError('trino-compat macros', (e as Error).message, { cause: e });
      }
    }
    // Detections LEFT JOIN the context tables, which always exist on Athena (Glue): create them
    // empty here unless --inventory / --threat-intel already loaded them.
    await ensureContextTables(conn);
    return new DuckDbEngine(conn);
  }

  async query(sql: string, params: readonly SqlParam[], options: QueryOptions = {}): Promise<QueryResult> {
    const label = options.label ?? 'query';
    if (this.closed) throw new DuckDbQueryError(label, 'the engine is closed');
    const started = performance.now();
    let stmt: DuckDBPreparedStatement;
    try {
      stmt = await this.conn.prepare(sql);
    } catch (e) {
      throw new DuckDbQueryError(label, (e as Error).message, { cause: e });
    }
    try {
      if (stmt.parameterCount !== params.length)
        throw new DuckDbQueryError(
          label,
          `the SQL has ${stmt.parameterCount} ? placeholders but ${params.length} parameters were given`,
        );
      params.forEach((p, i) => {
        bindParam(stmt, i + 1, p, label);
      });
      let reader: Awaited<ReturnType<DuckDBPreparedStatement['runAndReadAll']>>;
      try {
        reader = await stmt.runAndReadAll();
      } catch (e) {
        throw new DuckDbQueryError(label, (e as Error).message, { cause: e });
      }
      const names = reader.columnNames();
      const rows: Row[] = reader.getRows().map((values) => {
        const row: Row = {};
        names.forEach((n, i) => {
          row[n] = toSqlValue(values[i] ?? null);
        });
        return row;
      });
      return { rows, stats: { durationMs: performance.now() - started } };
    } finally {
      stmt.destroySync();
    }
  }

  /** Closes the connection the engine was created with (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.conn.closeSync();
  }
}

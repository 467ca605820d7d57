/** A value bound to a `?` placeholder. Engines bind integers exactly (bigint or safe-integer number). */
export type SqlParam = string | number | bigint | boolean;

/**
 * A value in a result row. Integers come back as `number` when they are safe integers and as
 * `bigint` otherwise (so byte sums never lose precision); timestamps as ISO-8601 strings.
 */
export type SqlValue = string | number | bigint | boolean | null;

export type Row = Record<string, SqlValue>;

export interface QueryOptions {
  /** What the query is for (a detection id, "saved query x"); used in errors and logs. */
  readonly label?: string;
}

export interface QueryStats {
  /** Bytes the engine read to answer the query, when it reports them (Athena, Trino). */
  readonly bytesScanned?: number;
  readonly queryId?: string;
  readonly durationMs?: number;
}

export interface QueryResult {
  readonly rows: Row[];
  readonly stats: QueryStats;
}

/**
 * Runs Athena-dialect SQL with positional `?` parameters against a table named `flow_logs`.
 * Implementations: DuckDB (local files), Athena (Lambdas), Trino (conformance tests).
 */
export interface QueryEngine {
  readonly name: string;
  /** How the flow_logs table's `dt` partition column is formatted. */
  readonly partitionGranularity: 'hour' | 'day';
  query(sql: string, params: readonly SqlParam[], options?: QueryOptions): Promise<QueryResult>;
  close(): Promise<void>;
}

/** Integers that do not fit a JS number stay bigint; everything else becomes a plain number. */
export function normalizeInteger(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

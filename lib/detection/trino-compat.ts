/**
 * DuckDB macros that supply the Trino (Athena engine v3) functions FlowWatch SQL may use and
 * DuckDB lacks or names differently, so the same SQL text runs on both. Each entry states the
 * Trino semantics it stands in for; test/detection/trino-compat.test.ts checks them.
 *
 * The shipped detections deliberately need none of these (epoch-second columns, exact counts,
 * plain string functions) except regexp_like inside `{{ ipv6_to_hex(col) }}` (lib/detection/cidr.ts);
 * they exist for saved queries and `flowwatch query`, where responders write Athena SQL by hand.
 *
 * Known differences that no macro can hide (keep detection SQL away from them):
 * - `/` on two integers truncates on Trino but returns DOUBLE on DuckDB: CAST one side to DOUBLE.
 * - sum(bigint) is BIGINT on Trino and HUGEINT on DuckDB (the engine returns both as exact integers).
 * - regexp_like uses Java regex on Trino and RE2 on DuckDB (the same for ordinary patterns).
 * - date_add on a DATE returns DATE on Trino and TIMESTAMP here (the values agree).
 */
export interface TrinoCompatMacro {
  readonly name: string;
  /** The Trino function(s) it stands in for, as documented by Trino. */
  readonly trino: string;
  readonly sql: string;
}

export const TRINO_COMPAT_MACROS: readonly TrinoCompatMacro[] = [
  {
    name: 'from_unixtime',
    trino: 'from_unixtime(unixtime) -> timestamp(3) with time zone (UTC)',
    sql: 'CREATE OR REPLACE TEMP MACRO from_unixtime(x) AS to_timestamp(CAST(x AS DOUBLE))',
  },
  {
    name: 'to_unixtime',
    trino: 'to_unixtime(timestamp) -> double (seconds since the epoch, fraction kept)',
    sql: 'CREATE OR REPLACE TEMP MACRO to_unixtime(ts) AS epoch(ts)',
  },
  {
    name: 'approx_distinct',
    trino: 'approx_distinct(x [, e]) -> bigint, standard error 2.3% (or e)',
    // An exact count is inside any error bound. DuckDB's approx_count_distinct is not: it
    // answered 1249 for 1000 distinct values, which would move findings across thresholds.
    sql: 'CREATE OR REPLACE TEMP MACRO approx_distinct(x) AS count(DISTINCT x), (x, e) AS count(DISTINCT x)',
  },
  {
    name: 'regexp_like',
    trino: 'regexp_like(string, pattern) -> boolean (true when the pattern matches any part)',
    sql: 'CREATE OR REPLACE TEMP MACRO regexp_like(s, p) AS regexp_matches(s, p)',
  },
  {
    // DuckDB's own date_add(date, interval) stays available as the two-argument overload.
    name: 'date_add',
    trino: 'date_add(unit, value, timestamp) -> timestamp, unit one of millisecond..year',
    sql: `CREATE OR REPLACE TEMP MACRO date_add(d, i) AS d + i,
      (unit, n, ts) AS ts + CASE lower(unit)
        WHEN 'millisecond' THEN to_milliseconds(CAST(n AS BIGINT))
        WHEN 'second' THEN to_seconds(CAST(n AS BIGINT))
        WHEN 'minute' THEN to_minutes(CAST(n AS BIGINT))
        WHEN 'hour' THEN to_hours(CAST(n AS BIGINT))
        WHEN 'day' THEN to_days(CAST(n AS INTEGER))
        WHEN 'week' THEN to_days(CAST(n AS INTEGER) * 7)
        WHEN 'month' THEN to_months(CAST(n AS INTEGER))
        WHEN 'quarter' THEN to_months(CAST(n AS INTEGER) * 3)
        WHEN 'year' THEN to_years(CAST(n AS INTEGER))
        ELSE error('date_add: unsupported unit ' || unit)
      END`,
  },
];

/** Statements that install every macro on a DuckDB connection (TEMP: they live with the connection). */
export function trinoCompatStatements(): string[] {
  return TRINO_COMPAT_MACROS.map((m) => m.sql);
}

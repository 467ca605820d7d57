import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbEngine } from '../../lib/detection/duckdb-engine';
import type { Row } from '../../lib/detection/engine';
import { TRINO_COMPAT_MACROS } from '../../lib/detection/trino-compat';

/**
 * Each macro against the Trino behaviour it stands in for. Expected values are the examples and
 * rules in Trino's function documentation (Athena engine v3), not DuckDB's own output.
 */
describe('Trino-compat macros on DuckDB', () => {
  let instance: DuckDBInstance;
  let engine: DuckDbEngine;
  const tested = new Set<string>();
  const one = async (macro: string, sql: string, params: (string | number)[] = []): Promise<Row> => {
    tested.add(macro);
    const r = await engine.query(sql, params, { label: macro });
    return r.rows[0]!;
  };

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    engine = await DuckDbEngine.create(await instance.connect());
  });
  afterAll(async () => {
    await engine.close();
    instance.closeSync();
  });

  it('from_unixtime: Unix seconds (integer or fractional) to a UTC timestamp; NULL stays NULL', async () => {
    const r = await one(
      'from_unixtime',
      'SELECT from_unixtime(1700000000) AS a, from_unixtime(?) AS b, from_unixtime(1700000000.5) AS c, from_unixtime(NULL) AS d',
      [0],
    );
    expect(r).toEqual({
      a: '2023-11-14T22:13:20.000Z',
      b: '1970-01-01T00:00:00.000Z',
      c: '2023-11-14T22:13:20.500Z',
      d: null,
    });
  });

  it('to_unixtime: a timestamp to DOUBLE seconds, the inverse of from_unixtime', async () => {
    const r = await one(
      'to_unixtime',
      `SELECT to_unixtime(TIMESTAMP '1970-01-01 00:01:00') AS a, to_unixtime(from_unixtime(1700000000.25)) AS b,
              typeof(to_unixtime(TIMESTAMP '2024-05-01 00:00:00')) AS t`,
    );
    expect(r).toEqual({ a: 60, b: 1700000000.25, t: 'DOUBLE' });
  });

  it('approx_distinct: distinct non-NULL values (exact here, inside any error bound), 0 when all NULL', async () => {
    const r = await one(
      'approx_distinct',
      `SELECT approx_distinct(x) AS a, approx_distinct(x, 0.0040625) AS b, approx_distinct(CAST(NULL AS INTEGER)) AS c,
              approx_distinct(x % 7) AS d
       FROM range(100000) t(x)`,
    );
    expect(r).toEqual({ a: 100000, b: 100000, c: 0, d: 7 });
    // per group, as an aggregate
    const g = await engine.query(
      'SELECT x % 2 AS g, approx_distinct(x) AS n FROM range(10) t(x) GROUP BY x % 2 ORDER BY g',
      [],
    );
    expect(g.rows).toEqual([
      { g: 0, n: 5 },
      { g: 1, n: 5 },
    ]);
  });

  it('regexp_like: true when the pattern matches any part of the string; NULL in, NULL out', async () => {
    const r = await one(
      'regexp_like',
      `SELECT regexp_like('1a 2b 14m', '\\d+b') AS a, regexp_like('eni-0abc', '^eni-[0-9a-f]+$') AS b,
              regexp_like('xeni-0abc', '^eni') AS c, regexp_like(NULL, 'a') AS d, regexp_like(?, ?) AS e`,
      ['arn:aws:ecs:us-east-1:123:cluster/prod', 'cluster/(prod|stage)'],
    );
    expect(r).toEqual({ a: true, b: true, c: false, d: null, e: true });
  });

  it("date_add(unit, value, timestamp): Trino's units, negative values and month-end clamping", async () => {
    const r = await one(
      'date_add',
      `SELECT date_add('second', 86, TIMESTAMP '2020-03-01 00:00:00') AS s,
              date_add('hour', 9, TIMESTAMP '2020-03-01 00:00:00') AS h,
              date_add('day', -1, TIMESTAMP '2020-03-01 00:00:00') AS d,
              date_add('month', 1, TIMESTAMP '2020-01-31 00:00:00') AS m,
              date_add('quarter', 1, TIMESTAMP '2020-01-01 00:00:00') AS q,
              date_add('year', -1, TIMESTAMP '2020-02-29 00:00:00') AS y,
              date_add('week', 2, TIMESTAMP '2020-01-01 00:00:00') AS w,
              date_add('minute', 30, from_unixtime(1700000000)) AS tz,
              date_add('millisecond', 1500, TIMESTAMP '2020-01-01 00:00:00') AS ms,
              date_add('HOUR', ?, TIMESTAMP '2020-01-01 00:00:00') AS bound`,
      [2],
    );
    expect(r).toEqual({
      s: '2020-03-01T00:01:26.000Z',
      h: '2020-03-01T09:00:00.000Z',
      d: '2020-02-29T00:00:00.000Z',
      m: '2020-02-29T00:00:00.000Z',
      q: '2020-04-01T00:00:00.000Z',
      y: '2019-02-28T00:00:00.000Z',
      w: '2020-01-15T00:00:00.000Z',
      tz: '2023-11-14T22:43:20.000Z',
      ms: '2020-01-01T00:00:01.500Z',
      bound: '2020-01-01T02:00:00.000Z',
    });
    // DuckDB's own two-argument form keeps working for code that relies on it
    const two = await engine.query("SELECT date_add(DATE '2020-01-01', INTERVAL 1 DAY) AS v", []);
    expect(two.rows).toEqual([{ v: '2020-01-02T00:00:00.000Z' }]);
    await expect(
      engine.query("SELECT date_add('fortnight', 1, TIMESTAMP '2020-01-01')", [], { label: 'unit' }),
    ).rejects.toThrow(/unsupported unit fortnight/);
  });

  it('every installed macro has a test above', () => {
    expect([...tested].sort()).toEqual(TRINO_COMPAT_MACROS.map((m) => m.name).sort());
  });
});

import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DuckDbEngine, DuckDbQueryError } from '../../lib/detection/duckdb-engine';

describe('DuckDbEngine', () => {
  let instance: DuckDBInstance;
  let engine: DuckDbEngine;

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    engine = await DuckDbEngine.create(await instance.connect());
  });
  afterAll(async () => {
    await engine.close();
    instance.closeSync();
  });

  it('describes itself as an hourly-partitioned duckdb engine', () => {
    expect(engine.name).toBe('duckdb');
    expect(engine.partitionGranularity).toBe('hour');
  });

  it('binds ? parameters positionally with their JS types', async () => {
    // GIVEN a string, a safe integer, a bigint beyond 2^53, a fraction and a boolean
    const r = await engine.query(
      'SELECT ? AS s, typeof(?) AS t_int, ? AS big, typeof(?) AS t_dbl, ? AS b, ? + 1 AS sum_int',
      ["it's", 7, 2n ** 60n, 0.25, true, 2_147_483_647],
    );
    // THEN each comes back as bound: integers as BIGINT, strings unchanged (quotes included)
    expect(r.rows).toEqual([
      { s: "it's", t_int: 'BIGINT', big: 2n ** 60n, t_dbl: 'DOUBLE', b: true, sum_int: 2_147_483_648 },
    ]);
  });

  it('never interprets a bound string as SQL', async () => {
    const evil = "x' OR 1=1 --";
    const r = await engine.query('SELECT count(*) AS n FROM (VALUES (?)) t(v) WHERE v = ?', ['y', evil]);
    expect(r.rows).toEqual([{ n: 0 }]);
  });

  it('returns safe integers as numbers and larger sums (HUGEINT) exactly as bigint', async () => {
    // GIVEN byte counts whose sum passes 2^31 and another whose sum passes 2^53
    const r = await engine.query(
      `SELECT sum(b) AS over31, sum(b) * 3000000 AS over53, count(*) AS n
       FROM (VALUES (CAST(3000000000 AS BIGINT)), (CAST(3000000001 AS BIGINT))) t(b)`,
      [],
    );
    expect(r.rows).toEqual([{ over31: 6_000_000_001, over53: 18_000_000_003_000_000n, n: 2 }]);
    expect(typeof r.rows[0]!.over31).toBe('number');
  });

  it('returns timestamps and dates as ISO-8601 strings and decimals as numbers', async () => {
    const r = await engine.query(
      `SELECT from_unixtime(1700000000) AS tstz, TIMESTAMP '2024-05-01 10:00:00.250' AS ts,
              DATE '2024-05-01' AS d, CAST(1.5 AS DECIMAL(10, 2)) AS dec, CAST(NULL AS VARCHAR) AS n`,
      [],
    );
    expect(r.rows).toEqual([
      {
        tstz: '2023-11-14T22:13:20.000Z',
        ts: '2024-05-01T10:00:00.250Z',
        d: '2024-05-01',
        dec: 1.5,
        n: null,
      },
    ]);
  });

  it('keeps column order and reports a duration', async () => {
    const r = await engine.query('SELECT 1 AS z, 2 AS a', []);
    expect(Object.keys(r.rows[0]!)).toEqual(['z', 'a']);
    expect(typeof r.stats.durationMs).toBe('number');
  });

  it('names the query label in SQL errors', async () => {
    await expect(engine.query('SELECT * FROM no_such_table', [], { label: 'port-scan' })).rejects.toThrow(
      /duckdb query 'port-scan' failed: .*no_such_table/,
    );
    await expect(engine.query('SELEC 1', [], { label: 'bad-syntax' })).rejects.toBeInstanceOf(
      DuckDbQueryError,
    );
  });

  it('rejects a parameter count that does not match the placeholders', async () => {
    await expect(engine.query('SELECT ?, ?', [1], { label: 'count-check' })).rejects.toThrow(
      /'count-check' failed: the SQL has 2 \? placeholders but 1 parameters were given/,
    );
  });

  it('rejects unsafe or non-finite numbers instead of rounding them', async () => {
    await expect(engine.query('SELECT ?', [2 ** 60], { label: 'unsafe' })).rejects.toThrow(
      /not a safe integer/,
    );
    await expect(engine.query('SELECT ?', [Number.NaN], { label: 'nan' })).rejects.toThrow(
      /not a finite number/,
    );
  });

  it('runs many statements on one connection without leaking prepared statements', async () => {
    for (let i = 0; i < 50; i++) {
      const r = await engine.query('SELECT ? * 2 AS v', [i]);
      expect(r.rows[0]!.v).toBe(i * 2);
    }
  });
});

describe('DuckDbEngine.close', () => {
  it('closes its connection once and refuses further queries', async () => {
    // GIVEN an engine on its own connection
    const instance = await DuckDBInstance.create(':memory:');
    const conn: DuckDBConnection = await instance.connect();
    const engine = await DuckDbEngine.create(conn);
    // WHEN closed twice THEN the second close is a no-op and queries fail clearly
    await engine.close();
    await engine.close();
    await expect(engine.query('SELECT 1', [], { label: 'late' })).rejects.toThrow(
      /'late' failed: the engine is closed/,
    );
    instance.closeSync();
  });
});

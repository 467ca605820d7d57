import { TrinoEngine, TrinoQueryError } from '../../lib/detection/trino-engine';
import { trinoFromEnv } from './trino-server';

/**
 * TrinoEngine against the real server: parameters are bound as Athena binds ExecutionParameters
 * (literals in EXECUTE ... USING), so values arrive intact and typed and never become SQL;
 * errors name what the query was for and Trino's error.
 */

let engine: TrinoEngine;

beforeAll(() => {
  engine = new TrinoEngine({ url: trinoFromEnv().url, catalog: 'hive', schema: 'default' });
});

test('GIVEN a string that looks like SQL WHEN bound THEN it comes back as the same string', async () => {
  const evil = "x' OR 1=1 -- ; DROP TABLE flow_logs";
  const r = await engine.query('SELECT ? AS v, length(?) AS n', [evil, evil], { label: 'injection' });
  expect(r.rows).toEqual([{ v: evil, n: evil.length }]);
});

test('GIVEN integers past 2^31 and 2^53, a decimal and a boolean WHEN bound and returned THEN they are exact and typed', async () => {
  const big = 2n ** 53n + 1n;
  const r = await engine.query(
    'SELECT ? AS a, ? AS b, ? + 1 AS c, ? AS d, ? AS e',
    [3000000000, big, big, 0.25, true],
    {
      label: 'types',
    },
  );
  expect(r.rows).toEqual([{ a: 3000000000, b: big, c: big + 1n, d: 0.25, e: true }]);
  expect(r.columns.map((c) => c.type)).toEqual(['bigint', 'bigint', 'bigint', 'decimal', 'boolean']);
});

test('GIVEN a timestamp result WHEN returned THEN it is ISO-8601 UTC like the other engines', async () => {
  const r = await engine.query('SELECT from_unixtime(?) AS t', [1700000000], { label: 'time' });
  expect(r.rows).toEqual([{ t: '2023-11-14T22:13:20.000Z' }]);
});

test('GIVEN invalid SQL WHEN run THEN the error names the query and Trino error', async () => {
  const err = await engine.query('SELEC 1', [], { label: 'my-detection' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TrinoQueryError);
  expect((err as TrinoQueryError).message).toMatch(/^trino query 'my-detection' failed \(SYNTAX_ERROR\)/);
});

test('GIVEN fewer parameters than placeholders WHEN run THEN Trino refuses it', async () => {
  await expect(engine.query('SELECT ? + ?', [1], { label: 'params' })).rejects.toThrow(/params/);
});

test('GIVEN a non-finite or unsafe number WHEN bound THEN it is rejected before reaching Trino', async () => {
  await expect(engine.query('SELECT ?', [Number.NaN], { label: 'nan' })).rejects.toThrow(
    /not a finite number/,
  );
  await expect(engine.query('SELECT ?', [2 ** 60], { label: 'unsafe' })).rejects.toThrow(/bigint/);
});

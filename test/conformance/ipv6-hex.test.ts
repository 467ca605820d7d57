import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbEngine } from '../../lib/detection/duckdb-engine';
import type { QueryResult } from '../../lib/detection/engine';
import { parseSqlTemplate, renderSqlTemplate } from '../../lib/detection/sql-template';
import { TrinoEngine } from '../../lib/detection/trino-engine';
import { allIpv6Inputs, referenceHex } from '../detection/ipv6-hex-cases';
import { trinoFromEnv } from './trino-server';

/**
 * `{{ ipv6_to_hex(col) }}` on Trino gives what it gives on DuckDB and what Node parses, for the
 * same inputs as test/detection/ipv6-hex-sql.test.ts (forms, random addresses, NULL-by-design
 * dotted forms, junk such as a trailing newline, where Trino's regex `$` differs from RE2's).
 */
const inputs = allIpv6Inputs();
const template = 'SELECT i, {{ ipv6_to_hex(addr) }} AS hex FROM addrs ORDER BY i';

/** The inputs as a typed VALUES table named addrs, every value bound as a parameter. */
function addrsCte(): { sql: string; params: (string | number)[] } {
  const params: (string | number)[] = [];
  const rows = inputs.map((a, i) => {
    params.push(i);
    if (a === null) return '(CAST(? AS integer), CAST(NULL AS varchar))';
    params.push(a);
    return '(CAST(? AS integer), CAST(? AS varchar))';
  });
  return { sql: `WITH addrs AS (SELECT * FROM (VALUES ${rows.join(', ')}) AS t(i, addr)) `, params };
}

function render(): string {
  return renderSqlTemplate(parseSqlTemplate(template, 'ipv6-hex'), {}, [], 'ipv6-hex').sql;
}

test(`GIVEN ${inputs.length} address texts WHEN ipv6_to_hex runs on Trino THEN it equals DuckDB and Node for each`, async () => {
  const cte = addrsCte();
  const trino = new TrinoEngine({ url: trinoFromEnv().url, catalog: 'hive', schema: 'default' });
  const onTrino = await trino.query(cte.sql + render(), cte.params, { label: 'ipv6-hex' });

  const instance = await DuckDBInstance.create(':memory:');
  const duck = await DuckDbEngine.create(await instance.connect());
  let onDuck: QueryResult;
  try {
    onDuck = await duck.query(cte.sql + render(), cte.params, { label: 'ipv6-hex' });
  } finally {
    await duck.close();
    instance.closeSync();
  }

  const rows = (r: QueryResult) => r.rows.map((row) => ({ i: Number(row.i), hex: row.hex }));
  const node = inputs.map((a, i) => ({ i, hex: referenceHex(a) }));
  expect(rows(onTrino)).toEqual(node);
  expect(rows(onDuck)).toEqual(node);
  // the list exercises both outcomes on Trino
  expect(node.filter((r) => r.hex !== null).length).toBeGreaterThan(200);
  expect(node.filter((r) => r.hex === null).length).toBeGreaterThan(30);
});

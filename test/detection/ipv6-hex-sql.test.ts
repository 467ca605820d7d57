import { isIPv6 } from 'node:net';
import { DuckDBInstance } from '@duckdb/node-api';
import { ipv6ToHexSql } from '../../lib/detection/cidr';
import { DuckDbEngine } from '../../lib/detection/duckdb-engine';
import { parseSqlTemplate, renderSqlTemplate } from '../../lib/detection/sql-template';
import {
  allIpv6Inputs,
  IPV6_FORMS,
  IPV6_NULL_BY_DESIGN,
  NOT_IPV6,
  nodeSaysSameAddress,
  randomIpv6Forms,
  referenceHex,
} from './ipv6-hex-cases';

/**
 * `{{ ipv6_to_hex(col) }}` on DuckDB against Node's own IPv6 parsing, over written forms,
 * random addresses in every spelling, and inputs that must give NULL.
 */
describe('{{ ipv6_to_hex(col) }} on DuckDB', () => {
  let instance: DuckDBInstance;
  let engine: DuckDbEngine;
  const inputs = allIpv6Inputs();
  let got: Map<number, string | null>;

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    engine = await DuckDbEngine.create(await instance.connect());
    // the addresses as a table column, the way flow_logs holds them; values are bound, never spliced
    await engine.query('CREATE TABLE addrs (i INTEGER, addr VARCHAR)', []);
    for (const [i, a] of inputs.entries())
      if (a === null) await engine.query('INSERT INTO addrs VALUES (?, NULL)', [i]);
      else await engine.query('INSERT INTO addrs VALUES (?, ?)', [i, a]);
    const sql = renderSqlTemplate(
      parseSqlTemplate('SELECT i, {{ ipv6_to_hex(addr) }} AS hex FROM addrs ORDER BY i', 'test'),
      {},
      [],
      'test',
    ).sql;
    const r = await engine.query(sql, []);
    got = new Map(r.rows.map((row) => [Number(row.i), row.hex as string | null]));
  });
  afterAll(async () => {
    await engine.close();
    instance.closeSync();
  });

  it('the case lists mean what they say (Node is the judge)', () => {
    expect(IPV6_FORMS.filter((a) => !isIPv6(a))).toEqual([]);
    expect(IPV6_NULL_BY_DESIGN.filter((a) => !isIPv6(a))).toEqual([]);
    expect(NOT_IPV6.filter((a) => isIPv6(a))).toEqual([]);
    const random = randomIpv6Forms(200);
    expect(random.filter((a) => !isIPv6(a))).toEqual([]);
    // every spelling is there: '::' at the start, middle and end, upper case, leading zeros
    expect(random.some((a) => a.startsWith('::'))).toBe(true);
    expect(random.some((a) => a.endsWith('::'))).toBe(true);
    expect(random.some((a) => /\w::\w/.test(a))).toBe(true);
    expect(random.some((a) => /[A-F]/.test(a))).toBe(true);
    expect(random.some((a) => /(^|:)0\w/.test(a))).toBe(true);
  });

  it('returns what Node parses for every input (32 lowercase hex digits or NULL)', () => {
    const want = inputs.map((a, i) => ({ i, a, hex: referenceHex(a) }));
    expect(inputs.map((a, i) => ({ i, a, hex: got.get(i) }))).toEqual(want);
    expect(inputs.at(-1)).toBeNull();
  });

  it('gives the same 128-bit value as node:net for every address it returns', () => {
    const mismatches = inputs.flatMap((a, i) => {
      const hex = got.get(i);
      if (a === null || !hex) return [];
      return /^[0-9a-f]{32}$/.test(hex) && nodeSaysSameAddress(a, hex) ? [] : [{ a, hex }];
    });
    expect(mismatches).toEqual([]);
    // and it did return an address for each plain IPv6 form
    expect(IPV6_FORMS.filter((a) => !got.get(inputs.indexOf(a)))).toEqual([]);
  });

  it('spells a few addresses as expected (read by a person, not computed)', () => {
    const of = (a: string) => got.get(inputs.indexOf(a));
    expect(of('::')).toBe('00000000000000000000000000000000');
    expect(of('::1')).toBe('00000000000000000000000000000001');
    expect(of('2001:db8::')).toBe('20010db8000000000000000000000000');
    expect(of('2001:db8:0:0:1::1')).toBe('20010db8000000000001000000000001');
    expect(of('2001:DB8:0:0:1::1')).toBe('20010db8000000000001000000000001');
    expect(of('1:2:3:4:5:6:7::')).toBe('00010002000300040005000600070000');
    expect(of('::ffff:198.51.100.66')).toBeNull();
    expect(of('198.51.100.66')).toBeNull();
  });

  it('is one expression of portable string functions that names only the column', () => {
    const sql = ipv6ToHexSql('a.addr');
    // only these functions: all exist on Trino and DuckDB (regexp_like via lib/detection/trino-compat.ts)
    const fns = new Set([...sql.matchAll(/\b([a-z_]+)\(/g)].map((m) => m[1]!));
    expect([...fns].sort()).toEqual([
      'concat',
      'length',
      'lower',
      'lpad',
      'regexp_like',
      'replace',
      'split_part',
      'substr',
    ]);
    expect(
      sql
        .replace(/'[^']*'/g, "''")
        .match(/\b[a-z_]+\.[a-z_]+\b/g)
        ?.every((c) => c === 'a.addr'),
    ).toBe(true);
    expect(() => ipv6ToHexSql("addr'; DROP TABLE x; --")).toThrow(/invalid column/);
    // no '?' anywhere, not even in a literal: named queries are run in the Athena console, which
    // asks for a value for each '?'
    expect(sql).not.toContain('?');
  });
});

import { BlockList } from 'node:net';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Cidr, cidrMembershipSql, DEFAULT_INTERNAL_CIDRS, parseCidr } from '../../lib/detection/cidr';
import { DuckDbEngine } from '../../lib/detection/duckdb-engine';

/**
 * The portable CIDR SQL, evaluated by DuckDB, against node's own subnet matcher (BlockList) as
 * the reference. Addresses write out the hextets a prefix covers (the documented limit of the
 * string-based IPv6 match); NULL and junk are never internal.
 */
const ADDRESSES = [
  '10.0.0.1',
  '10.255.255.255',
  '9.255.255.255',
  '11.0.0.0',
  '172.15.255.255',
  '172.16.0.0',
  '172.31.255.255',
  '172.32.0.0',
  '192.168.0.1',
  '192.169.0.1',
  '192.167.255.255',
  '100.63.255.255',
  '100.64.0.1',
  '100.127.255.255',
  '100.128.0.0',
  '8.8.8.8',
  '1.1.1.1',
  '0.0.0.0',
  '255.255.255.255',
  '203.0.113.77',
  '127.0.0.1',
  '169.254.169.253',
  'fc00:0:0:0:0:0:0:1',
  'fd12:3456:789a:1::10',
  'FD12:3456:789A:1::10',
  'fdff:ffff::1',
  'fe80:0:0:0:0:0:0:1',
  'fbff:ffff::1',
  '2001:db8::1',
  '2001:db8:ffff:1::1',
  '2001:db9::1',
  '2600:1f18:abcd:1::10',
  '2600:1f18:abce:1::10',
];

/** Values that are not addresses: never inside, whatever the list (no '.' and no real hextet). */
const JUNK = ['', 'not-an-ip', '::', ':', '-'];

const LISTS: Record<string, string[]> = {
  default: [...DEFAULT_INTERNAL_CIDRS],
  'one /8': ['10.0.0.0/8'],
  'overlapping and same first octet': ['10.1.0.0/16', '10.0.0.0/8', '172.16.0.0/13', '172.24.0.0/13'],
  'hosts and /31': ['203.0.113.77/32', '8.8.8.8/31'],
  'short prefixes': ['0.0.0.0/1', '192.0.0.0/3'],
  'short prefix over a longer one': ['0.0.0.0/1', '10.1.0.0/16', '172.16.0.0/12'],
  'everything v4': ['0.0.0.0/0'],
  'v6 only': ['2001:db8::/32', '2600:1f18:abcd::/48', 'fc00::/7'],
  'v6 partial hextet': ['2600:1f18:abc0::/44', 'fe80::/10'],
  'v6 /64': ['2001:db8:ffff:1::/64'],
  mixed: ['100.64.0.0/10', 'fd00::/8', '192.168.0.0/24'],
  none: [],
};

function reference(addr: string, cidrs: readonly Cidr[]): boolean {
  const bl = new BlockList();
  for (const c of cidrs) {
    const [net, prefix] = c.text.split('/') as [string, string];
    bl.addSubnet(net, Number(prefix), c.family === 4 ? 'ipv4' : 'ipv6');
  }
  return bl.check(addr, addr.includes(':') ? 'ipv6' : 'ipv4');
}

describe('cidrMembershipSql on DuckDB matches a subnet reference', () => {
  let instance: DuckDBInstance;
  let engine: DuckDbEngine;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    engine = await DuckDbEngine.create(await instance.connect());
    // addresses as a table column, so the SQL sees them as data, the way flow_logs holds them
    await engine.query(`CREATE TABLE addrs (i INTEGER, addr VARCHAR)`, []);
    for (const [i, a] of [...ADDRESSES, ...JUNK].entries())
      await engine.query('INSERT INTO addrs VALUES (?, ?)', [i, a]);
    await engine.query('INSERT INTO addrs VALUES (-1, NULL)', []);
  });
  afterAll(async () => {
    await engine.close();
    instance.closeSync();
  });

  it.each(Object.entries(LISTS))('%s', async (_name, list) => {
    // GIVEN a CIDR list WHEN each address is tested in SQL
    const cidrs = list.map(parseCidr);
    const r = await engine.query(
      `SELECT addr, ${cidrMembershipSql('addr', cidrs)} AS inside FROM addrs ORDER BY i`,
      [],
    );
    // THEN every address agrees with the reference, and NULL or junk is false (never NULL)
    const got = r.rows.map((row) => ({ addr: row.addr, inside: row.inside }));
    const want = r.rows.map((row) => ({
      addr: row.addr,
      inside:
        typeof row.addr === 'string' && ADDRESSES.includes(row.addr)
          ? reference(row.addr.toLowerCase(), cidrs)
          : false,
    }));
    expect(got).toEqual(want);
  });
});

describe('{{ ipv4_to_int(col) }}', () => {
  it('renders the IPv4-as-integer expression that matches threat_intel ranges, NULL for the rest', async () => {
    // GIVEN a template using the macro
    const { parseSqlTemplate, renderSqlTemplate } = await import('../../lib/detection/sql-template');
    const r = renderSqlTemplate(
      parseSqlTemplate('SELECT a, {{ ipv4_to_int(a) }} AS n FROM t ORDER BY a', 'test'),
      {},
      [],
      'test',
    );
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      await conn.run(
        "CREATE TABLE t AS SELECT unnest(['0.0.0.0', '203.0.113.9', '255.255.255.255', '2001:db8::1', 'junk', NULL]) AS a",
      );
      // WHEN DuckDB evaluates it
      const rows = (await conn.runAndReadAll(r.sql)).getRowsJS();
      // THEN IPv4 addresses become their unsigned 32-bit value (node computes the reference), others NULL
      const ref = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
      expect(rows).toEqual([
        ['0.0.0.0', BigInt(ref('0.0.0.0'))],
        ['2001:db8::1', null],
        ['203.0.113.9', BigInt(ref('203.0.113.9'))],
        ['255.255.255.255', BigInt(ref('255.255.255.255'))],
        ['junk', null],
        [null, null],
      ]);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ensureContextTables } from '../../lib/context/context-tables';
import { type EniRecord, parseDescribeNetworkInterfaces } from '../../lib/context/eni-inventory';
import {
  inventoryKey,
  loadInventory,
  writeInventory,
  writeInventorySnapshot,
} from '../../lib/context/inventory-store';
import { ACCOUNT, DUMP_INTERFACES, dumpJson, REGION } from './eni-fixtures';

const T1 = 1768467600; // 2026-01-15T09:00:00Z
const T2 = T1 + 3600 + 125; // 2026-01-15T10:02:05Z

let dir: string;
let instance: DuckDBInstance;
let conn: DuckDBConnection;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'flowwatch-inv-test-'));
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
});
afterEach(() => {
  conn.closeSync();
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

function records(t: number, interfaces = DUMP_INTERFACES): EniRecord[] {
  return parseDescribeNetworkInterfaces(dumpJson(interfaces), { snapshotTime: t });
}

async function rows(sql: string): Promise<unknown[][]> {
  return (await conn.runAndReadAll(sql)).getRowsJS() as unknown[][];
}

describe('inventory files', () => {
  it('lays files out by account, region and dt hour', () => {
    expect(inventoryKey({ account: ACCOUNT, region: REGION, snapshotTime: T2, format: 'parquet' })).toBe(
      'eni-inventory/111122223333/us-east-1/2026/01/15/10/eni-inventory-111122223333-us-east-1-20260115T100205Z.parquet',
    );
    expect(() =>
      inventoryKey({ account: '1234', region: REGION, snapshotTime: T1, format: 'jsonl.gz' }),
    ).toThrow(/account: '1234' is not a 12-digit/);
    expect(() =>
      inventoryKey({ account: ACCOUNT, region: 'us-east-1/../x', snapshotTime: T1, format: 'jsonl.gz' }),
    ).toThrow(/region: /);
  });

  it('refuses records of another account or snapshot than the file names', async () => {
    const recs = records(T1);
    await expect(
      writeInventory(recs, dir, {
        account: '444455556666',
        region: REGION,
        snapshotTime: T1,
        format: 'jsonl.gz',
      }),
    ).rejects.toThrow(
      /records\[0\] \(eni-0ec2000000000001\) is in 111122223333\/us-east-1, not 444455556666/,
    );
  });

  it.each(['jsonl.gz', 'parquet'] as const)(
    'round-trips every column through %s into eni_inventory',
    async (format) => {
      // GIVEN a snapshot written in this format
      const recs = records(T1);
      const file = await writeInventory(recs, dir, {
        account: ACCOUNT,
        region: REGION,
        snapshotTime: T1,
        format,
      });
      expect(
        file.startsWith(path.join(dir, 'eni-inventory', ACCOUNT, REGION, '2026', '01', '15', '09')),
      ).toBe(true);
      // WHEN the folder is loaded
      const res = await loadInventory(conn, [dir]);
      // THEN one row per interface, with arrays, map and Name tag intact
      expect(res).toEqual({
        files: 1,
        rows: recs.length,
        snapshots: [{ account_id: ACCOUNT, region: REGION, snapshot_time: T1, interfaces: recs.length }],
      });
      const web = await rows(
        `SELECT owner_type, owner_id, instance_id, private_ips, public_ips, ipv6_ips, security_groups, name_tag,
              tags['team'], requester_managed, snapshot_time
       FROM eni_inventory WHERE interface_id = 'eni-0ec2000000000001'`,
      );
      expect(web).toEqual([
        [
          'ec2_instance',
          'i-0web0000000000001',
          'i-0web0000000000001',
          ['10.0.1.10', '10.0.1.11'],
          ['198.51.100.10', '198.51.100.11'],
          ['2600:1f18:aaaa:bbbb::10'],
          ['sg-0web', 'sg-0ssh'],
          'web-1',
          'shop',
          false,
          BigInt(T1),
        ],
      ]);
      const counts = await rows(
        'SELECT owner_type, count(*)::INTEGER FROM eni_inventory GROUP BY ALL ORDER BY 1',
      );
      const expected = new Map<string, number>();
      for (const r of recs) expected.set(r.owner_type, (expected.get(r.owner_type) ?? 0) + 1);
      expect(counts).toEqual([...expected.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
    },
  );

  it('eni_ips gives one row per address for joins by address', async () => {
    await writeInventory(records(T1), dir, {
      account: ACCOUNT,
      region: REGION,
      snapshotTime: T1,
      format: 'jsonl.gz',
    });
    await loadInventory(conn, [dir]);
    // GIVEN flows to the ALB's private address and the instance's public one
    await conn.run(`CREATE TABLE flows AS SELECT * FROM (VALUES ('203.0.113.9', '10.0.2.20'), ('203.0.113.9', '198.51.100.11'),
      ('203.0.113.9', '10.9.9.9')) t(srcaddr, dstaddr)`);
    // WHEN joined with eni_ips by address
    const joined = await rows(`SELECT f.dstaddr, e.ip_kind, e.owner_type, e.owner_id, e.name_tag
      FROM flows f LEFT JOIN eni_ips e ON e.ip = f.dstaddr ORDER BY f.dstaddr`);
    // THEN each known address names its entity and the unknown one stays unmatched
    expect(joined).toEqual([
      ['10.0.2.20', 'private', 'elb_alb', 'orders-alb', null],
      ['10.9.9.9', null, null, null, null],
      ['198.51.100.11', 'public', 'ec2_instance', 'i-0web0000000000001', 'web-1'],
    ]);
    const total = await rows('SELECT count(*)::INTEGER FROM eni_ips');
    const recs = records(T1);
    expect(total[0]![0]).toBe(
      recs.reduce((s, r) => s + r.private_ips.length + r.public_ips.length + r.ipv6_ips.length, 0),
    );
  });

  it('keeps the latest snapshot per account and region, or the latest at --as-of', async () => {
    // GIVEN two snapshots of one account (the second lost an interface) and one of another account
    await writeInventory(records(T1), dir, {
      account: ACCOUNT,
      region: REGION,
      snapshotTime: T1,
      format: 'jsonl.gz',
    });
    await writeInventory(records(T2, DUMP_INTERFACES.slice(1)), dir, {
      account: ACCOUNT,
      region: REGION,
      snapshotTime: T2,
      format: 'parquet',
    });
    const other = DUMP_INTERFACES.slice(0, 2).map((n) => ({ ...n, OwnerId: '444455556666' }));
    await writeInventory(records(T1, other), dir, {
      account: '444455556666',
      region: REGION,
      snapshotTime: T1,
      format: 'jsonl.gz',
    });
    // WHEN loaded without and with asOf
    const latest = await loadInventory(conn, [dir]);
    expect(latest.snapshots).toEqual([
      { account_id: ACCOUNT, region: REGION, snapshot_time: T2, interfaces: DUMP_INTERFACES.length - 1 },
      { account_id: '444455556666', region: REGION, snapshot_time: T1, interfaces: 2 },
    ]);
    expect(
      await rows(`SELECT count(*)::INTEGER FROM eni_inventory WHERE interface_id = 'eni-0ec2000000000001'`),
    ).toEqual([[1]]);
    const before = await loadInventory(conn, [dir], { asOf: T2 - 1 });
    expect(before.snapshots.map((s) => [s.account_id, s.snapshot_time])).toEqual([
      [ACCOUNT, T1],
      ['444455556666', T1],
    ]);
    const all = await loadInventory(conn, [dir], { allSnapshots: true });
    expect(all.rows).toBe(DUMP_INTERFACES.length * 2 - 1 + 2);
    expect(all.files).toBe(3);
  });

  it('lets an empty snapshot supersede the previous one (every interface deleted)', async () => {
    // GIVEN a snapshot with interfaces, then a later empty one for the same account and region
    await writeInventory(records(T1), dir, {
      account: ACCOUNT,
      region: REGION,
      snapshotTime: T1,
      format: 'jsonl.gz',
    });
    await writeInventory([], dir, { account: ACCOUNT, region: REGION, snapshotTime: T2, format: 'parquet' });
    await writeInventory([], dir, { account: ACCOUNT, region: REGION, snapshotTime: T2, format: 'jsonl.gz' });
    // WHEN loaded
    const res = await loadInventory(conn, [dir]);
    // THEN the empty snapshot is the latest and no stale interface remains
    expect(res.snapshots).toEqual([
      { account_id: ACCOUNT, region: REGION, snapshot_time: T2, interfaces: 0 },
    ]);
    expect(await rows('SELECT count(*)::INTEGER FROM eni_inventory')).toEqual([[0]]);
    // AND as of before it, the earlier snapshot is what existed
    const before = await loadInventory(conn, [dir], { asOf: T2 - 1 });
    expect(before.rows).toBe(DUMP_INTERFACES.length);
  });

  it('splits a multi-account, multi-region dump into one file per account and region', async () => {
    // GIVEN one dump whose interfaces span two accounts and two regions
    const mixed = [
      ...DUMP_INTERFACES.slice(0, 2),
      { ...DUMP_INTERFACES[2]!, OwnerId: '444455556666' },
      { ...DUMP_INTERFACES[3]!, AvailabilityZone: 'eu-west-1b' },
    ];
    // WHEN written as one snapshot
    const files = await writeInventorySnapshot(records(T1, mixed), dir, {
      snapshotTime: T1,
      format: 'jsonl.gz',
    });
    // THEN three files, each in its own partition, and all rows load back
    expect(files.map((f) => path.relative(dir, f).split(path.sep).slice(1, 3).join('/'))).toEqual([
      '111122223333/eu-west-1',
      '111122223333/us-east-1',
      '444455556666/us-east-1',
    ]);
    const res = await loadInventory(conn, [dir]);
    expect(res.snapshots.map((s) => [s.account_id, s.region, s.interfaces])).toEqual([
      [ACCOUNT, 'eu-west-1', 1],
      [ACCOUNT, REGION, 2],
      ['444455556666', REGION, 1],
    ]);
  });

  it('fails loudly, naming the file, on a corrupt inventory file', async () => {
    await writeInventory(records(T1), dir, {
      account: ACCOUNT,
      region: REGION,
      snapshotTime: T1,
      format: 'jsonl.gz',
    });
    const bad = path.join(dir, 'broken.jsonl');
    writeFileSync(bad, '{"interface_id": "eni-1", "private_ips": "not-a-list"\n');
    await expect(loadInventory(conn, [dir])).rejects.toThrow(/cannot read inventory: .*broken\.jsonl/);
    await expect(loadInventory(conn, [path.join(dir, 'missing')])).rejects.toThrow(
      /inventory path does not exist/,
    );
  });
});

describe('partition columns and empty context tables', () => {
  it('gives each loaded row the partition columns of its file (account, region, dt hour)', async () => {
    // GIVEN a snapshot taken at 10:02:05 UTC
    await writeInventory(records(T2), dir, {
      account: ACCOUNT,
      region: REGION,
      snapshotTime: T2,
      format: 'jsonl.gz',
    });
    // WHEN it is loaded
    await loadInventory(conn, [dir]);
    // THEN every row carries the Athena table's partition values, so `dt` pruning runs unchanged
    expect(await rows('SELECT DISTINCT aws_account_id, aws_region, dt FROM eni_inventory')).toEqual([
      [ACCOUNT, REGION, '2026/01/15/10'],
    ]);
  });

  it('creates empty context tables that detections can join, and keeps loaded ones', async () => {
    // GIVEN a session where no inventory or list was given
    await ensureContextTables(conn);
    // THEN the tables and the view exist and are empty
    expect(await rows('SELECT count(*) FROM eni_inventory')).toEqual([[0n]]);
    expect(await rows('SELECT count(*) FROM threat_intel')).toEqual([[0n]]);
    expect(await rows('SELECT count(*) FROM eni_ips')).toEqual([[0n]]);
    // AND when an inventory was loaded first, ensuring again keeps its rows
    await writeInventory(records(T1), dir, {
      account: ACCOUNT,
      region: REGION,
      snapshotTime: T1,
      format: 'jsonl.gz',
    });
    await loadInventory(conn, [dir]);
    await ensureContextTables(conn);
    expect((await rows('SELECT count(*) FROM eni_inventory'))[0]![0]).toBe(BigInt(DUMP_INTERFACES.length));
  });
});

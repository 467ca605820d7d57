import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import { ensureContextTables } from '../../lib/context/context-tables';
import { loadInventory, writeInventory } from '../../lib/context/inventory-store';
import { loadThreatIntel, parseThreatIntel } from '../../lib/context/threat-intel';
import { DEFAULT_INTERNAL_CIDRS, parseCidr } from '../../lib/detection/cidr';
import { DuckDbEngine } from '../../lib/detection/duckdb-engine';
import type { Row } from '../../lib/detection/engine';
import { loadSavedQueries, renderSavedQueryBound } from '../../lib/infra/saved-queries';
import { createFlowTable } from '../helpers/flow-table';
import { ACCOUNT, contextFixture, ENI, REGION } from './context-query-fixture';

/**
 * The saved queries that join the context tables (issue 7's responder investigations), on
 * DuckDB over a fixture inventory (three snapshots, one before the window's partitions) and
 * threat-intel lists loaded the way the CLI loads them. Each expected row has look-alikes in the
 * fixture that must not come out.
 */
const T = Date.UTC(2026, 0, 15, 10, 0, 0) / 1000;
const fx = contextFixture(T);
const internal = DEFAULT_INTERNAL_CIDRS.map(parseCidr);
const queries = loadSavedQueries();

let dir: string;
let instance: DuckDBInstance;
let engine: DuckDbEngine;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'flowwatch-ctx-queries-'));
  let conn: Awaited<ReturnType<typeof createFlowTable>>['conn'];
  ({ instance, conn } = await createFlowTable(fx.flows));
  for (const s of fx.snapshots)
    await writeInventory(s.records, dir, {
      account: ACCOUNT,
      region: REGION,
      snapshotTime: s.time,
      format: s.time === fx.snapshots[1]!.time ? 'parquet' : 'jsonl.gz',
    });
  // Every snapshot in the table, as on Athena: the queries must pick the latest per interface.
  await loadInventory(conn, [dir], { allSnapshots: true });
  for (const l of fx.threatLists)
    await loadThreatIntel(conn, parseThreatIntel(l.text, { file: l.file }).records);
  await ensureContextTables(conn);
  engine = await DuckDbEngine.create(conn);
});
afterAll(async () => {
  await engine.close();
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

async function run(id: string): Promise<Row[]> {
  const q = queries.find((x) => x.name === `flowwatch-${id}`);
  if (!q) throw new Error(`no saved query ${id}`);
  const { sql, params } = renderSavedQueryBound(q, fx.window, internal);
  return (await engine.query(sql, params, { label: id })).rows;
}

const pick = (rows: Row[], cols: string[]) => rows.map((r) => cols.map((c) => r[c] ?? null));

test('the inventory holds every snapshot (so the queries, not the loader, choose the latest)', async () => {
  const r = await engine.query('SELECT count(DISTINCT snapshot_time) AS n FROM eni_inventory', []);
  expect(r.rows[0]!.n).toBe(3);
});

test('internal-services-from-outside: web-1 SSH from two sources, and interfaces the inventory does not know', async () => {
  const rows = await run('internal-services-from-outside');
  expect(
    pick(rows, ['owner_type', 'entity_id', 'name_tag', 'dstport', 'distinct_sources', 'flows', 'bytes']),
  ).toEqual([
    ['ec2_instance', 'i-0web0000000000001', 'web-1', 22, 2, 2, 7000],
    // only in a snapshot older than the inventory lookback: not read, so not named
    [null, ENI.gone, null, 25, 1, 1, 1000],
    [null, ENI.unknown, null, 8080, 1, 1, 500],
  ]);
  // Look-alikes: the ALB, NAT and endpoint, web-2's reply traffic, the REJECT, the internal client.
  expect(rows.some((r) => r.entity_id === 'orders-alb' || r.dstport === 443 || r.dstport === 3389)).toBe(
    false,
  );
});

test('database-data-to-outside: the RDS interface on any port and a MongoDB port, bytes first', async () => {
  const rows = await run('database-data-to-outside');
  expect(
    pick(rows, [
      'owner_type',
      'owner_id',
      'name_tag',
      'matched_by',
      'srcaddr',
      'srcport',
      'dstaddr',
      'flows',
      'bytes',
    ]),
  ).toEqual([
    ['rds', null, 'orders-db', 'rds_interface', '10.0.3.60', 15432, '198.51.100.200', 1, 9_000_000],
    [
      'ec2_instance',
      'i-0mongo000000000001',
      'mongo-1',
      'database_port',
      '10.0.3.70',
      27017,
      '203.0.113.150',
      2,
      6_000_000,
    ],
  ]);
  // Look-alikes: RDS to an internal client (7 MB), a DB port to a server port (6 MB), HTTPS out (8 MB).
  expect(rows.some((r) => ['10.0.1.10', '203.0.113.5', '203.0.113.6'].includes(String(r.dstaddr)))).toBe(
    false,
  );
});

test('threat-intel-traffic: ACCEPTed first, each with its list entry and the local entity', async () => {
  const rows = await run('threat-intel-traffic');
  expect(
    pick(rows, [
      'direction',
      'action',
      'listed_addr',
      'listed_cidr',
      'intel_source',
      'intel_description',
      'listed_port',
      'remote_port',
      'local_addr',
      'local_port',
      'owner_id',
      'name_tag',
      'flows',
      'bytes',
    ]),
  ).toEqual([
    [
      'to_listed',
      'ACCEPT',
      '203.0.113.150',
      '203.0.113.128/25',
      'drop',
      'SBL000001',
      null,
      51000,
      '10.0.3.70',
      27017,
      'i-0mongo000000000001',
      'mongo-1',
      2,
      6_000_000,
    ],
    // IPv6: inside the listed /48 (2001:db8::46, just outside it, is not reported)
    [
      'to_listed',
      'ACCEPT',
      '2001:db8:46::1',
      '2001:db8:46::/48',
      'drop_v6',
      'SBL000002',
      null,
      443,
      '2600:1f18::10',
      41005,
      'i-0web0000000000001',
      'web-1',
      1,
      1500,
    ],
    [
      'to_listed',
      'REJECT',
      '192.0.2.46',
      '192.0.2.46/32',
      'feodotracker',
      'Emotet botnet C2 (online, last online 2026-01-15)',
      8080,
      8080,
      '10.0.1.10',
      41002,
      'i-0web0000000000001',
      'web-1',
      1,
      1000,
    ],
    [
      'from_listed',
      'REJECT',
      '203.0.113.200',
      '203.0.113.128/25',
      'drop',
      'SBL000001',
      null,
      44444,
      '10.0.1.11',
      22,
      'i-0web0000000000002',
      'web-2',
      1,
      1000,
    ],
  ]);
  // Look-alikes: 192.0.2.47 (next to the C2), 203.0.113.9 and .5/.6 (outside the /25), IPv6.
  const listed = rows.map((r) => r.listed_addr);
  for (const a of ['192.0.2.47', '203.0.113.9', '203.0.113.5', '203.0.113.6', '2001:db8::46'])
    expect(listed).not.toContain(a);
});

test('load-balancer-targets: each LB with its targets named in the same VPC, from either side of the connection', async () => {
  const rows = await run('load-balancer-targets');
  expect(
    pick(rows, [
      'lb_type',
      'lb_name',
      'target_addr',
      'target_port',
      'target_owner_type',
      'target_instance_id',
      'target_name_tag',
      'seen_on',
      'flows',
      'bytes',
    ]),
  ).toEqual([
    // logged only on web-1's interface (the NLB's own log of it is not in the fixture)
    [
      'elb_nlb',
      'api-nlb',
      '10.0.1.10',
      9000,
      'ec2_instance',
      'i-0web0000000000001',
      'web-1',
      'target',
      1,
      800,
    ],
    ['elb_nlb', 'api-nlb', '10.0.4.4', 9000, null, null, null, 'load_balancer', 1, 700],
    // logged on both sides: the ALB's record has 2 flows and 4000 bytes, web-1's 1 and 2000; not summed
    [
      'elb_alb',
      'orders-alb',
      '10.0.1.10',
      8080,
      'ec2_instance',
      'i-0web0000000000001',
      'web-1',
      'both',
      2,
      4000,
    ],
    [
      'elb_alb',
      'orders-alb',
      '10.0.1.11',
      8080,
      'ec2_instance',
      'i-0web0000000000002',
      'web-2',
      'both',
      1,
      2500,
    ],
  ]);
  // Look-alikes: the ALB answering a client (10.0.5.5), a target's reply to the ALB, other-1 in VPC B.
  expect(rows.some((r) => r.target_addr === '10.0.5.5' || r.target_addr === '10.0.0.10')).toBe(false);
  expect(
    rows.some((r) => r.target_name_tag === 'other-1' || r.target_name_tag === 'web-2-previous-name'),
  ).toBe(false);
});

test('instance-load-balancers: per instance, the LBs whose interfaces send to it (v2 logs, no instance-id)', async () => {
  const rows = await run('instance-load-balancers');
  expect(
    pick(rows, ['instance_id', 'name_tag', 'lb_type', 'lb_name', 'instance_port', 'flows', 'bytes']),
  ).toEqual([
    ['i-0web0000000000001', 'web-1', 'elb_nlb', 'api-nlb', 9000, 1, 800],
    ['i-0web0000000000001', 'web-1', 'elb_alb', 'orders-alb', 8080, 1, 2000],
    ['i-0web0000000000002', 'web-2', 'elb_alb', 'orders-alb', 8080, 1, 2500],
  ]);
  // Look-alikes: the RDS address sending to web-1; other-1 (VPC B) receiving from 10.0.0.10, no LB there.
  expect(rows.some((r) => r.instance_id === 'i-0other000000000001')).toBe(false);
});

test('with empty context tables the queries run and the inventory-only ones return nothing', async () => {
  const { instance: i2, conn } = await createFlowTable(fx.flows);
  await ensureContextTables(conn);
  const e2 = await DuckDbEngine.create(conn);
  try {
    const count = async (id: string) => {
      const q = queries.find((x) => x.name === `flowwatch-${id}`)!;
      const { sql, params } = renderSavedQueryBound(q, fx.window, internal);
      return (await e2.query(sql, params, { label: id })).rows.length;
    };
    expect(await count('load-balancer-targets')).toBe(0);
    expect(await count('instance-load-balancers')).toBe(0);
    expect(await count('threat-intel-traffic')).toBe(0);
    // Without an inventory, exposure and database egress still report by address and port
    // (the ALB and NAT are no longer recognised, so they appear too).
    expect(await count('internal-services-from-outside')).toBeGreaterThan(3);
    expect(await count('database-data-to-outside')).toBe(1);
  } finally {
    await e2.close();
    i2.closeSync();
  }
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { parseDescribeNetworkInterfaces } from '../../lib/context/eni-inventory';
import { loadInventory, writeInventorySnapshot } from '../../lib/context/inventory-store';
import { ipv4ToIntSql, loadThreatIntel, parseThreatIntel } from '../../lib/context/threat-intel';
import { cidrMembershipSql, DEFAULT_INTERNAL_CIDRS, parseCidr } from '../../lib/detection/cidr';
import { createFlowTable } from '../helpers/flow-table';
import { dumpJson } from './eni-fixtures';

/**
 * The context tables against the real local flow_logs schema, with v2-only records (no
 * instance-id): the inventory is what tells an instance's ENI from a load balancer's.
 */
const T = 1768467600; // 2026-01-15T09:00:00Z
const EC2_ENI = 'eni-0ec2000000000001'; // i-0web0000000000001, Name web-1, 10.0.1.10
const ALB_ENI = 'eni-0a1b000000000002'; // orders-alb, 10.0.2.20
const RDS_ENI = 'eni-0e1b000000000006'; // RDS, Name orders-db, 10.0.3.60

let dir: string;
let instance: DuckDBInstance;
let conn: DuckDBConnection;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'flowwatch-ctx-join-'));
  ({ instance, conn } = await createFlowTable([
    // internet -> instance directly on 443 (the bypass)
    { interface_id: EC2_ENI, srcaddr: '203.0.113.9', dstaddr: '10.0.1.10', dstport: 443, start: T + 60 },
    // internet -> ALB on 443 (expected)
    { interface_id: ALB_ENI, srcaddr: '203.0.113.9', dstaddr: '10.0.2.20', dstport: 443, start: T + 60 },
    // ALB -> instance (internal, expected)
    { interface_id: EC2_ENI, srcaddr: '10.0.2.20', dstaddr: '10.0.1.10', dstport: 443, start: T + 120 },
    // database answering on an unusual port to an outside address
    {
      interface_id: RDS_ENI,
      srcaddr: '10.0.3.60',
      dstaddr: '198.51.100.200',
      srcport: 15432,
      dstport: 50000,
      start: T + 180,
      bytes: 9000000,
    },
    // instance trying a listed C2, rejected
    {
      interface_id: EC2_ENI,
      srcaddr: '10.0.1.10',
      dstaddr: '192.0.2.46',
      dstport: 8080,
      action: 'REJECT',
      start: T + 240,
    },
  ]));
  const recs = parseDescribeNetworkInterfaces(dumpJson(), { snapshotTime: T });
  await writeInventorySnapshot(recs, dir, { snapshotTime: T, format: 'parquet' });
  await loadInventory(conn, [dir]);
  await loadThreatIntel(
    conn,
    parseThreatIntel(
      '"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n"2026-01-01 00:00:00","192.0.2.46","8080","online","2026-01-15","Emotet"\n',
      {
        file: 'ipblocklist.csv',
      },
    ).records,
  );
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

const external = (col: string) =>
  `(${col} IS NOT NULL AND NOT ${cidrMembershipSql(col, DEFAULT_INTERNAL_CIDRS.map(parseCidr))})`;

it('finds internet traffic reaching an instance directly on v2 logs, naming the instance', async () => {
  const r = await conn.runAndReadAll(`SELECT f.srcaddr, f.dstport, e.owner_id, e.name_tag
    FROM flow_logs f JOIN eni_inventory e ON e.interface_id = f.interface_id
    WHERE f.action = 'ACCEPT' AND f.dstport IN (80, 443) AND e.owner_type = 'ec2_instance'
      AND ${external('f.srcaddr')}`);
  expect(r.getRowsJS()).toEqual([['203.0.113.9', 443, 'i-0web0000000000001', 'web-1']]);
});

it('finds a database sending to the internet whatever the port', async () => {
  const r = await conn.runAndReadAll(`SELECT e.owner_type, e.name_tag, f.dstaddr, f.srcport, f.bytes
    FROM flow_logs f JOIN eni_inventory e ON e.interface_id = f.interface_id
    WHERE e.owner_type = 'rds' AND ${external('f.dstaddr')}`);
  expect(r.getRowsJS()).toEqual([['rds', 'orders-db', '198.51.100.200', 15432, 9000000n]]);
});

it('names the entity behind traffic to a listed address', async () => {
  const r = await conn.runAndReadAll(`SELECT f.action, t.source, t.port, t.description, e.owner_id, e.name_tag
    FROM flow_logs f
    JOIN threat_intel t ON t.family = 4 AND ${ipv4ToIntSql('f.dstaddr')} BETWEEN t.ip_start AND t.ip_end
    LEFT JOIN eni_ips e ON e.ip = f.srcaddr`);
  expect(r.getRowsJS()).toEqual([
    [
      'REJECT',
      'feodotracker',
      8080,
      'Emotet botnet C2 (online, last online 2026-01-15)',
      'i-0web0000000000001',
      'web-1',
    ],
  ]);
});

import { rmSync, statSync } from 'node:fs';
import { eniIpsViewSql, writeInventory } from '../../lib/context/inventory-store';
import { ipv4ToIntSql, parseThreatIntel, type ThreatIntelRecord } from '../../lib/context/threat-intel';
import type { DuckDbEngine } from '../../lib/detection/duckdb-engine';
import type { QueryEngine, Row, SqlParam } from '../../lib/detection/engine';
import type { TrinoEngine } from '../../lib/detection/trino-engine';
import { formatDt } from '../../lib/detection/window';
import { type ContextFixture, contextFixture } from '../context/context-query-fixture';
import {
  canonicalRows,
  dataStart,
  flowLogsGlueTable,
  renderSavedQuery,
  savedQueryFiles,
  trinoTable,
} from './conformance-data';
import { inventoryRoot, writeFlowTextFile, writeThreatIntelTableFile } from './context-data';
import { deliveredFile, duckDbOverFiles } from './duckdb-files';
import { bucketDir, withParquetStorage } from './glue-table';
import { ACCOUNTS, REGIONS, synthesizedTables } from './synth-tables';
import { trinoFromEnv } from './trino-server';

/**
 * The context tables on Trino (Athena engine v3's engine) through the synthesized Glue
 * definitions, compared with DuckDB over the very same files:
 * - `eni_inventory`: three snapshots written by writeInventory (the inventory Lambda's layout),
 *   once as JSON lines (the synthesized table: OpenX JSON SerDe) and once as Parquet (the same
 *   table with a Parquet SerDe), read through partition projection on aws_account_id, aws_region
 *   and dt; arrays and the tags map included.
 * - `threat_intel`: two lists (Feodo CSV, Spamhaus DROP text) parsed and written as the sync
 *   Lambda writes its table files (threatIntelJsonl: one JSON object per line, keys = columns).
 * - flow_logs: the fixture's flows as one delivered text file (the synthesized text table).
 * Then: the rows, the eni_ips view's CROSS JOIN UNNEST, the ipv4ToIntSql range join, dt
 * pruning, and every saved query give the same answers on both engines.
 */

const ACCOUNT = ACCOUNTS[0];
const REGION = REGIONS[0];
const FORMATS = [
  { name: 'jsonl.gz', bucket: 'ctx-json', schema: 'ctx_json' },
  { name: 'parquet', bucket: 'ctx-parquet', schema: 'ctx_parquet' },
] as const;

let fx: ContextFixture;
let t: number;
let intel: ThreatIntelRecord[];
const inventoryFiles: Record<string, { path: string; time: number }[]> = {};
const engines: { format: string; duck: DuckDbEngine; trino: TrinoEngine }[] = [];

beforeAll(async () => {
  const { fsRoot } = trinoFromEnv();
  // The flows' hour lies 4 h before now: the projection ends at NOW, and the oldest snapshot
  // (30 h earlier) must still be inside it for the dt bound, not the projection, to exclude it.
  t = dataStart(4).getTime() / 1000;
  fx = contextFixture(t, ACCOUNT);
  intel = fx.threatLists.flatMap((l) => {
    const parsed = parseThreatIntel(l.text, { file: l.file });
    expect([l.file, parsed.issues]).toEqual([l.file, []]);
    return parsed.records;
  });
  const textTable = flowLogsGlueTable('text');
  for (const f of FORMATS) {
    rmSync(bucketDir(fsRoot, f.bucket), { recursive: true, force: true });
    // GIVEN the flows, the inventory snapshots and the threat-intel table files in the bucket
    const flowFile = writeFlowTextFile(fsRoot, textTable, f.bucket, {
      account: ACCOUNT,
      region: REGION,
      hour: t,
      rows: fx.flows,
    });
    const root = inventoryRoot(fsRoot, f.bucket);
    inventoryFiles[f.name] = [];
    for (const s of fx.snapshots)
      inventoryFiles[f.name]!.push({
        path: await writeInventory(s.records, root, {
          account: ACCOUNT,
          region: REGION,
          snapshotTime: s.time,
          format: f.name,
        }),
        time: s.time,
      });
    for (const l of fx.threatLists) {
      const parsed = parseThreatIntel(l.text, { file: l.file });
      writeThreatIntelTableFile(fsRoot, f.bucket, l.file, parsed.records);
    }
    // AND the synthesized tables on Trino (the inventory's Parquet variant for Parquet files)
    const trino = await trinoTable(
      f.schema,
      textTable,
      f.bucket,
      f.name === 'parquet' ? { eniInventory: withParquetStorage(synthesizedTables().eniInventory) } : {},
    );
    // AND DuckDB over the same files, loaded the way the CLI loads them
    const duck = await duckDbOverFiles([deliveredFile(flowFile)], { inventory: [root], threatIntel: intel });
    expect(duck.report.issues).toEqual([]);
    engines.push({ format: f.name, duck, trino });
  }
});

afterAll(async () => {
  for (const e of engines) await e.duck.close();
});

async function rows(engine: QueryEngine, sql: string, params: SqlParam[] = []): Promise<Row[]> {
  return (await engine.query(sql, params, { label: 'context' })).rows;
}

/** Same rows on Trino as on DuckDB, per format; returns DuckDB's rows. */
async function same(sql: string, params: SqlParam[] = []): Promise<Row[]> {
  let first: Row[] | undefined;
  for (const e of engines) {
    const local = await rows(e.duck, sql, params);
    const onTrino = await rows(e.trino, sql, params);
    expect([e.format, canonicalRows(onTrino)]).toEqual([e.format, canonicalRows(local)]);
    first ??= local;
  }
  return first!;
}

/** A dt bound below every snapshot. Every eni_inventory query bounds dt: without it the projection enumerates every hour since projectionStart (2024) in every account and region, which took Trino ~4 minutes here. */
const ALL_SNAPSHOTS = () => formatDt(t - 9 * 24 * 3600, 'hour');
const totalRecords = () => fx.snapshots.reduce((a, s) => a + s.records.length, 0);

test('GIVEN three snapshots in both formats WHEN eni_inventory is read THEN every row and column (partitions included) matches DuckDB', async () => {
  const r = await same(
    `SELECT interface_id, account_id, region, availability_zone, vpc_id, subnet_id, interface_type,
       requester_id, requester_managed, status, description, owner_type, owner_id, instance_id,
       private_ips[1] AS primary_ip, name_tag, snapshot_time, aws_account_id, aws_region, dt
     FROM eni_inventory WHERE dt >= ?`,
    [ALL_SNAPSHOTS()],
  );
  expect(r).toHaveLength(totalRecords());
  // The partition values come from the path (projection) and agree with the records.
  for (const row of r) {
    expect(row.aws_account_id).toBe(ACCOUNT);
    expect(row.dt).toBe(formatDt(Number(row.snapshot_time), 'hour'));
  }
  expect(r.find((x) => x.interface_id === fx.snapshots[0]!.records[0]!.interface_id)).toMatchObject({
    requester_managed: false,
    primary_ip: '10.0.7.7',
    name_tag: 'gone',
  });
});

test('GIVEN the arrays and the tags map WHEN unnested (the eni_ips view SQL, security groups, map keys) THEN both engines give the same rows', async () => {
  // The view's own SQL: CROSS JOIN UNNEST(...) AS u(ip), which Athena has no view for here.
  const view = eniIpsViewSql('inventory').replace(/^CREATE OR REPLACE VIEW "eni_ips" AS\s*/, '');
  const ips = await same(
    `WITH inventory AS (SELECT * FROM eni_inventory WHERE dt >= ?) SELECT * FROM (${view}) AS v`,
    [ALL_SNAPSHOTS()],
  );
  const records = fx.snapshots.flatMap((s) => s.records);
  expect(ips).toHaveLength(
    records.reduce((a, x) => a + x.private_ips.length + x.public_ips.length + x.ipv6_ips.length, 0),
  );
  expect(ips.filter((x) => x.ip_kind === 'public').length).toBeGreaterThan(0);
  const groups = await same(
    'SELECT i.interface_id, i.snapshot_time, g.sg FROM eni_inventory i CROSS JOIN UNNEST(i.security_groups) AS g(sg) WHERE i.dt >= ?',
    [ALL_SNAPSHOTS()],
  );
  expect(groups).toHaveLength(records.reduce((a, x) => a + x.security_groups.length, 0));
  const tags = await same(
    `SELECT i.interface_id, i.snapshot_time, k.tag_key, i.tags[k.tag_key] AS tag_value
     FROM eni_inventory i CROSS JOIN UNNEST(map_keys(i.tags)) AS k(tag_key)
     WHERE i.dt >= ?`,
    [ALL_SNAPSHOTS()],
  );
  expect(tags).toHaveLength(records.reduce((a, x) => a + Object.keys(x.tags).length, 0));
  expect(tags).toContainEqual(expect.objectContaining({ tag_key: 'Name', tag_value: 'web-2-previous-name' }));
});

test('GIVEN hourly partitions WHEN a query bounds dt from below THEN Trino reads only the snapshots in range (JSON: bytes = file sizes)', async () => {
  const dtStart = fx.window.dt_start as string;
  const files = inventoryFiles['jsonl.gz']!;
  const size = (fs: typeof files) => fs.reduce((a, f) => a + statSync(f.path).size, 0);
  const inRange = files.filter((f) => formatDt(f.time, 'hour') >= dtStart);
  expect(inRange).toHaveLength(2);
  for (const e of engines) {
    const sql =
      'SELECT count(*) AS n, count(DISTINCT snapshot_time) AS snapshots FROM eni_inventory WHERE dt >= ?';
    const recent = await e.trino.query(sql, [dtStart], { label: 'pruned' });
    const all = await e.trino.query(sql, [ALL_SNAPSHOTS()], { label: 'all' });
    expect([e.format, recent.rows[0]]).toEqual([e.format, { n: totalRecords() - 1, snapshots: 2 }]);
    expect([e.format, all.rows[0]]).toEqual([e.format, { n: totalRecords(), snapshots: 3 }]);
    if (e.format === 'jsonl.gz') {
      // A .jsonl.gz is read whole: the bytes read are exactly the files of the partitions kept.
      expect(recent.stats.physicalInputBytes).toBe(size(inRange));
      expect(all.stats.physicalInputBytes).toBe(size(files));
    } else expect(recent.stats.physicalInputBytes).toBeLessThan(all.stats.physicalInputBytes);
  }
});

test('GIVEN the threat-intel table files WHEN read and range-joined with ipv4ToIntSql THEN both engines match the same flows to the same entries', async () => {
  const entries = await same('SELECT * FROM threat_intel');
  expect(entries).toHaveLength(intel.length);
  expect(entries).toContainEqual(
    expect.objectContaining({
      cidr: '203.0.113.128/25',
      family: 4,
      ip_start: 3405803904,
      ip_end: 3405804031,
      port: null,
    }),
  );
  const join = (col: string) =>
    `SELECT f.srcaddr, f.dstaddr, f.action, f.bytes, t.source, t.cidr, t.description, t.port
     FROM flow_logs f
     JOIN threat_intel t ON t.family = 4 AND ${ipv4ToIntSql(col)} BETWEEN t.ip_start AND t.ip_end
     WHERE f.dt >= ?`;
  const toListed = await same(join('f.dstaddr'), [fx.window.dt_start!]);
  expect(toListed.map((r) => `${r.dstaddr} ${r.source}`).sort()).toEqual([
    '192.0.2.46 feodotracker',
    '203.0.113.150 drop',
    '203.0.113.150 drop',
  ]);
  const fromListed = await same(join('f.srcaddr'), [fx.window.dt_start!]);
  expect(fromListed.map((r) => `${r.srcaddr} ${r.action}`)).toEqual(['203.0.113.200 REJECT']);
});

test('GIVEN every saved query WHEN run on both engines with the same bound values THEN the same rows, and the context queries find their fixture rows', async () => {
  const expected: Record<string, number> = {
    'internal-services-from-outside': 3,
    'database-data-to-outside': 2,
    'threat-intel-traffic': 4,
    'load-balancer-targets': 4,
    'instance-load-balancers': 3,
  };
  const queries = savedQueryFiles();
  for (const id of Object.keys(expected)) expect(queries.map((q) => q.id)).toContain(id);
  const inputs = { source_addr: '203.0.113.9', destination_addr: '10.0.1.10' };
  for (const q of queries) {
    const { sql, params } = renderSavedQuery(q, { ...fx.window, ...inputs });
    const r = await same(sql, params);
    if (expected[q.id] !== undefined) expect([q.id, r.length]).toEqual([q.id, expected[q.id]]);
  }
});

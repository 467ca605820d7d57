import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ensureContextTables } from '../../lib/context/context-tables';
import { ipv4ToIntSql } from '../../lib/context/threat-intel';
import { DEFAULT_INTERNAL_CIDRS, parseCidr } from '../../lib/detection/cidr';
import { DuckDbEngine } from '../../lib/detection/duckdb-engine';
import type { Row, SqlParam } from '../../lib/detection/engine';
import { loadDetections, parseDetection } from '../../lib/detection/registry';
import { formatDt } from '../../lib/detection/window';
import {
  investigationQuery,
  loadSavedQueries,
  parseSavedQuery,
  renderSavedQueryBound,
  renderSavedQueryForAthena,
  type SavedQuery,
} from '../../lib/infra/saved-queries';
import { createFlowTable, type FlowRow } from '../helpers/flow-table';
import { ISSUE_RESPONDER_QUERIES } from './fixtures';

const internal = DEFAULT_INTERNAL_CIDRS.map(parseCidr);
const queries = loadSavedQueries();
const byName = (n: string) => queries.find((q) => q.name === `flowwatch-${n}`)!;

// One hour of traffic at 2024-03-01 10:00Z, plus an old row a day earlier that the window excludes.
const T = Date.UTC(2024, 2, 1, 10, 0, 0) / 1000;
const ROWS: FlowRow[] = [
  // An external scanner probing closed TCP ports on one internal host.
  ...[22, 23, 25, 80, 443].map((p, i) => ({
    srcaddr: '203.0.113.9',
    dstaddr: '10.0.1.5',
    dstport: p,
    action: 'REJECT',
    start: T + i,
  })),
  // The same scanner reaches SSH once (accepted).
  { srcaddr: '203.0.113.9', dstaddr: '10.0.1.5', dstport: 22, action: 'ACCEPT', start: T + 60, bytes: 5000 },
  // Internal east-west traffic and an IPv6 flow.
  {
    srcaddr: '10.0.1.5',
    dstaddr: '10.0.2.7',
    dstport: 5432,
    start: T + 120,
    bytes: 2_000_000,
    instance_id: 'i-0abc',
    subnet_id: 'subnet-1',
    vpc_id: 'vpc-1',
    flow_direction: 'egress',
  },
  {
    srcaddr: '2600:1f18::1',
    dstaddr: 'fd00:ec2::5',
    dstport: 443,
    start: T + 180,
    bytes: 7000,
    type: 'IPv6',
  },
  // A day before the window: must not be read.
  { srcaddr: '203.0.113.9', dstaddr: '10.0.1.5', dstport: 3389, action: 'REJECT', start: T - 86400 },
];

const WINDOW: Record<string, SqlParam> = {
  window_start: T - 3600,
  window_end: T + 3600,
  dt_start: formatDt(T - 3600, 'hour'),
  dt_end: formatDt(T + 7200, 'hour'),
};

let instance: DuckDBInstance;
let conn: DuckDBConnection;
let engine: DuckDbEngine;
beforeAll(async () => {
  ({ instance, conn } = await createFlowTable(ROWS));
  // Some saved queries join the context tables; the CLI session always creates them (maybe empty).
  await ensureContextTables(conn);
  engine = await DuckDbEngine.create(conn);
});
afterAll(async () => {
  await engine.close();
  instance.closeSync();
});

async function run(q: SavedQuery, extra: Record<string, SqlParam> = {}): Promise<Row[]> {
  const { sql, params } = renderSavedQueryBound(q, { ...WINDOW, ...extra }, internal);
  return (await engine.query(sql, params, { label: q.name })).rows;
}

describe('the shipped saved queries', () => {
  test("the issue's list is there, each with a description", () => {
    const names = queries.map((q) => q.name.replace('flowwatch-', ''));
    expect(names).toEqual(expect.arrayContaining([...ISSUE_RESPONDER_QUERIES]));
  });

  test('every saved and investigation query runs on DuckDB and ignores the row outside its window', async () => {
    const all = [...queries, ...loadDetections().map((d) => investigationQuery(d))];
    for (const q of all) {
      const extra = Object.fromEntries(Object.keys(q.parameters).map((p) => [p, '203.0.113.9']));
      const rows = await run(q, extra);
      // The old row is the only one on port 3389 and the only one dated a day earlier.
      for (const r of rows) {
        expect(r.dstport === 3389).toBe(false);
        if (typeof r.start_time === 'string') expect(r.start_time >= '2024-03-01').toBe(true);
      }
    }
  });

  test("traffic-from-source returns exactly that source's flows in the window, newest first", async () => {
    const rows = await run(byName('traffic-from-source'), { source_addr: '203.0.113.9' });
    expect(rows.map((r) => [r.dstport, r.action])).toEqual([
      [22, 'ACCEPT'],
      [443, 'REJECT'],
      [80, 'REJECT'],
      [25, 'REJECT'],
      [23, 'REJECT'],
      [22, 'REJECT'],
    ]);
  });

  test('rejected-tcp groups the scan by port', async () => {
    const rows = await run(byName('rejected-tcp'));
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.srcaddr === '203.0.113.9' && r.flows === 1)).toBe(true);
  });

  test('accepted-traffic keeps external -> internal only', async () => {
    const rows = await run(byName('accepted-traffic'));
    expect(rows.map((r) => `${r.srcaddr}>${r.dstaddr}`).sort()).toEqual([
      '203.0.113.9>10.0.1.5',
      '2600:1f18::1>fd00:ec2::5',
    ]);
  });

  test('ipv4-vs-ipv6-bytes sums per address family', async () => {
    const rows = await run(byName('ipv4-vs-ipv6-bytes'));
    const sum = (fam: string) =>
      rows.filter((r) => r.address_family === fam).reduce((a, r) => a + Number(r.bytes), 0);
    expect(sum('IPv6')).toBe(7000);
    expect(sum('IPv4')).toBe(5 * 1000 + 5000 + 2_000_000);
  });

  test('top-talkers-by-instance only counts flows with an instance id', async () => {
    const rows = await run(byName('top-talkers-by-instance'));
    expect(rows).toEqual([expect.objectContaining({ instance_id: 'i-0abc', bytes: 2_000_000, flows: 1 })]);
  });
});

describe('rendering for Athena named queries', () => {
  const opts = { internalCidrs: internal, granularity: 'hour' as const, lookbackHours: 24 };

  test('window built-ins become partition-pruning expressions; responder inputs become ? prompts', () => {
    const { sql, prompts } = renderSavedQueryForAthena(byName('traffic-to-destination'), opts);
    expect(prompts).toEqual(['destination_addr']);
    expect(sql).toContain(
      "WHERE dt >= date_format((current_timestamp AT TIME ZONE 'UTC') - interval '24' hour, '%Y/%m/%d/%H')",
    );
    expect(sql).toContain('? IN (dstaddr, pkt_dstaddr)');
    expect(sql).toMatch(/^-- flowwatch-traffic-to-destination: /);
    expect(sql).toContain('-- Athena asks for: destination_addr (');
  });

  test('context queries: eni_inventory bounded a week before the window, ipv4_to_int expanded (not a CIDR test)', () => {
    const { sql, prompts } = renderSavedQueryForAthena(byName('instance-load-balancers'), opts);
    expect(prompts).toEqual([]);
    // 24 h of lookback plus the detections' week of inventory lookback, in the inventory's hourly dt format
    expect(sql).toContain(
      "WHERE e.dt >= date_format((current_timestamp AT TIME ZONE 'UTC') - interval '192' hour, '%Y/%m/%d/%H')",
    );
    const d = loadDetections().find((x) => x.body.includes('{{ ipv4_to_int('));
    expect(d).toBeDefined();
    const inv = renderSavedQueryForAthena(investigationQuery(d!), opts).sql;
    const columns = d!.template.flatMap((p) =>
      p.kind === 'macro' && p.fn === 'ipv4_to_int' ? [p.column] : [],
    );
    expect(columns.length).toBeGreaterThan(0);
    for (const c of columns) expect(inv).toContain(ipv4ToIntSql(c));
    expect(inv).not.toContain('{{');
  });

  test('investigation queries inline the configured thresholds as numbers', () => {
    const d = loadDetections().find((x) => Object.keys(x.meta.thresholds).length > 0)!;
    const [name] = Object.keys(d.meta.thresholds);
    const q = investigationQuery(d, { thresholds: { [name!]: 4242 } });
    const { sql, prompts } = renderSavedQueryForAthena(q, opts);
    expect(prompts).toEqual([]);
    expect(sql).toContain('4242');
    expect(sql).not.toContain('?');
  });

  test('values that could break out of a literal are refused', () => {
    // GIVEN a detection with a string-typed list and a hostile configured value
    const d = parseDetection(
      `/*
id: test-strings
title: Test detection with a string list
description: Only for the saved-query rendering test.
severity: low
schedule: rate(1 hour)
lookback: 1h
lists:
  names:
    items: string
    default: [a]
    description: Some names to exclude
key_fields: [srcaddr]
mitre:
  - technique: T1046
    name: Network Service Discovery
runbook: Nothing to do, this detection exists only in a test.
*/
SELECT srcaddr FROM flow_logs
WHERE dt BETWEEN :dt_start AND :dt_end AND start >= :window_start AND start < :window_end
  AND interface_id NOT IN (:names)`,
      '<test>',
    );
    // WHEN rendered for a named query THEN plain values are quoted and a quote is refused
    expect(
      renderSavedQueryForAthena(investigationQuery(d, { lists: { names: ['eni-1', 'eni-2'] } }), opts).sql,
    ).toContain("NOT IN ('eni-1', 'eni-2')");
    const q = investigationQuery(d, { lists: { names: ["x' OR '1'='1"] } });
    expect(() => renderSavedQueryForAthena(q, opts)).toThrow(/cannot be written into a saved query/);
  });
});

describe('parseSavedQuery rejects', () => {
  const header = '/*\ndescription: A query for the tests of the parser.\n*/\n';
  test.each([
    [
      'no dt filter',
      `${header}SELECT * FROM flow_logs WHERE start >= :window_start`,
      /must filter the partition column/,
    ],
    [
      'an undeclared parameter',
      `${header}SELECT * FROM flow_logs WHERE dt >= :dt_start AND srcaddr = :addr`,
      /:addr is used but not declared/,
    ],
    [
      'a declared but unused parameter',
      '/*\ndescription: A query for the tests.\nparameters:\n  addr: The address to look at\n*/\nSELECT 1 FROM flow_logs WHERE dt >= :dt_start',
      /:addr is declared but never used/,
    ],
    ['a bad header', '/*\ndescr: x\n*/\nSELECT 1 FROM flow_logs WHERE dt >= :dt_start', /invalid header/],
  ])('%s', (_n, text, message) => {
    expect(() => parseSavedQuery(text, 'sql/queries/test-query.sql')).toThrow(message);
  });
});

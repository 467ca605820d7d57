import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { parseCidr } from '../../lib/detection/cidr';
import { DuckDbEngine } from '../../lib/detection/duckdb-engine';
import { fingerprint } from '../../lib/detection/finding';
import { loadDetections, parseDetection } from '../../lib/detection/registry';
import { runDetections } from '../../lib/detection/run-detections';
import { createFlowTable, insertFlowRows } from '../helpers/flow-table';

const HEADER = (id: string, keys = '[srcaddr]', extra = '') => `/*
id: ${id}
title: Test detection ${id}
description: a detection used by the runner tests
severity: low
schedule: rate(1 hour)
lookback: 1h
key_fields: ${keys}
mitre: [{technique: T1046, name: Network Service Discovery}]
runbook: look at the source and decide what to do
${extra}*/
`;
const WINDOW_FILTER = 'dt BETWEEN :dt_start AND :dt_end AND start >= :window_start AND start < :window_end';

// 2024-05-01T10:00:00Z .. 10:15:00Z
const window = { start: 1_714_557_600, end: 1_714_558_500 };

describe('runDetections on DuckDB', () => {
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  let engine: DuckDbEngine;
  const shipped = loadDetections();
  const byId = (id: string) => shipped.find((d) => d.meta.id === id)!;

  beforeAll(async () => {
    ({ instance, conn } = await createFlowTable());
    engine = await DuckDbEngine.create(conn);
    await insertFlowRows(conn, [
      // SSH accepted from the internet, and 3 rejected probes from another address
      { srcaddr: '203.0.113.200', dstaddr: '10.0.1.20', dstport: 22, start: '2024-05-01T10:01:00Z' },
      ...[1, 2, 3].map((p) => ({
        srcaddr: '198.51.100.7',
        dstaddr: '10.0.1.20',
        dstport: p,
        action: 'REJECT',
        start: '2024-05-01T10:02:00Z',
      })),
      // in the window by start, but filed under a partition outside the run's dt bounds
      {
        srcaddr: '198.51.100.8',
        dstaddr: '10.0.1.20',
        dstport: 22,
        start: '2024-05-01T10:03:00Z',
        dt: '2024/04/30/10',
      },
    ]);
  });
  afterAll(async () => {
    await engine.close();
    instance.closeSync();
  });

  it('turns rows into findings with the window, fingerprint and per-detection settings', async () => {
    // GIVEN two shipped detections and a threshold override for one of them
    const ds = [byId('ssh-rdp-from-internet'), byId('rejected-connections')];
    // WHEN they run over the window
    const r = await runDetections(engine, ds, window, {
      settings: { 'rejected-connections': { thresholds: { min_rejected_flows: 3 } } },
    });
    // THEN both report, in detection order, with stable fingerprints over their key fields
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => [f.detection, f.keys])).toEqual([
      ['ssh-rdp-from-internet', { srcaddr: '203.0.113.200', dstaddr: '10.0.1.20', dstport: 22 }],
      ['rejected-connections', { srcaddr: '198.51.100.7' }],
    ]);
    const f = r.findings[1]!;
    expect(f.window).toEqual({ start: '2024-05-01T10:00:00Z', end: '2024-05-01T10:15:00Z' });
    expect(f.fingerprint).toBe(fingerprint('rejected-connections', ['srcaddr'], { srcaddr: '198.51.100.7' }));
    expect(f.row.flows).toBe(3);
    expect(r.stats).toMatchObject({ detections: 2, succeeded: 2, failed: 0, findings: 2 });
    expect(r.stats.perDetection.map((s) => [s.detection, s.ok, s.findings])).toEqual([
      ['ssh-rdp-from-internet', true, 1],
      ['rejected-connections', true, 1],
    ]);
  });

  it('filters on the dt partition bounds, not only on start', async () => {
    // GIVEN a row whose start is in the window but whose dt partition is a day earlier
    const r = await runDetections(engine, [byId('ssh-rdp-from-internet')], window);
    // THEN it is not read (198.51.100.8 is absent)
    expect(r.findings.map((f) => f.keys.srcaddr)).toEqual(['203.0.113.200']);
  });

  it('keeps going when one detection fails, reporting the failure by id', async () => {
    // GIVEN a detection with a SQL error, one whose result lacks its key field, and a bad setting
    const broken = parseDetection(
      `${HEADER('broken')}SELECT no_such_column AS srcaddr FROM flow_logs WHERE ${WINDOW_FILTER}`,
      '<broken>',
    );
    const keyless = parseDetection(
      `${HEADER('keyless', '[dstaddr]')}SELECT srcaddr FROM flow_logs WHERE ${WINDOW_FILTER}`,
      '<keyless>',
    );
    const ds = [broken, byId('ssh-rdp-from-internet'), keyless, byId('rejected-connections')];
    // WHEN they run
    const r = await runDetections(engine, ds, window, {
      settings: { 'rejected-connections': { thresholds: { min_rejects: 1 } } },
    });
    // THEN the good one still reports and each failure names its detection and cause
    expect(r.findings.map((f) => f.detection)).toEqual(['ssh-rdp-from-internet']);
    expect(r.errors.map((e) => e.detection)).toEqual(['broken', 'keyless', 'rejected-connections']);
    expect(r.errors[0]!.message).toMatch(/duckdb query 'broken' failed: .*no_such_column/);
    expect(r.errors[1]!.message).toMatch(/key field 'dstaddr' is not a column/);
    expect(r.errors[2]!.message).toMatch(/no threshold 'min_rejects'/);
    expect(r.stats).toMatchObject({ detections: 4, succeeded: 1, failed: 3, findings: 1 });
  });

  it('passes custom internal CIDRs to the address macros', async () => {
    // GIVEN an internal space that does not contain 10.0.1.20 (the SSH destination)
    const r = await runDetections(engine, [byId('ssh-rdp-from-internet')], window, {
      internalCidrs: [parseCidr('192.168.0.0/16')],
    });
    // THEN the v2 record is no longer known to be inbound
    expect(r.errors).toEqual([]);
    expect(r.findings).toEqual([]);
  });

  it('gives the same findings with several detections in flight', async () => {
    const settings = { 'rejected-connections': { thresholds: { min_rejected_flows: 1 } } };
    const one = await runDetections(engine, shipped, window, { settings });
    const many = await runDetections(engine, shipped, window, { settings, concurrency: 4 });
    expect(many.errors).toEqual([]);
    expect(many.findings.map((f) => f.fingerprint)).toEqual(one.findings.map((f) => f.fingerprint));
  });

  it('rejects an empty or inverted window', async () => {
    await expect(runDetections(engine, shipped, { start: 10, end: 10 })).rejects.toThrow(/invalid window/);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDetectionFile } from '../../lib/detection/registry';
import { completeRow, createFlowTable } from '../helpers/flow-table';
import { loadFixtures } from './detection-fixtures';

const SQL = `/*
id: t
title: Test detection
description: a detection for the fixture loader tests
severity: low
schedule: rate(1 hour)
lookback: 1h
key_fields: [srcaddr]
mitre: [{technique: T1046, name: Network Service Discovery}]
runbook: look at the source and decide what to do
*/
SELECT srcaddr FROM flow_logs WHERE dt BETWEEN :dt_start AND :dt_end AND start >= :window_start AND start < :window_end`;

function detectionWithFixtures(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'fw-fixtures-'));
  writeFileSync(join(dir, 't.sql'), SQL);
  writeFileSync(join(dir, 't.fixtures.yaml'), yaml);
  return { d: loadDetectionFile(join(dir, 't.sql')), path: join(dir, 't.fixtures.yaml') };
}

describe('fixture files', () => {
  it('expands repeat rows, merges defaults and keeps integers exact', () => {
    const { d } = detectionWithFixtures(`
defaults: {version: 5}
cases:
  - name: repeat and big numbers
    kind: attack
    window: {start: '2024-05-01T10:00:00Z', end: 1714558500}
    defaults: {dstaddr: 10.0.0.1}
    rows:
      - {repeat: 3, srcaddr: '10.0.0.{i+10}', dstport: '{i*100}', start: '{i*60+1714557600}'}
      - {srcaddr: 10.0.0.99, bytes: 18000000000000000001, start: '2024-05-01T10:05:00Z'}
    expect:
      - {srcaddr: 10.0.0.11, bytes: 18000000000000000001, flows: 3}
`);
    const [c] = loadFixtures(d);
    expect(c!.window).toEqual({ start: 1_714_557_600, end: 1_714_558_500 });
    expect(c!.rows.slice(0, 3)).toEqual([
      { version: 5, dstaddr: '10.0.0.1', srcaddr: '10.0.0.11', dstport: '100', start: '1714557660' },
      { version: 5, dstaddr: '10.0.0.1', srcaddr: '10.0.0.12', dstport: '200', start: '1714557720' },
      { version: 5, dstaddr: '10.0.0.1', srcaddr: '10.0.0.13', dstport: '300', start: '1714557780' },
    ]);
    expect(c!.rows[3]!.bytes).toBe(18_000_000_000_000_000_001n);
    expect(c!.expect).toEqual([{ srcaddr: '10.0.0.11', bytes: 18_000_000_000_000_000_001n, flows: 3 }]);
  });

  it('names the file and the key on a malformed case', () => {
    const { d, path } = detectionWithFixtures(`
cases:
  - name: typo
    kind: attack
    window: {start: '2024-05-01T10:00:00Z', end: '2024-05-01T10:15:00Z'}
    rows: [{srcaddr: 10.0.0.1, start: 1714557600}]
    expected: []
`);
    expect(() => loadFixtures(d)).toThrow(new RegExp(`${path}: .*expect`));
  });

  it('rejects a time without a zone, naming the case', () => {
    const { d } = detectionWithFixtures(`
cases:
  - name: local time
    kind: benign
    window: {start: '2024-05-01T10:00:00', end: '2024-05-01T10:15:00Z'}
    rows: [{srcaddr: 10.0.0.1, start: 1714557600}]
    expect: []
`);
    expect(() => loadFixtures(d)).toThrow(/case 1 'local time': window.start: .*with a zone/);
  });
});

describe('flow_logs test rows', () => {
  it("fills defaults, derives partitions from start and turns '-' into NULL", () => {
    const row = completeRow(
      { srcaddr: '-', start: '2024-05-01T10:05:00Z', bytes: 3_000_000_000, region: 'eu-west-1' },
      'row 1',
    );
    expect(row).toMatchObject({
      version: 2,
      srcaddr: null,
      start: 1_714_557_900,
      end: 1_714_557_959,
      bytes: 3_000_000_000,
      dt: '2024/05/01/10',
      aws_account_id: '123456789012',
      aws_region: 'eu-west-1',
      instance_id: null,
      flow_direction: null,
    });
  });

  it('rejects unknown columns and non-integers, naming the row', () => {
    expect(() => completeRow({ srcadr: '10.0.0.1', start: 1 }, 'row 7')).toThrow(
      /row 7: unknown flow_logs column 'srcadr'/,
    );
    expect(() => completeRow({ dstport: 'https', start: 1 }, 'row 8')).toThrow(
      /row 8: column 'dstport' must be an integer/,
    );
  });

  it('loads rows into the local flow_logs schema with exact 64-bit values', async () => {
    const { instance, conn } = await createFlowTable([
      { srcaddr: '2001:db8::1', bytes: 2n ** 62n, start: 1_714_557_600 },
      { srcaddr: '10.0.0.1', log_status: 'NODATA', action: '-', start: 1_714_557_600 },
    ]);
    const r = await conn.runAndReadAll('SELECT srcaddr, bytes, action, dt FROM flow_logs ORDER BY srcaddr');
    expect(r.getRows()).toEqual([
      ['10.0.0.1', 1000n, null, '2024/05/01/10'],
      ['2001:db8::1', 2n ** 62n, 'ACCEPT', '2024/05/01/10'],
    ]);
    conn.closeSync();
    instance.closeSync();
  });
});

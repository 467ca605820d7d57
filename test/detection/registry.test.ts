import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCidr } from '../../lib/detection/cidr';
import {
  loadDetectionFile,
  loadDetections,
  parseDetection,
  renderDetection,
} from '../../lib/detection/registry';

const bounds = {
  windowStart: 1_700_000_000,
  windowEnd: 1_700_000_900,
  dtStart: '2023/11/14/22',
  dtEnd: '2023/11/14/23',
};

describe('detection registry', () => {
  it('loads every shipped detection with valid metadata', () => {
    // GIVEN the sql/detections folder WHEN loaded THEN each id matches its file name
    const all = loadDetections();
    expect(all.length).toBeGreaterThanOrEqual(1);
    for (const d of all) expect(d.path.endsWith(`${d.meta.id}.sql`)).toBe(true);
  });

  it('renders named parameters as positional ? in order of use', () => {
    const d = loadDetections().find((x) => x.meta.id === 'rejected-connections')!;
    const r = renderDetection(d, bounds, { settings: { thresholds: { min_rejected_flows: 7 } } });
    expect(r.sql).not.toMatch(/:[a-z]/);
    expect(r.params).toEqual(['2023/11/14/22', '2023/11/14/23', 1_700_000_000, 1_700_000_900, 7]);
    expect(r.sql.split('?').length - 1).toBe(5);
  });

  it('rejects an unknown threshold override by name', () => {
    const d = loadDetections().find((x) => x.meta.id === 'rejected-connections')!;
    expect(() => renderDetection(d, bounds, { settings: { thresholds: { min_rejects: 1 } } })).toThrow(
      /no threshold 'min_rejects'/,
    );
  });

  it('fails loudly, naming the file, on broken metadata', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-det-'));
    const p = join(dir, 'bad.sql');
    writeFileSync(p, '/*\nid: bad\ntitle: x\n*/\nSELECT 1');
    expect(() => loadDetectionFile(p)).toThrow(new RegExp(`${p}: invalid metadata: .*title`));
  });

  it('rejects undeclared parameters and raw ? placeholders', () => {
    const head = (extra = '') => `/*
id: t
title: Test detection
description: a test detection body
severity: low
schedule: rate(1 hour)
lookback: 1h
key_fields: [srcaddr]
mitre: [{technique: T1046, name: Network Service Discovery}]
runbook: do the thing that needs doing here
${extra}*/
`;
    const base =
      'SELECT srcaddr FROM flow_logs WHERE dt BETWEEN :dt_start AND :dt_end AND start >= :window_start AND start < :window_end';
    expect(() => parseDetection(`${head()}${base} AND bytes > :nope`, '<t>')).toThrow(
      /:nope is used but not declared/,
    );
    expect(() => parseDetection(`${head()}${base} AND bytes > ?`, '<t>')).toThrow(/named :parameters/);
    expect(() => parseDetection(`${head()}${base} AND action = ':not_a_param'`, '<t>')).not.toThrow();
  });

  it('expands is_internal with the configured CIDRs only as numbers', () => {
    const text = `/*
id: t
title: Test detection
description: a test detection body
severity: low
schedule: rate(1 hour)
lookback: 1h
key_fields: [srcaddr]
mitre: [{technique: T1046, name: Network Service Discovery}]
runbook: do the thing that needs doing here
*/
SELECT srcaddr FROM flow_logs WHERE dt BETWEEN :dt_start AND :dt_end AND start >= :window_start AND start < :window_end AND {{ is_internal(srcaddr) }}`;
    const d = parseDetection(text, '<t>');
    const r = renderDetection(d, bounds, {
      internalCidrs: [parseCidr('10.0.0.0/8'), parseCidr('172.16.0.0/12')],
    });
    expect(r.sql).toContain("split_part(srcaddr, '.', 1) = '10'");
    expect(r.sql).toContain("TRY_CAST(split_part(srcaddr, '.', 2) AS INTEGER) BETWEEN 16 AND 31");
    expect(() => parseCidr("10.0.0.0/8' OR 1=1 --")).toThrow(/invalid CIDR/);
  });
});

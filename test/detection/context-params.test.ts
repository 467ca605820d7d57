import { rowToFinding } from '../../lib/detection/finding';
import {
  inventoryDtStart,
  loadDetections,
  parseDetection,
  renderDetection,
} from '../../lib/detection/registry';

const bounds = {
  windowStart: 1_714_557_600, // 2024-05-01T10:00:00Z
  windowEnd: 1_714_558_500,
  dtStart: '2024/05/01/10',
  dtEnd: '2024/05/01/11',
};

const header = (extra = '') => `/*
id: graded
title: A graded detection
description: Rows grade themselves through a severity column.
severity: high
schedule: rate(15 minutes)
lookback: 15m
key_fields: [srcaddr]
mitre: [{ technique: T1046, name: Network Service Discovery }]
runbook: Look at the source and decide what to do about it.
${extra}*/
`;
const body = `SELECT srcaddr, severity FROM flow_logs
WHERE dt BETWEEN :dt_start AND :dt_end AND start >= :window_start AND start < :window_end`;

describe('inventory_dt_start', () => {
  it('is the hour seven days before the window start, whatever the flow_logs partition format', () => {
    expect(inventoryDtStart(bounds.windowStart)).toBe('2024/04/24/10');
    // GIVEN a detection that joins the inventory WHEN rendered
    const d = loadDetections().find((x) => x.meta.id === 'threat-intel-match')!;
    const r = renderDetection(d, { ...bounds, dtStart: '2024/05/01', dtEnd: '2024/05/01' });
    // THEN the inventory bound is bound as a parameter, next to the daily flow_logs bounds
    expect(r.params).toContain('2024/04/24/10');
    expect(r.params).toContain('2024/05/01');
  });

  it('is optional, unlike the window and partition bounds', () => {
    // GIVEN a detection that does not join the inventory THEN it parses without using it
    expect(() => parseDetection(header() + body, '<graded>')).not.toThrow();
    // AND one that leaves out :dt_end is refused
    expect(() => parseDetection(header() + body.replace(':dt_end', "'x'"), '<graded>')).toThrow(
      /:dt_end is declared but the SQL never uses it/,
    );
  });
});

describe('a severity result column', () => {
  const d = parseDetection(header() + body, '<graded>');
  const window = { start: bounds.windowStart, end: bounds.windowEnd };

  it('overrides the header severity for its row', () => {
    expect(rowToFinding(d, { srcaddr: '10.0.0.1', severity: 'low' }, window).severity).toBe('low');
    expect(rowToFinding(d, { srcaddr: '10.0.0.1', severity: 'critical' }, window).severity).toBe('critical');
  });

  it('keeps the header severity when the query has no such column', () => {
    expect(rowToFinding(d, { srcaddr: '10.0.0.1' }, window).severity).toBe('high');
  });

  it('refuses a value that is not a severity, naming the detection', () => {
    expect(() => rowToFinding(d, { srcaddr: '10.0.0.1', severity: 'urgent' }, window)).toThrow(
      /<graded>: result column 'severity' is "urgent"; expected one of low, medium, high, critical/,
    );
  });
});

describe('{{ latest_eni_inventory }}', () => {
  it('expands to the latest snapshot per interface, bounded by :inventory_dt_start', () => {
    // GIVEN a detection that joins the macro
    const d = parseDetection(
      `${header()}SELECT f.srcaddr, i.name_tag FROM flow_logs f
LEFT JOIN {{ latest_eni_inventory }} i ON i.interface_id = f.interface_id
WHERE f.dt BETWEEN :dt_start AND :dt_end AND f.start >= :window_start AND f.start < :window_end
ORDER BY 1`,
      '<macro>',
    );
    // WHEN rendered
    const r = renderDetection(d, bounds);
    // THEN the subquery ranks snapshots per interface and bounds dt with a bound parameter
    expect(r.sql).toContain('row_number() OVER (PARTITION BY e.interface_id ORDER BY e.snapshot_time DESC)');
    expect(r.sql).toMatch(/WHERE e\.dt >= \?/);
    expect(r.sql).not.toContain('{{');
    expect(r.params[0]).toBe('2024/04/24/10');
  });
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV } from '../../lib/constants/env';
import { rowToFinding } from '../../lib/detection/finding';
import { DETECTIONS_DIR, loadDetectionFile } from '../../lib/detection/registry';
import { loadRunnerConfig } from '../../lib/runtime/config';
import { decide } from '../../lib/runtime/dedupe';
import { scheduledTimeOf } from '../../lib/runtime/detection-handler';

const base = {
  [ENV.DETECTION_ID]: 'rejected-connections',
  [ENV.WORKGROUP]: 'wg',
  [ENV.DATABASE]: 'db',
  [ENV.DEDUPE_TABLE]: 't',
  [ENV.ALERT_TOPIC_ARN]: 'arn:aws:sns:us-east-1:123456789012:alerts',
};

describe('loadRunnerConfig', () => {
  it('applies defaults and parses settings and CIDRs', () => {
    const c = loadRunnerConfig({
      ...base,
      [ENV.DETECTION_SETTINGS]: '{"thresholds":{"min_rejected_flows":5}}',
      [ENV.INTERNAL_CIDRS]: '["10.0.0.0/8","fd00::/8"]',
    });
    expect(c.detection.meta.id).toBe('rejected-connections');
    expect(c.deliveryDelaySeconds).toBe(600);
    expect(c.partitionGranularity).toBe('hour');
    expect(c.chatbot).toBe(false);
    expect(c.settings).toEqual({ thresholds: { min_rejected_flows: 5 } });
    expect(c.internalCidrs?.map((x) => x.text)).toEqual(['10.0.0.0/8', 'fd00::/8']);
  });

  it.each([
    [
      { [ENV.DETECTION_ID]: undefined },
      'environment variable FLOWWATCH_DETECTION_ID: is required but not set',
    ],
    [
      { [ENV.DETECTION_ID]: '../etc/passwd' },
      "FLOWWATCH_DETECTION_ID: '../etc/passwd' is not a detection id",
    ],
    [{ [ENV.DETECTION_ID]: 'no-such-detection' }, /FLOWWATCH_SQL_DIR: no no-such-detection.sql under/],
    [{ [ENV.INTERNAL_CIDRS]: '["10.0.0.0/33"]' }, /FLOWWATCH_INTERNAL_CIDRS: invalid CIDR '10.0.0.0\/33'/],
    [{ [ENV.INTERNAL_CIDRS]: '10.0.0.0/8' }, /FLOWWATCH_INTERNAL_CIDRS: is not valid JSON/],
    [{ [ENV.DETECTION_SETTINGS]: '{"threshold":{}}' }, /FLOWWATCH_DETECTION_SETTINGS: .*threshold/],
    [
      { [ENV.PARTITION_GRANULARITY]: 'minute' },
      "FLOWWATCH_PARTITION_GRANULARITY: 'minute' must be 'hour' or 'day'",
    ],
    [{ [ENV.CHATBOT_ENABLED]: 'yes' }, "FLOWWATCH_CHATBOT_ENABLED: 'yes' must be 'true' or 'false'"],
    [{ [ENV.ALERT_TOPIC_ARN]: '' }, 'FLOWWATCH_ALERT_TOPIC_ARN: is required but not set'],
  ])('names the variable in the error: %j', (patch, message) => {
    expect(() => loadRunnerConfig({ ...base, ...patch })).toThrow(message);
  });

  it('finds the SQL whether FLOWWATCH_SQL_DIR is the detections folder or a parent of it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-sql-'));
    try {
      const text = readFileSync(join(DETECTIONS_DIR, 'rejected-connections.sql'), 'utf8');
      mkdirSync(join(dir, 'sql', 'detections'), { recursive: true });
      writeFileSync(join(dir, 'sql', 'detections', 'rejected-connections.sql'), text);
      for (const d of [dir, join(dir, 'sql'), join(dir, 'sql', 'detections')])
        expect(loadRunnerConfig({ ...base, [ENV.SQL_DIR]: d }).detection.path).toBe(
          join(dir, 'sql', 'detections', 'rejected-connections.sql'),
        );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('scheduledTimeOf', () => {
  it('takes event.time and refuses events without one', () => {
    expect(scheduledTimeOf({ time: '2024-05-01T10:25:00Z' }).toISOString()).toBe('2024-05-01T10:25:00.000Z');
    expect(() => scheduledTimeOf({})).toThrow('event.time is missing');
    expect(() => scheduledTimeOf({ time: 'yesterday' })).toThrow(
      "event.time 'yesterday' is not an ISO-8601 timestamp",
    );
  });
});

describe('decide (dedupe policy)', () => {
  const d = loadDetectionFile(join(DETECTIONS_DIR, 'rejected-connections.sql'));
  const f = rowToFinding(d, { srcaddr: '203.0.113.9', flows: 500, bytes: 100 }, { start: 0, end: 10_000 });
  const policy = { suppressionSeconds: 3600 };
  const item = {
    fingerprint: f.fingerprint,
    version: 3,
    detection: d.meta.id,
    firstSeen: 5_000,
    lastSeen: 9_000,
    lastRun: 'run-a',
    expiresAt: 12_600,
    seenCount: 2,
    status: 'sent' as const,
    alertedAt: 9_000,
    alertedRank: 1,
    alertedBytes: 100n,
    alertReason: 'new' as const,
  };

  it('alerts on a severity above the one it alerted with', () => {
    // GIVEN it last alerted as low (rank 0) and now reports medium
    expect(decide({ ...item, alertedRank: 0 }, f, 'run-b', 10_000, policy)).toEqual({
      action: 'alert',
      context: { reason: 'escalated', firstSeen: '1970-01-01T01:23:20Z', note: 'severity rose to medium' },
    });
  });

  it('suppresses a repeat, skips its own run, and re-sends only pending claims of earlier windows', () => {
    expect(decide(item, f, 'run-b', 10_000, policy)).toEqual({ action: 'suppress' });
    expect(decide({ ...item, lastRun: 'run-b' }, f, 'run-b', 10_000, policy)).toEqual({ action: 'skip' });
    // pending from an earlier window: taken over
    expect(
      decide({ ...item, status: 'pending', pendingRun: 'run-a' }, f, 'run-b', 10_000, policy).action,
    ).toBe('alert');
    // pending from a concurrent run of the same window: left to it
    expect(
      decide(
        { ...item, status: 'pending', pendingRun: 'run-x', alertedAt: 10_000 },
        f,
        'run-b',
        10_000,
        policy,
      ).action,
    ).toBe('suppress');
    // after a write conflict nothing pending is taken over
    expect(
      decide({ ...item, status: 'pending', pendingRun: 'run-a' }, f, 'run-b', 10_000, policy, false).action,
    ).toBe('suppress');
  });
});

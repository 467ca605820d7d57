import { hourStartOfDt, modelDetectionCosts } from '../../bench/athena-model';
import { GB } from '../../bench/cost';
import { parseDetection } from '../../lib/detection/registry';

const detection = (schedule: string, lookback: string) =>
  parseDetection(
    `/*
id: bench-probe
title: Probe detection for the cost model
description: Reads srcaddr and bytes in the window, nothing else.
severity: low
schedule: ${schedule}
lookback: ${lookback}
key_fields: [srcaddr]
mitre:
  - technique: T1046
    name: Network Service Discovery
runbook: Nothing to do, this detection only exists in a test.
*/
SELECT srcaddr, sum(bytes) AS bytes FROM flow_logs
WHERE dt BETWEEN :dt_start AND :dt_end AND start >= :window_start AND start < :window_end
GROUP BY srcaddr`,
    '<test>',
  );

describe('modelDetectionCosts', () => {
  // GIVEN 24 hourly partitions of 100 text bytes and Parquet with srcaddr=10, bytes=20, dstaddr=70 each
  const start = hourStartOfDt('2026/01/15/00');
  const dts = Array.from({ length: 24 }, (_, h) => `2026/01/15/${String(h).padStart(2, '0')}`);
  const layout = {
    textBytes: new Map(dts.map((d) => [d, 100])),
    parquetColumnBytes: new Map(
      dts.map((d) => [
        d,
        new Map([
          ['srcaddr', 10],
          ['bytes', 20],
          ['dstaddr', 70],
        ]),
      ]),
    ),
    rawBytes: 24 * 1000,
    span: { start, end: start + 24 * 3600 },
  };

  it('averages the partitions a 15-minute run reads over the hour (delay 15 min)', () => {
    // WHEN a 15-minute detection runs every 15 minutes with a 15-minute delivery delay
    const [c] = modelDetectionCosts([detection('rate(15 minutes)', '15m')], layout, [GB], 900, 30);
    // THEN runs at :00/:15/:30/:45 read 1, 1.25, 0.5, 0.75 hours: about 0.875 on average
    // (91 runs fit between 01:30 and 24:00, so the phases are not exactly balanced)
    expect(c!.runsModelled).toBe(91);
    expect(c!.partitionsPerRun).toBeCloseTo(0.875, 1);
    expect(c!.columns).toEqual(['srcaddr', 'bytes', 'start']);
    expect(c!.runsPerDay).toBe(96);
    const v = c!.perVolume.get(GB)!;
    // AND Parquet reads only srcaddr + bytes (start is absent from this layout): 30/100 of the text bytes
    expect(v.parquet! / v.text).toBeCloseTo(0.3, 6);
    // AND the local data is 24 000 raw bytes/day, so 1 GiB/day scales bytes by GiB/24000
    expect(v.text).toBeCloseTo(c!.partitionsPerRun * 100 * (GB / 24000), 0);
    expect(v.unpartitionedText).toBeCloseTo(24 * 100 * (GB / 24000) * 30, 0);
  });

  it('models no run when the lookback does not fit the data', () => {
    const [c] = modelDetectionCosts([detection('rate(1 day)', '1d')], layout, [GB], 900, 30);
    expect(c!.runsModelled).toBe(0);
  });

  it('rejects a partition that is not hourly', () => {
    expect(() => hourStartOfDt('2026/01/15')).toThrow(/'2026\/01\/15' is not an hourly dt/);
  });
});

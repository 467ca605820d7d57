import { rmSync } from 'node:fs';
import { loadDetections, renderDetection } from '../../lib/detection/registry';
import type { TrinoEngine } from '../../lib/detection/trino-engine';
import { partitionBounds } from '../../lib/detection/window';
import { generateFlowLogs } from '../../lib/local/synth';
import { dataStart, flowLogsGlueTable, HOUR, listFiles, trinoTable } from './conformance-data';
import { deliveredFile } from './duckdb-files';
import { bucketDir, logsRoot } from './glue-table';
import { ACCOUNTS, REGIONS } from './synth-tables';
import { trinoFromEnv } from './trino-server';

/**
 * Partition pruning on Trino with the Glue table's projection: over 7 days of hourly text
 * partitions, a detection reads exactly the files under the `dt` partitions of its window
 * (plus the delivery slack) and nothing else. Proof from Trino's query stats: the bytes it
 * read (physicalInputBytes) equal, to the byte, the size on disk of the files in those
 * partitions (a .log.gz is read whole). Only one (account, region) stream: pruning does not depend on it,
 * and 2016 files keep the suite fast.
 */

const DAYS = 7;
let engine: TrinoEngine;
let files: { path: string; size: number; dt: string }[];
let start: number;
const report: string[] = [];

beforeAll(async () => {
  const { fsRoot } = trinoFromEnv();
  const startDate = dataStart(DAYS * 24 + 2);
  start = startDate.getTime() / 1000;
  rmSync(bucketDir(fsRoot, 'prune-text'), { recursive: true, force: true });
  const table = flowLogsGlueTable('text');
  await generateFlowLogs({
    outDir: logsRoot(fsRoot, table, 'prune-text'),
    start: startDate,
    hours: DAYS * 24,
    recordsPerHour: 300,
    accounts: [ACCOUNTS[0]],
    regions: [REGIONS[0]],
    seed: 11,
  });
  files = listFiles(bucketDir(fsRoot, 'prune-text')).map((f) => ({ ...f, dt: deliveredFile(f.path).dt }));
  engine = await trinoTable('prune_text', table, 'prune-text');
});

afterAll(() => {
  if (report.length > 0)
    process.stderr.write(
      `\nPartition pruning over ${DAYS} days of hourly partitions:\n${report.join('\n')}\n`,
    );
});

test('GIVEN 7 days of hourly partitions WHEN each detection runs over its window THEN Trino reads only the files of that window', async () => {
  const totalBytes = files.reduce((a, f) => a + f.size, 0);
  expect(files.length).toBe(DAYS * 24 * 12);
  report.push(`  data set: ${files.length} files, ${totalBytes} bytes`);
  // A window in the middle of day 4, as a scheduled run would have it.
  const windowEnd = start + 3 * 24 * HOUR + 10 * HOUR + 30 * 60;
  for (const d of loadDetections()) {
    const window = { start: windowEnd - d.lookbackSeconds, end: windowEnd };
    const { dtStart, dtEnd } = partitionBounds(window, 'hour');
    const sql = renderDetection(d, { windowStart: window.start, windowEnd: window.end, dtStart, dtEnd });
    const r = await engine.query(sql.sql, sql.params, { label: d.meta.id });
    const inWindow = files.filter((f) => f.dt >= dtStart && f.dt <= dtEnd);
    const bytes = inWindow.reduce((a, f) => a + f.size, 0);
    // THEN exactly the files of the window's partitions were read, whole (gzip text is not
    // splittable): the bytes Trino read equal their size on disk, to the byte.
    expect([d.meta.id, r.stats.physicalInputBytes]).toEqual([d.meta.id, bytes]);
    report.push(
      `  ${d.meta.id.padEnd(24)} lookback ${String(d.lookbackSeconds / 60).padStart(5)} min: ${inWindow.length} files, ${r.stats.physicalInputBytes} bytes (${((100 * r.stats.physicalInputBytes) / totalBytes).toFixed(2)}% of the data set)`,
    );
    // AND a 15-minute detection touches at most 3 hourly partitions of the 168
    if (d.lookbackSeconds <= 900)
      expect([d.meta.id, new Set(inWindow.map((f) => f.dt)).size <= 3]).toEqual([d.meta.id, true]);
  }
});

test('GIVEN the same table WHEN the window is moved by a day THEN the partitions read move with it', async () => {
  // A pruning that ignored the bounds would read the same (or all) files for both windows.
  const d = loadDetections().find((x) => x.lookbackSeconds === 900)!;
  const seen: string[][] = [];
  for (const day of [1, 5]) {
    const end = start + day * 24 * HOUR + 6 * HOUR;
    const window = { start: end - 900, end };
    const { dtStart, dtEnd } = partitionBounds(window, 'hour');
    const sql = renderDetection(d, { windowStart: window.start, windowEnd: window.end, dtStart, dtEnd });
    const r = await engine.query(sql.sql, sql.params, { label: d.meta.id });
    const inWindow = files.filter((f) => f.dt >= dtStart && f.dt <= dtEnd);
    expect(r.stats.physicalInputBytes).toBe(inWindow.reduce((a, f) => a + f.size, 0));
    seen.push([...new Set(inWindow.map((f) => f.dt))]);
  }
  expect(seen[0]!.some((dt) => seen[1]!.includes(dt))).toBe(false);
});

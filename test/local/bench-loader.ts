/**
 * Loader throughput vs `zcat files > /dev/null` (not a jest test: run it by hand).
 *
 *   npx tsx test/local/bench-loader.ts [records=4000000] [dir-to-reuse]
 *
 * Generates `records` synthetic v5 records (hourly AWS layout, gzip) unless a folder of
 * .log.gz files is given, then times zcat and loadFlowLogs (wall and CPU) on the same files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { findFlowLogFiles, loadFlowLogs } from '../../lib/local/loader';
import { generateFlowLogs } from '../../lib/local/synth';

async function main(): Promise<void> {
  const records = Number(process.argv[2] ?? 4_000_000);
  let dir = process.argv[3];
  let made = false;
  if (!dir || !existsSync(dir)) {
    dir = dir ?? mkdtempSync(path.join(tmpdir(), 'flowwatch-bench-loader-'));
    made = process.argv[3] === undefined;
    const t = Date.now();
    await generateFlowLogs({ outDir: dir, hours: 24, totalRecords: records, seed: 6, clean: true });
    console.log(`generated ${records} records in ${((Date.now() - t) / 1000).toFixed(1)} s into ${dir}`);
  }
  const files = (await findFlowLogFiles([dir])).filter((f) => f.endsWith('.gz'));
  // Warm the page cache so both sides read from memory.
  execFileSync('sh', ['-c', 'cat "$@" > /dev/null', 'sh', ...files]);

  const z0 = performance.now();
  for (let i = 0; i < files.length; i += 500) {
    execFileSync('sh', ['-c', 'zcat "$@" > /dev/null', 'sh', ...files.slice(i, i + 500)]);
  }
  const zcatMs = performance.now() - z0;

  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const cpu0 = process.cpuUsage();
  const l0 = performance.now();
  const report = await loadFlowLogs(conn, [dir]);
  const loadMs = performance.now() - l0;
  const cpu = process.cpuUsage(cpu0);
  conn.closeSync();
  instance.closeSync();

  const rate = (ms: number) => `${Math.round((report.rows * 1000) / ms).toLocaleString('en-US')} rows/s`;
  console.log(
    `${files.length} files, ${report.rows} rows, ${report.skippedLines} skipped, ${report.corruptFiles.length} corrupt`,
  );
  console.log(`zcat > /dev/null: ${(zcatMs / 1000).toFixed(2)} s  (${rate(zcatMs)})`);
  console.log(
    `loadFlowLogs:     ${(loadMs / 1000).toFixed(2)} s  (${rate(loadMs)}), CPU user ${(cpu.user / 1e6).toFixed(2)} s + sys ${(cpu.system / 1e6).toFixed(2)} s`,
  );
  console.log(`ratio load/zcat:  ${(loadMs / zcatMs).toFixed(2)}`);
  if (made) rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

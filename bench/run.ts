/**
 * `npm run bench -- [--records N]`: local scan speed against its floor and a naive baseline,
 * peak memory and linearity, the Athena cost model, and Lambda bundle size and cold import.
 * Everything is measured in one run on generated data that is deleted afterwards.
 * Ends with one line per goal: `<metric>: <value> (goal <goal>)`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { FLOW_LOG_FIELDS } from '../lib/detection/fields';
import { loadDetections, renderDetection } from '../lib/detection/registry';
import { generateFlowLogs, type SynthResult } from '../lib/local/synth';
import { parseBenchArgs, UsageRequested } from './args';
import { type DetectionCost, modelDetectionCosts, monthly } from './athena-model';
import { GB, referencedColumns, TB } from './cost';
import { explainParquetColumns } from './explain';
import { dtOfPath, gzipUncompressedSize, listFiles, totalBytes } from './files';
import {
  type ParquetFloor,
  parquetFileBytes,
  parquetFloor,
  reencodeParquet,
  type Timing,
  warmPageCache,
  zcatFloor,
} from './floor';
import { type LambdaMeasure, measureLambdas } from './lambda';
import { GNU_TIME, type Measured, runMeasured } from './proc';
import { fixed, type Goal, goalLine, humanBytes, humanRate, shortCount, table, usd } from './report';

/** The package root (works from bench/ under tsx and from dist/bench/). */
function findRoot(): string {
  for (let d = __dirname; dirname(d) !== d; d = dirname(d))
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'sql'))) return d;
  throw new Error('cannot find the FlowWatch package root from bench/');
}

const ROOT = findRoot();
const CLI = join(ROOT, 'dist', 'bin', 'flowwatch.js');
const NAIVE = join(ROOT, 'dist', 'bench', 'naive-baseline.js');
const HOURS = 24;
const MAX_RSS_BYTES = 2 * GB;

function log(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

function step(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

interface ScanRun {
  readonly measured: Measured;
  readonly findings: Map<string, number>;
  readonly error?: string;
}

/** `flowwatch scan <dir> --format json --quiet` as its own process, with time and peak RSS. */
async function scan(dir: string): Promise<ScanRun> {
  const measured = await runMeasured(process.execPath, [CLI, 'scan', dir, '--format', 'json', '--quiet'], {
    cwd: ROOT,
  });
  const findings = new Map<string, number>();
  for (const line of measured.stdout.split('\n')) {
    if (!line.trim()) continue;
    try {
      const f = JSON.parse(line) as { detection?: string };
      findings.set(f.detection ?? '?', (findings.get(f.detection ?? '?') ?? 0) + 1);
    } catch {
      return { measured, findings, error: `scan printed a line that is not JSON: ${line.slice(0, 200)}` };
    }
  }
  if (measured.exitCode !== 0)
    return {
      measured,
      findings,
      error: `scan exited ${measured.exitCode}: ${measured.stderr.trim().slice(-1500)}`,
    };
  return { measured, findings };
}

async function generate(dir: string, records: number, parquet: boolean): Promise<SynthResult> {
  let last = 0;
  return generateFlowLogs({
    outDir: join(dir, 'text'),
    parquetDir: parquet ? join(dir, 'parquet') : undefined,
    hours: HOURS,
    totalRecords: records,
    seed: 6,
    clean: true,
    onProgress: (done, total) => {
      const pct = Math.floor((done * 10) / total);
      if (pct > last) {
        last = pct;
        step(`  text files ${done}/${total}`);
      }
    },
  });
}

/** The commit measured, with `+dirty` when the working tree has changes (or `unknown` outside git). */
function gitRevision(): string {
  const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (rev.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return `${rev.stdout.trim()}${dirty.stdout.trim() ? '+dirty' : ''}`;
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} CPUs (${cpu}), ${humanBytes(totalmem())} RAM (${humanBytes(freemem())} free), Node ${process.version}, ${process.platform} ${process.arch}`;
}

function costTable(costs: readonly DetectionCost[], volume: number): string {
  const rows: string[][] = [
    [
      'detection',
      'schedule',
      'runs/day',
      'hours read/run',
      'columns',
      'bytes/run text',
      'bytes/run parquet',
      '$/month text',
      '$/month parquet',
      '$/month unpart. text',
      '$/month unpart. parquet',
    ],
  ];
  const totals = [0, 0, 0, 0];
  for (const c of costs) {
    const v = c.perVolume.get(volume)!;
    const m = [
      monthly(v.text, c.runsPerDay),
      monthly(v.parquet, c.runsPerDay),
      monthly(v.unpartitionedText, c.runsPerDay),
      monthly(v.unpartitionedParquet, c.runsPerDay),
    ];
    m.forEach((x, i) => {
      totals[i]! += x ?? 0;
    });
    rows.push([
      c.id,
      c.schedule,
      fixed(c.runsPerDay, 0),
      c.runsModelled ? fixed(c.partitionsPerRun, 2) : 'n/a',
      `${c.columns.length}/${FLOW_LOG_FIELDS.length}`,
      c.runsModelled ? humanBytes(v.text) : 'n/a',
      c.runsModelled && v.parquet !== undefined ? humanBytes(v.parquet) : 'n/a',
      ...m.map((x, i) => (x === undefined || (i < 2 && !c.runsModelled) ? 'n/a' : usd(x))),
    ]);
  }
  rows.push(['all detections', '', '', '', '', '', '', ...totals.map(usd)]);
  return table(rows);
}

async function main(): Promise<void> {
  const opts = parseBenchArgs(process.argv.slice(2));
  const goals: Goal[] = [];
  const work = opts.workDir ?? mkdtempSync(join(tmpdir(), 'flowwatch-bench-'));
  let cleaned = false;
  const cleanup = () => {
    if (cleaned || opts.keep) return;
    cleaned = true;
    rmSync(work, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  const started = new Date();
  log(`FlowWatch benchmark, ${started.toISOString()}`);
  log(`machine: ${machine()}`);
  log(`code: ${gitRevision()}`);
  log(`command: npm run bench -- ${process.argv.slice(2).join(' ')}`.trimEnd());
  log(
    `load average at start: ${loadavg()
      .map((x) => fixed(x, 2))
      .join(' ')} (other processes share these CPUs)`,
  );
  log(`peak RSS via: ${existsSync(GNU_TIME) ? `${GNU_TIME} -v` : '/proc/<pid>/status VmHWM polling'}`);
  log(`work dir: ${work}${opts.keep ? ' (kept)' : ' (deleted at the end)'}`);
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: run \`npm run build\` first (npm run bench does)`);

  try {
    const detections = loadDetections();
    const allColumns = FLOW_LOG_FIELDS.map((f) => f.column);
    const probeBounds = { windowStart: 0, windowEnd: 1, dtStart: 'a', dtEnd: 'b' };
    const usedColumns = [
      ...new Set(
        detections.flatMap((d) => referencedColumns(renderDetection(d, probeBounds).sql, allColumns)),
      ),
    ];

    // ---- data -------------------------------------------------------------------------------
    const big = join(work, 'big');
    const withParquet = !opts.skip.has('parquet') || !opts.skip.has('cost');
    step(`generating ${opts.records} records over ${HOURS}h (text${withParquet ? ' + Parquet' : ''})`);
    const t0 = Date.now();
    const synth = await generate(big, opts.records, withParquet);
    const genSeconds = (Date.now() - t0) / 1000;
    const N = synth.records;
    const textFiles = listFiles(join(big, 'text'), ['.log.gz']);
    const parquetFiles = withParquet ? listFiles(join(big, 'parquet'), ['.parquet']) : [];
    const rawBytes = textFiles.reduce((s, f) => s + gzipUncompressedSize(f), 0);
    const gzBytes = totalBytes(textFiles);
    const pqBytes = totalBytes(parquetFiles);
    log('');
    log(
      `## Data set: ${N} records (${synth.attackRecords} injected attack records), ${HOURS} h, generated in ${fixed(genSeconds, 1)} s`,
    );
    log(
      `text: ${textFiles.length} .log.gz files, ${humanBytes(gzBytes)} (${humanBytes(rawBytes)} uncompressed, ${fixed(rawBytes / N, 0)} B/record)`,
    );
    if (withParquet) log(`parquet: ${parquetFiles.length} files, ${humanBytes(pqBytes)}`);
    await warmPageCache([...textFiles, ...parquetFiles]);

    // ---- floors -------------------------------------------------------------------------------
    step('floor: zcat');
    const zcat = await zcatFloor(textFiles);
    let pqFloor: ParquetFloor | undefined;
    let pqColumnBytes: Map<string, Map<string, number>> | undefined;
    let pqGzipBytes = 0;
    let planColumns: Map<string, string[]> | undefined;
    if (withParquet) {
      step('floor: DuckDB count over Parquet');
      const inst = await DuckDBInstance.create(':memory:');
      const conn = await inst.connect();
      try {
        pqFloor = await parquetFloor(conn, parquetFiles, usedColumns);
        if (pqFloor.rows !== N) throw new Error(`Parquet copy holds ${pqFloor.rows} rows, expected ${N}`);
        if (!opts.skip.has('cost')) {
          step('cost model: Gzip copy of the Parquet files (as AWS delivers them), EXPLAIN per detection');
          const extra = await Promise.all(
            Array.from({ length: Math.max(0, cpus().length - 1) }, () => inst.connect()),
          );
          const gz = await reencodeParquet(
            [conn, ...extra],
            parquetFiles,
            join(big, 'parquet'),
            join(big, 'parquet-gzip'),
          );
          for (const c of extra) c.closeSync();
          pqGzipBytes = totalBytes(gz);
          pqColumnBytes = await parquetFileBytes(conn, gz);
          planColumns = await explainParquetColumns(conn, parquetFiles, detections, {
            start: synth.span.start + 3600,
            end: synth.span.start + 7200,
          });
        }
      } finally {
        conn.closeSync();
        inst.closeSync();
      }
    }

    // ---- naive baseline ---------------------------------------------------------------------------
    let naive: { timing: Timing; reported: number; rssBytes?: number } | undefined;
    if (!opts.skip.has('baseline')) {
      step('naive baseline: readline + split + Map');
      const list = join(work, 'files.txt');
      writeFileSync(list, textFiles.join('\n'));
      const threshold = detections.find((d) => d.meta.id === 'rejected-connections')?.meta.thresholds
        .min_rejected_flows?.default;
      const r = await runMeasured(process.execPath, [NAIVE, list, String(threshold ?? 100)]);
      if (r.exitCode !== 0) throw new Error(`naive baseline failed: ${r.stderr.trim()}`);
      const out = JSON.parse(r.stdout) as { records: number; reported: number };
      if (out.records !== N) throw new Error(`naive baseline read ${out.records} records, expected ${N}`);
      naive = {
        timing: { wallMs: r.wallMs, cpuMs: r.cpuMs },
        reported: out.reported,
        rssBytes: r.peakRssBytes,
      };
    }

    // ---- scan ----------------------------------------------------------------------------------
    // Load-only cost: the same reader, one trivial query instead of the detections.
    step('flowwatch query count(*) (text, load only)');
    const loadOnly = await runMeasured(
      process.execPath,
      [CLI, 'query', 'SELECT count(*) AS n FROM flow_logs', join(big, 'text'), '--format', 'json'],
      { cwd: ROOT },
    );
    step('flowwatch scan (text)');
    const scanText = await scan(join(big, 'text'));
    let scanPq: ScanRun | undefined;
    if (withParquet && !opts.skip.has('parquet')) {
      step('flowwatch scan (Parquet)');
      scanPq = await scan(join(big, 'parquet'));
    }
    const timingOf = (s: ScanRun | undefined): Timing | undefined =>
      s && !s.error ? { wallMs: s.measured.wallMs, cpuMs: s.measured.cpuMs } : undefined;
    const scanT = timingOf(scanText);
    const scanP = timingOf(scanPq);

    log('');
    log(`## Local scan, ${N} records (wall time; CPU = user + system of all threads)`);
    const rows: string[][] = [['measurement', 'wall s', 'records/s', 'CPU s', 'peak RSS', 'result']];
    const sec = (ms: number | undefined) => (ms === undefined ? '' : fixed(ms / 1000, 2));
    const row = (label: string, t: Timing | undefined, rss?: number, result = '') => [
      label,
      t ? sec(t.wallMs) : 'failed',
      t ? humanRate((N * 1000) / t.wallMs) : '',
      sec(t?.cpuMs),
      rss ? humanBytes(rss) : '',
      result,
    ];
    rows.push(row('floor: zcat *.log.gz > /dev/null', zcat));
    if (pqFloor) {
      rows.push(
        row(
          'floor: DuckDB count(*) on Parquet (metadata only)',
          pqFloor.bareCount,
          undefined,
          `${pqFloor.rows} rows`,
        ),
      );
      rows.push(
        row(`floor: DuckDB count(${usedColumns.length} detection columns) on Parquet`, pqFloor.columnsCount),
      );
    }
    if (naive)
      rows.push(
        row(
          'naive baseline (rejected-connections only)',
          naive.timing,
          naive.rssBytes,
          `${naive.reported} sources >= threshold`,
        ),
      );
    rows.push(
      row(
        'flowwatch query count(*), text (load only, no detection)',
        loadOnly.exitCode === 0 ? { wallMs: loadOnly.wallMs, cpuMs: loadOnly.cpuMs } : undefined,
        loadOnly.peakRssBytes,
        loadOnly.exitCode === 0 ? loadOnly.stdout.trim().slice(0, 40) : `exit ${loadOnly.exitCode}`,
      ),
    );
    const findingsText = (s: ScanRun) =>
      s.error ? 'see below' : `${[...s.findings.values()].reduce((a, b) => a + b, 0)} findings`;
    rows.push(
      row(
        `flowwatch scan, ${detections.length} detections, text`,
        scanT,
        scanText.measured.peakRssBytes,
        findingsText(scanText),
      ),
    );
    if (scanPq)
      rows.push(
        row(
          `flowwatch scan, ${detections.length} detections, Parquet`,
          scanP,
          scanPq.measured.peakRssBytes,
          findingsText(scanPq),
        ),
      );
    log(table(rows));
    for (const [label, s] of [
      ['text', scanText],
      ['Parquet', scanPq],
    ] as const) {
      if (!s) continue;
      if (s.error) log(`scan (${label}) FAILED: ${s.error}`);
      else
        log(
          `findings (${label}): ${[...s.findings.entries()].map(([k, v]) => `${k}=${v}`).join(', ') || 'none'}`,
        );
    }
    if (naive && !scanText.error) {
      const scanRejected = scanText.findings.get('rejected-connections') ?? 0;
      log(
        `cross-check: naive baseline reports ${naive.reported} sources, scan's rejected-connections ${scanRejected} (${naive.reported === scanRejected ? 'agree' : 'DIFFER'})`,
      );
    }

    log('');
    log('ratios (wall; CPU in brackets):');
    const ratio = (a: Timing | undefined, b: Timing | undefined) =>
      a && b
        ? `${fixed(a.wallMs / b.wallMs)}${a.cpuMs && b.cpuMs ? ` (CPU ${fixed(a.cpuMs / b.cpuMs)})` : ''}`
        : 'n/a';
    log(`  scan/floor, text vs zcat: ${ratio(scanT, zcat)}`);
    if (pqFloor) log(`  scan/floor, Parquet vs DuckDB column count: ${ratio(scanP, pqFloor.columnsCount)}`);
    if (naive) log(`  baseline/scan, text: ${ratio(naive.timing, scanT)}`);
    if (scanPq) log(`  scan text/Parquet: ${ratio(scanT, scanP)}`);
    goals.push({
      metric: 'scan/floor ratio (text)',
      value: scanT ? fixed(scanT.wallMs / zcat.wallMs) : undefined,
      goal: '<= 1.5',
      met: scanT ? scanT.wallMs / zcat.wallMs <= 1.5 : undefined,
    });
    if (naive)
      goals.push({
        metric: 'baseline/scan ratio (text)',
        value: scanT ? fixed(naive.timing.wallMs / scanT.wallMs) : undefined,
        goal: '>= 5',
        met: scanT ? naive.timing.wallMs / scanT.wallMs >= 5 : undefined,
      });
    const peak = Math.max(scanText.measured.peakRssBytes ?? 0, scanPq?.measured.peakRssBytes ?? 0);
    goals.push({
      metric: `scan peak RSS at ${shortCount(opts.records)} records`,
      value: peak > 0 && scanT ? `${fixed(peak / 1024 ** 2, 0)} MiB` : undefined,
      goal: '< 2048 MiB',
      met: peak > 0 && scanT ? peak < MAX_RSS_BYTES : undefined,
    });

    // ---- Athena cost model -------------------------------------------------------------------------
    if (!opts.skip.has('cost')) {
      const textByDt = new Map<string, number>();
      for (const f of textFiles) {
        const dt = dtOfPath(f);
        if (!dt) throw new Error(`${f}: not in the hourly AWS layout`);
        textByDt.set(dt, (textByDt.get(dt) ?? 0) + totalBytes([f]));
      }
      let pqByDt: Map<string, Map<string, number>> | undefined;
      if (pqColumnBytes) {
        pqByDt = new Map();
        for (const [f, cols] of pqColumnBytes) {
          const dt = dtOfPath(f);
          if (!dt) throw new Error(`${f}: not in the hourly AWS layout`);
          const acc = pqByDt.get(dt) ?? new Map<string, number>();
          for (const [c, b] of cols) acc.set(c, (acc.get(c) ?? 0) + b);
          pqByDt.set(dt, acc);
        }
      }
      const volumes = [100 * GB, TB];
      const costs = modelDetectionCosts(
        detections,
        { textBytes: textByDt, parquetColumnBytes: pqByDt, rawBytes, span: synth.span },
        volumes,
        opts.deliveryDelaySeconds,
        opts.retentionDays,
        planColumns,
      );
      log('');
      log('## Athena cost model ($5/TB, 10 MB minimum per query, 30-day month)');
      log(
        `Daily volume = uncompressed flow log text per day. Measured here: gzip text is ${fixed((gzBytes / rawBytes) * 100, 1)}% of it${withParquet ? `, Parquet ${fixed((pqBytes / rawBytes) * 100, 1)}% with Snappy (the generator's copy, what scan reads) and ${fixed((pqGzipBytes / rawBytes) * 100, 1)}% with Gzip (AWS's codec, used below)` : ''}.`,
      );
      log(
        `A run at time T reads the hourly partitions its SQL selects (dt BETWEEN :dt_start AND :dt_end, window ending ${opts.deliveryDelaySeconds}s before T, partition slack 1h), the current hour only as far as written; averaged over every scheduled run inside the ${HOURS}h data set. Parquet: only the chunks (sizes from parquet_metadata) of the columns DuckDB's plan reads (EXPLAIN: scan projections + pushed-down filters). Unpartitioned: every run reads all ${opts.retentionDays} days kept.`,
      );
      for (const v of volumes) {
        log('');
        log(`### ${v === TB ? '1 TB' : '100 GB'}/day`);
        log(costTable(costs, v));
      }
      const skipped = costs.filter((c) => c.runsModelled === 0);
      for (const c of costs) {
        const extra = c.sqlColumns.filter((x) => !c.columns.includes(x));
        const fewer = c.columns.filter((x) => !c.sqlColumns.includes(x));
        log(
          `columns read by ${c.id}: ${c.columns.join(' ')}${extra.length || fewer.length ? ` (names in the SQL text differ: +${fewer.join(',')} -${extra.join(',')})` : ''}`,
        );
      }
      if (skipped.length)
        log(
          `n/a: lookback + delay + 1h exceeds the ${HOURS}h data set for ${skipped.map((c) => c.id).join(', ')}`,
        );
    }

    // The big data set is no longer needed; free the disk before the next one.
    if (!opts.keep) rmSync(big, { recursive: true, force: true });
    // ---- linearity ---------------------------------------------------------------------------
    if (!opts.skip.has('linearity') && !scanText.error) {
      const small = join(work, 'small');
      step(`linearity: generating ${opts.smallRecords} records`);
      const s = await generate(small, opts.smallRecords, false);
      await warmPageCache(listFiles(join(small, 'text'), ['.log.gz']));
      step('linearity: flowwatch scan (text, small)');
      const r = await scan(join(small, 'text'));
      rmSync(small, { recursive: true, force: true });
      log('');
      log('## Linearity (text scan)');
      if (r.error) log(`small scan FAILED: ${r.error}`);
      else {
        const timeRatio = scanText.measured.wallMs / r.measured.wallMs;
        const sizeRatio = N / s.records;
        log(
          table([
            ['records', 'seconds', 'records/s', 'peak RSS'],
            [
              String(s.records),
              fixed(r.measured.wallMs / 1000),
              humanRate((s.records * 1000) / r.measured.wallMs),
              r.measured.peakRssBytes ? humanBytes(r.measured.peakRssBytes) : '',
            ],
            [
              String(N),
              fixed(scanText.measured.wallMs / 1000),
              humanRate((N * 1000) / scanText.measured.wallMs),
              scanText.measured.peakRssBytes ? humanBytes(scanText.measured.peakRssBytes) : '',
            ],
          ]),
        );
        log(
          `time ratio ${fixed(timeRatio)} for ${fixed(sizeRatio, 1)}x the records (per-record cost ratio ${fixed(timeRatio / sizeRatio)})`,
        );
        goals.push({
          metric: `scan time ${shortCount(opts.smallRecords)} -> ${shortCount(opts.records)} records`,
          value: `${fixed(timeRatio)}x`,
          goal: `<= ${fixed(sizeRatio * 1.2, 1)}x (linear: ${fixed(sizeRatio, 1)}x)`,
          met: timeRatio <= sizeRatio * 1.2,
        });
      }
    }

    // ---- Lambda ---------------------------------------------------------------------------------
    if (!opts.skip.has('lambda')) {
      step('lambda: bundling and cold imports');
      const out = join(work, 'lambda');
      let lambdas: LambdaMeasure[] = [];
      try {
        lambdas = await measureLambdas(ROOT, out, opts.lambdaRuns);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
      log('');
      log(
        '## Lambda bundles (esbuild as lib/infra/function.ts bundles: minified, cjs, node24, @aws-sdk/client-* external; .map excluded)',
      );
      log(
        table([
          [
            'function',
            'index.js',
            '+ copied assets',
            'total',
            `cold import ms (median of ${opts.lambdaRuns})`,
            'runs (ms)',
            'self-contained index.js',
            'its cold import ms',
          ],
          ...lambdas.map((l) => [
            l.name,
            humanBytes(l.bundleBytes),
            humanBytes(l.assetBytes),
            humanBytes(l.bundleBytes + l.assetBytes),
            fixed(l.coldImportMs, 1),
            l.coldImportRunsMs.map((x) => fixed(x, 0)).join(' '),
            humanBytes(l.selfContainedBytes),
            fixed(l.selfContainedImportMs, 1),
          ]),
        ]),
      );
      for (const l of lambdas) {
        goals.push({
          metric: `lambda ${l.name} bundle size`,
          value: `${fixed((l.bundleBytes + l.assetBytes) / 1024, 0)} KiB`,
          goal: '< 1024 KiB',
          met: l.bundleBytes + l.assetBytes < 1024 * 1024,
        });
        goals.push({
          metric: `lambda ${l.name} cold import`,
          value: `${fixed(l.coldImportMs, 0)} ms`,
          goal: '< 300 ms',
          met: l.coldImportMs < 300,
        });
      }
    }

    log('');
    log(
      `load average at end: ${loadavg()
        .map((x) => fixed(x, 2))
        .join(' ')}`,
    );
    log(`## Goals (run took ${fixed((Date.now() - started.getTime()) / 1000, 0)} s)`);
    for (const g of goals) log(goalLine(g));
    const missed = goals.filter((g) => g.met === false).map((g) => g.metric);
    if (missed.length) step(`goals missed: ${missed.join('; ')}`);
  } finally {
    cleanup();
  }
}

main().catch((e: unknown) => {
  if (e instanceof UsageRequested) {
    process.stdout.write(`${e.message}\n`);
    return;
  }
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exitCode = 2;
});

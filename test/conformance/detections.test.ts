import { rmSync } from 'node:fs';
import { writeInventorySnapshot } from '../../lib/context/inventory-store';
import { parseThreatIntel, type ThreatIntelRecord } from '../../lib/context/threat-intel';
import type { DuckDbEngine } from '../../lib/detection/duckdb-engine';
import type { QueryEngine } from '../../lib/detection/engine';
import { type Finding, toJson } from '../../lib/detection/finding';
import { type Detection, loadDetections } from '../../lib/detection/registry';
import { runDetections } from '../../lib/detection/run-detections';
import type { TrinoEngine } from '../../lib/detection/trino-engine';
import type { TimeWindow } from '../../lib/detection/window';
import { ATTACKERS, generateFlowLogs, type InjectedAttack } from '../../lib/local/synth';
import {
  builtinValues,
  canonicalRows,
  dataStart,
  flowLogsGlueTable,
  HOUR,
  renderSavedQuery,
  savedQueryFiles,
  trinoTable,
} from './conformance-data';
import { inventoryRoot, synthInventory, writeThreatIntelTableFile } from './context-data';
import { deliveredFile, duckDbOverFiles } from './duckdb-files';
import { bucketDir, logsRoot } from './glue-table';
import { ACCOUNTS, REGIONS, synthesizedTables } from './synth-tables';
import { trinoFromEnv } from './trino-server';

/**
 * Athena conformance: every detection and every saved query, with parameters bound as the
 * Lambda binds them, on Trino (Athena engine v3's engine) over the Glue table definition, in
 * both formats AWS delivers (text .log.gz with a header line, Parquet), compared with DuckDB
 * over the very same files. Synthetic data: 2 accounts x 2 regions, 5-minute files in hourly
 * prefixes, every attack the generator knows injected; beside it the context tables' files (an
 * ENI inventory snapshot of the synthetic network, threat-intel lists naming three attackers).
 *
 * Athena behaviour Trino cannot reproduce here (see docs/ATHENA-CONFORMANCE.md):
 * - S3 vs local disk: Trino reads `local:///s3/<bucket>/...` instead of `s3://<bucket>/...`;
 *   a projected partition with no objects is skipped via hive.ignore-absent-partitions.
 * - Athena's bytes-scanned billing (10 MB minimum, rounding) is not modelled; Trino's
 *   physicalInputBytes is recorded instead.
 * - Athena engine v3 tracks a Trino release chosen by AWS; this suite runs Trino 476.
 */

const HOURS = 3;
let detections: Detection[];
let attacks: InjectedAttack[];
let duck: DuckDbEngine;
let text: TrinoEngine;
let parquet: TrinoEngine;
let start: number;
const inputBytes: { detection: string; format: string; bytes: number; findings: number }[] = [];

beforeAll(async () => {
  const { fsRoot } = trinoFromEnv();
  const startDate = dataStart(HOURS + 2);
  start = startDate.getTime() / 1000;
  for (const b of ['conf-text', 'conf-parquet'])
    rmSync(bucketDir(fsRoot, b), { recursive: true, force: true });
  // GIVEN the synthesized Glue tables, each reading its own bucket folder
  const textTable = flowLogsGlueTable('text');
  const parquetTable = flowLogsGlueTable('parquet');
  const synth = await generateFlowLogs({
    outDir: logsRoot(fsRoot, textTable, 'conf-text'),
    parquetDir: logsRoot(fsRoot, parquetTable, 'conf-parquet'),
    start: startDate,
    hours: HOURS,
    recordsPerHour: 2000,
    accounts: [...ACCOUNTS],
    regions: [...REGIONS],
    seed: 7,
  });
  attacks = synth.attacks;
  detections = loadDetections();
  // AND the context tables' files in each bucket: an inventory snapshot of the synthetic network
  // at the data's first hour, and threat-intel lists naming three of the attackers
  const inventory = synthInventory(synth.topology, start);
  for (const b of ['conf-text', 'conf-parquet']) {
    await writeInventorySnapshot(inventory, inventoryRoot(fsRoot, b), {
      snapshotTime: start,
      format: 'jsonl.gz',
    });
    for (const l of THREAT_LISTS) writeThreatIntelTableFile(fsRoot, b, l.file, listRecords(l));
  }
  const local = await duckDbOverFiles(synth.files.map(deliveredFile), {
    inventory: [inventoryRoot(fsRoot, 'conf-text')],
    threatIntel: THREAT_LISTS.flatMap(listRecords),
  });
  // The local reader took every file whole: nothing skipped that Trino would read.
  expect(local.report.issues).toEqual([]);
  expect(local.report.rows).toBe(synth.records);
  duck = local;
  text = await trinoTable('conf_text', textTable, 'conf-text');
  parquet = await trinoTable('conf_parquet', parquetTable, 'conf-parquet');
});

afterAll(async () => {
  await duck?.close();
  if (inputBytes.length > 0)
    process.stderr.write(
      `\nTrino input bytes per detection run:\n${inputBytes
        .map(
          (r) =>
            `  ${r.detection.padEnd(24)} ${r.format.padEnd(8)} ${String(r.bytes).padStart(9)} B  ${r.findings} findings`,
        )
        .join('\n')}\n`,
    );
});

/** Lists naming the exfiltration drop (Feodo-style, port 443), the scanner, and a /25 around the database thief. */
const THREAT_LISTS = [
  {
    file: 'ipblocklist.csv',
    text: `"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n"2026-01-01 00:00:00","${ATTACKERS.exfilDrop}","443","online","2026-01-15","QakBot"\n`,
  },
  { file: 'own-blocklist.txt', text: `${ATTACKERS.scanner}\n` },
  { file: 'drop.txt', text: '203.0.113.128/25 ; SBL000001\n' },
];

function listRecords(l: { file: string; text: string }): ThreatIntelRecord[] {
  const parsed = parseThreatIntel(l.text, { file: l.file });
  expect([l.file, parsed.issues]).toEqual([l.file, []]);
  return parsed.records;
}

/** IPv4 as an unsigned integer (the lists above are IPv4). */
const ipv4 = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);

/**
 * Detections that should report an attack: its own, those it legitimately trips, and
 * threat-intel-match when one of its addresses is on the lists above.
 */
function detectedBy(a: InjectedAttack): string[] {
  const entries = THREAT_LISTS.flatMap(listRecords);
  const listed = [a.keys.srcaddr, a.keys.dstaddr].some(
    (x) =>
      typeof x === 'string' &&
      !x.includes(':') &&
      entries.some(
        (e) => e.ip_start !== null && e.ip_end !== null && ipv4(x) >= e.ip_start && ipv4(x) <= e.ip_end,
      ),
  );
  return [a.detection, ...a.alsoDetectedBy, ...(listed ? ['threat-intel-match'] : [])];
}

/** The window a scheduled run covering the attack would use: its lookback, ending after the attack. */
function windowFor(d: Detection, a: InjectedAttack): TimeWindow {
  const end = Math.ceil((a.end + 1) / 900) * 900;
  return { start: end - d.lookbackSeconds, end };
}

/** Findings in a comparable form: fingerprint and every returned column, exact integers. */
function comparable(findings: readonly Finding[]): string[] {
  return findings.map((f) => toJson({ fp: f.fingerprint, row: canonicalRows([f.row])[0] })).sort();
}

async function run(engine: QueryEngine, ds: readonly Detection[], w: TimeWindow) {
  const r = await runDetections(engine, ds, w);
  // A detection that fails on one engine is a conformance failure, not a skipped comparison.
  expect(r.errors).toEqual([]);
  return r;
}

test('GIVEN the synthetic data WHEN generated THEN every detection has an injected attack to find', () => {
  // Without this the comparisons below could pass on empty results.
  const covered = new Set<string>(attacks.flatMap(detectedBy));
  for (const d of detections) expect([d.meta.id, covered.has(d.meta.id)]).toEqual([d.meta.id, true]);
});

test('GIVEN attack and quiet windows WHEN each detection runs on DuckDB and on Trino (text and Parquet) THEN the findings are identical', async () => {
  for (const d of detections) {
    // Each detection over the windows of the attacks it should report, plus one window of an
    // attack it should not (so quiet windows are compared too, without 81 combinations).
    const own = attacks.filter((a) => detectedBy(a).includes(d.meta.id));
    const quiet = attacks.find((a) => !own.includes(a));
    for (const a of quiet ? [...own, quiet] : own) {
      const w = windowFor(d, a);
      // GIVEN the same window and the same bound parameters on all three
      const local = await run(duck, [d], w);
      const onText = await run(text, [d], w);
      const onParquet = await run(parquet, [d], w);
      // THEN same keys, counts and sums, row for row
      expect([d.meta.id, comparable(onText.findings)]).toEqual([d.meta.id, comparable(local.findings)]);
      expect([d.meta.id, comparable(onParquet.findings)]).toEqual([d.meta.id, comparable(local.findings)]);
      if (a.detection === d.meta.id) {
        for (const [format, r] of [
          ['text', onText],
          ['parquet', onParquet],
        ] as const) {
          const s = r.stats.perDetection[0]!;
          inputBytes.push({
            detection: d.meta.id,
            format,
            bytes: s.bytesScanned ?? -1,
            findings: s.findings,
          });
        }
        // AND the attack itself is found on Trino: some finding carries all the keys it shares with the attack.
        const hit = onParquet.findings.some((f) =>
          Object.entries(a.keys).every(([k, v]) => !(k in f.row) || String(f.row[k]) === String(v)),
        );
        expect([d.meta.id, a.description, hit]).toEqual([d.meta.id, a.description, true]);
      }
    }
  }
});

test('GIVEN the saved queries WHEN run on DuckDB and Trino with the same bound values THEN they return the same rows', async () => {
  const queries = savedQueryFiles();
  expect(queries.length).toBeGreaterThan(0);
  const exfil = attacks.find((a) => a.detection === 'exfiltration-volume');
  const inputs: Record<string, string> = {
    source_addr: ATTACKERS.scanner,
    destination_addr: String(exfil?.keys.dstaddr ?? ATTACKERS.exfilDrop),
  };
  // The responder's 24-hour window, ending after the data.
  const values = { ...builtinValues(start, start + (HOURS + 1) * HOUR), ...inputs };
  for (const q of queries) {
    for (const name of q.inputs) expect([q.id, name, name in inputs]).toEqual([q.id, name, true]);
    const sql = renderSavedQuery(q, values);
    // ORDER BY ... LIMIT n may cut through ties, and which tied rows survive is engine-defined
    // (on Athena too). So the full result (LIMIT removed) must match exactly, and each engine's
    // limited result must be as long as DuckDB's and drawn from that full result.
    const unlimited = { sql: sql.sql.replace(/\s+LIMIT\s+\d+\s*$/i, ''), params: sql.params };
    const full = canonicalRows((await duck.query(unlimited.sql, unlimited.params, { label: q.id })).rows);
    expect([q.id, full.length > 0]).toEqual([q.id, true]);
    const local = canonicalRows((await duck.query(sql.sql, sql.params, { label: q.id })).rows);
    for (const engine of [text, parquet]) {
      const all = canonicalRows((await engine.query(unlimited.sql, unlimited.params, { label: q.id })).rows);
      expect([q.id, all]).toEqual([q.id, full]);
      const limited = canonicalRows((await engine.query(sql.sql, sql.params, { label: q.id })).rows);
      expect([q.id, limited.length]).toEqual([q.id, local.length]);
      const fullSet = new Set(full);
      expect([q.id, limited.filter((r) => !fullSet.has(r))]).toEqual([q.id, []]);
    }
  }
});

test('GIVEN the named queries exactly as synthesized WHEN a responder runs them in the workgroup THEN they run on both formats, agree, and the investigations find the attacks', async () => {
  // The QueryString of each AWS::Athena::NamedQuery, unchanged: window bounds over
  // current_timestamp, thresholds as literals, the responder's inputs as `?` (the Athena console
  // prompts for them, in the order its "-- Athena asks for:" line lists them).
  const { namedQueries } = synthesizedTables();
  expect(namedQueries.length).toBeGreaterThan(detections.length);
  const exfil = attacks.find((a) => a.detection === 'exfiltration-volume');
  const inputs: Record<string, string> = {
    source_addr: ATTACKERS.scanner,
    destination_addr: String(exfil?.keys.dstaddr ?? ATTACKERS.exfilDrop),
  };
  for (const q of namedQueries) {
    const asks = /^-- Athena asks for: (.*)$/m.exec(q.queryString)?.[1] ?? '';
    const prompts = [...asks.matchAll(/([a-z_][a-z0-9_]*) \(/g)].map((m) => m[1]!);
    for (const p of prompts) expect([q.name, p, p in inputs]).toEqual([q.name, p, true]);
    const params = prompts.map((p) => inputs[p]!);
    // LIMIT may cut through ties differently per run; compare the full results.
    const full = q.queryString.replace(/\s+LIMIT\s+\d+\s*$/i, '');
    const onText = await text.query(full, params, { label: q.name });
    const onParquet = await parquet.query(full, params, { label: q.name });
    expect([q.name, canonicalRows(onText.rows)]).toEqual([q.name, canonicalRows(onParquet.rows)]);
    // Every shipped query finds something in 3 hours of traffic with every attack in it.
    expect([q.name, onParquet.rows.length > 0]).toEqual([q.name, true]);
  }
});

/**
 * Deterministic synthetic VPC Flow Logs, laid out exactly as AWS delivers them to S3.
 *
 *   const result = await generateFlowLogs({ outDir: '/tmp/logs', hours: 2, recordsPerHour: 100_000 });
 *   result.attacks  // what was injected: detection id, account, region, time, key values
 *
 * Background traffic is a small web application per (account, region): internet clients
 * reach an ALB (ELB ENIs, no instance-id) on 443, the ALB forwards to EC2 instances on 8080,
 * the app talks to an RDS-like database on 5432, resolves DNS through approved resolvers,
 * calls SaaS APIs through NAT gateways and S3 through a gateway endpoint; the internet knocks
 * on closed ports and gets REJECTed; an idle ENI writes NODATA. There is no SKIPDATA unless the
 * `log-delivery-gaps` attack is injected.
 *
 * Files: `AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{MM}/{dd}/{HH}/
 * {account}_vpcflowlogs_{region}_{flowLogId}_{yyyyMMddTHHmmZ}_{hash}.log.gz`, one per 5-minute
 * capture slot and (account, region), gzip, header line first, every v2-v5 field
 * (FLOWWATCH_FIELDS). A file is named and filed by its delivery time: 6-10 minutes after its
 * slot began, so a record lands in the hour folder of its end time or the next one, never later.
 * Same options and seed => byte-identical files.
 *
 * With `parquetDir`, the same records are also written as Parquet (DuckDB COPY, typed columns
 * named as in the Glue table) under the same layout with `.log.parquet` names.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { FLOWWATCH_FIELDS } from '../detection/fields';
import {
  ATTACK_KINDS,
  type AttackKind,
  type AttackRecords,
  buildAttack,
  type InjectedAttack,
} from './synth-attacks';
import { Prng } from './synth-prng';
import { backgroundRecords, buildPools } from './synth-records';
import { buildStream, type Stream } from './synth-topology';
import { LineWriter } from './synth-writer';

export { ATTACK_KINDS, ATTACKERS, type AttackKind, EXFIL_BYTES, type InjectedAttack } from './synth-attacks';

const gzipAsync = promisify(gzip);

export const SLOT_SECONDS = 300;
export const DEFAULT_SYNTH_START = new Date('2026-01-15T08:00:00Z');
export const DEFAULT_ACCOUNTS: readonly string[] = ['111122223333'];
export const DEFAULT_REGIONS: readonly string[] = ['us-east-1'];

/** Host part of the approved DNS resolvers in each VPC (10.x.0.53 and 10.x.1.53: Route 53 Resolver endpoints). */
export function approvedResolvers(stream: Stream): string[] {
  return stream.resolvers.map((r) => r.ip);
}

export interface SynthOptions {
  /** Folder the text files are written under (`AWSLogs/...` is created inside it). */
  readonly outDir: string;
  /** Start of the first capture slot; rounded down to 5 minutes. @default 2026-01-15T08:00:00Z */
  readonly start?: Date;
  /** Length of the generated span in hours. @default 1 */
  readonly hours?: number;
  /** Background records per hour, all accounts and regions together. @default 20000 */
  readonly recordsPerHour?: number;
  /** Background records over the whole span; overrides `recordsPerHour`. */
  readonly totalRecords?: number;
  /** 12-digit account ids (1 or 2). @default ['111122223333'] */
  readonly accounts?: readonly string[];
  /** Regions; each (account, region) pair is its own VPC and flow log. @default ['us-east-1'] */
  readonly regions?: readonly string[];
  /** Inject attacks: all (true), none (false) or the listed kinds. @default true */
  readonly attacks?: boolean | readonly AttackKind[];
  /** PRNG seed. @default 1 */
  readonly seed?: number;
  /** Also write the same records as Parquet under this folder (same AWS layout). */
  readonly parquetDir?: string;
  /** gzip level of the .log.gz files. @default 6 */
  readonly gzipLevel?: number;
  /** Remove `outDir`/`parquetDir` first. @default false */
  readonly clean?: boolean;
  /** Called after each text file is written. */
  readonly onProgress?: (filesDone: number, filesTotal: number) => void;
}

export interface SynthResult {
  readonly outDir: string;
  /** Text files written (absolute or as given by outDir), in generation order. */
  readonly files: string[];
  readonly parquetFiles: string[];
  /** Records written (background + attacks), header lines not counted. */
  readonly records: number;
  readonly backgroundRecords: number;
  readonly attackRecords: number;
  /** Bounds containing every record: the first slot start and an upper bound of record end + 1. */
  readonly span: { readonly start: number; readonly end: number };
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  /** What was injected, in time order. */
  readonly attacks: InjectedAttack[];
  /** Per (account, region): the approved DNS resolver addresses of that VPC. */
  readonly dnsResolvers: readonly string[];
  /** The network per (account, region): its interfaces, for an ENI inventory that matches the records. */
  readonly topology: readonly Stream[];
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function validate(o: SynthOptions): void {
  const hours = o.hours ?? 1;
  if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 31)
    throw new Error(`synth: hours must be an integer from 1 to 744 (got ${o.hours})`);
  for (const [name, v] of [
    ['recordsPerHour', o.recordsPerHour],
    ['totalRecords', o.totalRecords],
  ] as const)
    if (v !== undefined && (!Number.isInteger(v) || v < 0))
      throw new Error(`synth: ${name} must be a non-negative integer (got ${v})`);
  const accounts = o.accounts ?? DEFAULT_ACCOUNTS;
  if (accounts.length < 1 || accounts.length > 2)
    throw new Error('synth: accounts must list 1 or 2 account ids');
  for (const a of accounts)
    if (!/^\d{12}$/.test(a)) throw new Error(`synth: account id '${a}' is not 12 digits`);
  const regions = o.regions ?? DEFAULT_REGIONS;
  if (regions.length < 1 || regions.length > 8) throw new Error('synth: regions must list 1 to 8 regions');
  if (Array.isArray(o.attacks))
    for (const k of o.attacks)
      if (!(ATTACK_KINDS as readonly string[]).includes(k))
        throw new Error(`synth: unknown attack '${k}' (known: ${ATTACK_KINDS.join(', ')})`);
  if (o.gzipLevel !== undefined && (!Number.isInteger(o.gzipLevel) || o.gzipLevel < 1 || o.gzipLevel > 9))
    throw new Error(`synth: gzipLevel must be 1-9 (got ${o.gzipLevel})`);
}

/** S3 key (relative path) of a file delivered at `deliveredAt` (Unix seconds). */
export function deliveryKey(
  s: Stream,
  deliveredAt: number,
  hash: string,
  ext: '.log.gz' | '.log.parquet',
): string {
  const d = new Date(deliveredAt * 1000);
  const y = d.getUTCFullYear();
  const mo = pad(d.getUTCMonth() + 1);
  const da = pad(d.getUTCDate());
  const h = pad(d.getUTCHours());
  const stamp = `${y}${mo}${da}T${h}${pad(d.getUTCMinutes())}Z`;
  return join(
    'AWSLogs',
    s.account,
    'vpcflowlogs',
    s.region,
    String(y),
    mo,
    da,
    h,
    `${s.account}_vpcflowlogs_${s.region}_${s.flowLogId}_${stamp}_${hash}${ext}`,
  );
}

/** The header line AWS writes at the top of each text file: the field names in order. */
export const SYNTH_HEADER = `${FLOWWATCH_FIELDS.join(' ')}\n`;

/** Generate the data set. See the module comment for the layout and the traffic it contains. */
export async function generateFlowLogs(options: SynthOptions): Promise<SynthResult> {
  validate(options);
  const hours = options.hours ?? 1;
  const seed = options.seed ?? 1;
  const accounts = options.accounts ?? DEFAULT_ACCOUNTS;
  const regions = options.regions ?? DEFAULT_REGIONS;
  const t0 =
    Math.floor((options.start ?? DEFAULT_SYNTH_START).getTime() / 1000 / SLOT_SECONDS) * SLOT_SECONDS;
  if (!Number.isFinite(t0)) throw new Error('synth: start is not a valid date');
  const slots = (hours * 3600) / SLOT_SECONDS;
  const level = options.gzipLevel ?? 6;

  if (options.clean) {
    await rm(options.outDir, { recursive: true, force: true });
    if (options.parquetDir) await rm(options.parquetDir, { recursive: true, force: true });
  }

  const root = new Prng(seed);
  const topoRng = root.fork(1);
  const streams: Stream[] = [];
  for (const a of accounts)
    for (const r of regions)
      streams.push(buildStream(streams.length, a, r, topoRng, 16 + streams.length * 8));
  const pools = buildPools(root.fork(2));
  const attackRng = root.fork(3);
  const bgRng = root.fork(4);
  const nameRng = root.fork(5);

  // Attacks: evenly spaced over the span, round-robin over the (account, region) streams.
  const kinds: AttackKind[] =
    options.attacks === false
      ? []
      : options.attacks === true || options.attacks === undefined
        ? [...ATTACK_KINDS]
        : [...options.attacks];
  const spanSeconds = hours * 3600;
  const injected: AttackRecords[] = kinds.map((k, i) => {
    const at = t0 + Math.floor(((i + 1) * spanSeconds) / (kinds.length + 1) / 60) * 60 - 120;
    return buildAttack(k, streams[i % streams.length]!, attackRng, Math.max(t0, at));
  });
  // Attack lines by "stream:slot" so each lands in the file of its capture slot.
  const extra = new Map<string, string>();
  let attackRecords = 0;
  for (const [i, a] of injected.entries()) {
    const s = i % streams.length;
    for (const l of a.lines) {
      const slot = Math.min(slots - 1, Math.floor((l.start - t0) / SLOT_SECONDS));
      const k = `${s}:${slot}`;
      extra.set(k, (extra.get(k) ?? '') + l.text);
      attackRecords++;
    }
  }

  const total = options.totalRecords ?? (options.recordsPerHour ?? 20000) * hours;
  const cells = slots * streams.length;
  const per = Math.floor(total / cells);
  const remainder = total - per * cells;

  const files: string[] = [];
  const parquetJobs: { src: string; dst: string }[] = [];
  const madeDirs = new Set<string>();
  const inFlight: Promise<void>[] = [];
  let done = 0;
  let cell = 0;
  let maxEnd = t0;
  for (let slot = 0; slot < slots; slot++) {
    const slotStart = t0 + slot * SLOT_SECONDS;
    for (const s of streams) {
      const budget = per + (cell < remainder ? 1 : 0);
      cell++;
      // A fresh buffer per file: the previous one may still be compressing.
      const out = new LineWriter(Math.max(4096, budget * 270));
      out.s(SYNTH_HEADER);
      backgroundRecords(out, s, pools, bgRng, slotStart, budget, approvedResolvers(s));
      const attackText = extra.get(`${s.index}:${slot}`);
      if (attackText) out.s(attackText);
      const text = out.bytes();
      // Delivered 6-10 minutes after the slot began: after every record's end (<= slot + 6 min).
      const deliveredAt = slotStart + 360 + nameRng.int(240);
      const hash = nameRng.hex(8);
      const rel = deliveryKey(s, deliveredAt, hash, '.log.gz');
      const path = join(options.outDir, rel);
      files.push(path);
      if (options.parquetDir)
        parquetJobs.push({
          src: path,
          dst: join(options.parquetDir, deliveryKey(s, deliveredAt, hash, '.log.parquet')),
        });
      const dir = join(path, '..');
      if (!madeDirs.has(dir)) {
        await mkdir(dir, { recursive: true });
        madeDirs.add(dir);
      }
      // Compress on libuv's thread pool while the next file is generated; bound the backlog.
      inFlight.push(
        gzipAsync(text, { level }).then(async (gz) => {
          await writeFile(path, gz);
          options.onProgress?.(++done, cells);
        }),
      );
      if (inFlight.length >= 3) await inFlight.shift();
    }
    maxEnd = slotStart + SLOT_SECONDS + 60;
  }
  await Promise.all(inFlight);

  for (const a of injected) maxEnd = Math.max(maxEnd, a.attack.end);
  const parquetFiles = options.parquetDir ? await writeParquet(parquetJobs) : [];
  return {
    outDir: options.outDir,
    files,
    parquetFiles,
    records: total + attackRecords,
    backgroundRecords: total,
    attackRecords,
    span: { start: t0, end: maxEnd },
    accounts,
    regions,
    attacks: injected.map((a) => a.attack).sort((x, y) => x.start - y.start),
    dnsResolvers: streams.flatMap(approvedResolvers),
    topology: streams,
  };
}

/** Convert each text file to Parquet with DuckDB (typed columns named like the Glue table). */
async function writeParquet(jobs: readonly { src: string; dst: string }[]): Promise<string[]> {
  // Lazy: DuckDB is only needed when Parquet is asked for.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const { FLOW_LOG_FIELDS } = await import('../detection/fields');
  const { DUCKDB_TYPES } = await import('./schema');
  const fields = FLOWWATCH_FIELDS.map((n) => FLOW_LOG_FIELDS.find((f) => f.name === n)!);
  // Column names and types come from the field catalogue, never from input.
  const columns = `{${fields.map((f) => `'${f.name}': '${DUCKDB_TYPES[f.type]}'`).join(', ')}}`;
  const select = fields.map((f) => `"${f.name}" AS ${f.column}`).join(', ');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const out: string[] = [];
    for (const j of jobs) {
      await mkdir(join(j.dst, '..'), { recursive: true });
      await conn.run(
        `COPY (SELECT ${select} FROM read_csv($1, delim = ' ', header = true, nullstr = '-', quote = '', escape = '', columns = ${columns})) TO $2 (FORMAT parquet, COMPRESSION snappy)`,
        [j.src, j.dst],
      );
      out.push(j.dst);
    }
    return out;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

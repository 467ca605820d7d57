import { readFileSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { EniRecord } from '../context/eni-inventory';
import type { InventoryFormat, LoadInventoryResult } from '../context/inventory-store';
import type { ThreatIntelFormat, ThreatIntelIssue, ThreatIntelRecord } from '../context/threat-intel';
import { EXIT_OK, UsageError } from './errors';
import { formatCount, isoMinuteSeconds } from './format';
import type { Io } from './io';
import { parseIsoTime } from './options';

/**
 * Context tables for the CLI (issue 7, docs/CONTEXT.md): the `flowwatch inventory` command that
 * turns `aws ec2 describe-network-interfaces` dumps into inventory files, and the loading of
 * `--inventory` / `--threat-intel` into a scan's or query's DuckDB session.
 */

export interface InventoryFlags {
  out: string;
  snapshotTime?: string;
  format?: string;
  region?: string;
  account?: string;
}

const FORMATS: readonly InventoryFormat[] = ['jsonl.gz', 'parquet'];
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/;

function parseInventoryFormat(text: string | undefined): InventoryFormat {
  const f = text ?? 'jsonl.gz';
  if (!(FORMATS as readonly string[]).includes(f))
    throw new UsageError(`--format: '${f}' is not an inventory format (use ${FORMATS.join(' or ')})`);
  return f as InventoryFormat;
}

/** `flowwatch inventory <dump.json...> --out <dir>`: returns the exit code. */
export async function inventoryCommand(files: string[], flags: InventoryFlags, io: Io): Promise<number> {
  // Every option is checked before any file is read, so a typo fails fast.
  const format = parseInventoryFormat(flags.format);
  if (flags.region !== undefined && !REGION.test(flags.region))
    throw new UsageError(`--region: '${flags.region}' is not an AWS region (e.g. us-east-1)`);
  if (flags.account !== undefined && !/^\d{12}$/.test(flags.account))
    throw new UsageError(`--account: '${flags.account}' is not an AWS account id (12 digits)`);
  // The snapshot time is the caller's: the moment the dump was taken, which only they know.
  // Without --snapshot-time it is now (right for a dump made just before).
  const snapshotTime =
    flags.snapshotTime === undefined
      ? Math.floor(Date.now() / 1000)
      : parseIsoTime('--snapshot-time', flags.snapshotTime, 'floor');
  const { parseDescribeNetworkInterfaces } = await import('../context/eni-inventory');
  const { writeInventory, writeInventorySnapshot, snapshotOfFile } = await import(
    '../context/inventory-store'
  );

  const records: EniRecord[] = [];
  const seen = new Set<string>();
  let repeated = 0;
  let emptyDumps = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`${file}: cannot read: ${(e as Error).message}`);
    }
    const parsed = parseDescribeNetworkInterfaces(text, {
      snapshotTime,
      region: flags.region,
      account: flags.account,
      source: file,
    });
    if (parsed.length === 0) {
      emptyDumps++;
      if (flags.account === undefined || flags.region === undefined)
        io.err(
          `warning: ${file}: no network interfaces in the dump; nothing written for it (give --account and --region to record an empty snapshot)`,
        );
    }
    for (const r of parsed) {
      // The same interface in two dumps (overlapping pages saved twice) is kept once.
      const key = `${r.account_id}/${r.region}/${r.interface_id}`;
      if (seen.has(key)) {
        repeated++;
        continue;
      }
      seen.add(key);
      records.push(r);
    }
  }
  const written = await writeInventorySnapshot(records, flags.out, { snapshotTime, format });
  // An empty dump is a fact too: every interface of that account and region is gone. Its empty
  // file supersedes the previous snapshot (which would otherwise stay the latest one loaded).
  const { account, region } = flags;
  if (
    emptyDumps > 0 &&
    account !== undefined &&
    region !== undefined &&
    !records.some((r) => r.account_id === account && r.region === region)
  )
    written.push(await writeInventory([], flags.out, { account, region, snapshotTime, format }));
  for (const p of written) {
    const snap = snapshotOfFile(p);
    const n = records.filter((r) => r.account_id === snap?.account && r.region === snap?.region).length;
    io.out(
      `${p}  ${formatCount(n)} interface${n === 1 ? '' : 's'}, account ${snap?.account}, ${snap?.region}`,
    );
  }
  io.err(
    `${formatCount(records.length)} interface${records.length === 1 ? '' : 's'} from ${files.length} dump${files.length === 1 ? '' : 's'} -> ${written.length} inventory file${written.length === 1 ? '' : 's'}, snapshot ${isoMinuteSeconds(snapshotTime)}${repeated > 0 ? `, ${repeated} repeated interface(s) kept once` : ''}`,
  );
  return EXIT_OK;
}

// --- --inventory / --threat-intel on scan and query ------------------------------------------

/** One parsed threat-intel list. */
export interface ThreatIntelList {
  readonly file: string;
  readonly records: ThreatIntelRecord[];
  readonly issues: ThreatIntelIssue[];
  readonly duplicates: number;
}

/** What to load next to flow_logs (lists already parsed, so their errors come before any load). */
export interface ContextInput {
  readonly inventory: string[];
  /** --inventory-as-of (Unix seconds): the snapshot in force then instead of the latest. */
  readonly inventoryAsOf?: number;
  readonly threatIntel: ThreatIntelList[];
}

export interface ContextReport {
  readonly inventory?: LoadInventoryResult;
  /** The --inventory-as-of time, when given. */
  readonly inventoryAsOf?: number;
  readonly threatIntel?: { lists: number; entries: number; duplicates: number };
  /** Skipped threat-intel lines, `file:line: message`. */
  readonly issues: string[];
  /** Other context warnings (an account/region with no snapshot at --inventory-as-of). */
  readonly warnings?: string[];
}

/** The options beside --inventory / --threat-intel that shape how they load. */
export interface ContextFlags {
  readonly inventoryAsOf?: string;
  readonly threatIntelFormat?: string;
}

export const THREAT_INTEL_FORMATS: readonly ThreatIntelFormat[] = ['plain', 'csv', 'feodo', 'jsonl'];

// A zone is required: a snapshot time picked in local time by mistake would pick another snapshot.
const HAS_ZONE = /T.*(Z|[+-]\d{2}:?\d{2})$/i;

function parseAsOf(text: string): number {
  if (!HAS_ZONE.test(text.trim()))
    throw new UsageError(
      `--inventory-as-of: '${text}' is not an ISO-8601 time with a zone (use e.g. 2026-01-15T08:00:00Z or 2026-01-15T09:00:00+01:00)`,
    );
  return parseIsoTime('--inventory-as-of', text, 'floor');
}

/**
 * Parse `--inventory` / `--threat-intel` values and the options that go with them. Lists are
 * read here, before DuckDB opens: an unreadable file or a CSV without an address column fails in
 * milliseconds (ThreatIntelFileError, exit 2); a bad line is only an issue.
 */
export async function readContextOptions(
  inventory: string[] | undefined,
  threatIntel: string[] | undefined,
  flags: ContextFlags = {},
): Promise<ContextInput | undefined> {
  // Checked first: an option that would be silently ignored is a mistake worth stopping for.
  if (flags.inventoryAsOf !== undefined && !inventory?.length)
    throw new UsageError('--inventory-as-of needs --inventory (the inventory files to pick a snapshot from)');
  if (flags.threatIntelFormat !== undefined && !threatIntel?.length)
    throw new UsageError('--threat-intel-format needs --threat-intel (the lists it applies to)');
  const format = flags.threatIntelFormat as ThreatIntelFormat | undefined;
  // commander's .choices() checks this on the command line; this covers programmatic callers.
  if (format !== undefined && !THREAT_INTEL_FORMATS.includes(format))
    throw new UsageError(
      `--threat-intel-format: '${format}' is not a list format (use ${THREAT_INTEL_FORMATS.join(', ')})`,
    );
  const inventoryAsOf = flags.inventoryAsOf === undefined ? undefined : parseAsOf(flags.inventoryAsOf);
  if (!inventory?.length && !threatIntel?.length) return undefined;
  const lists: ThreatIntelList[] = [];
  if (threatIntel?.length) {
    const { readThreatIntelFile } = await import('../context/threat-intel');
    for (const file of threatIntel) {
      const r = readThreatIntelFile(file, format === undefined ? {} : { format });
      lists.push({ file, records: r.records, issues: r.issues, duplicates: r.duplicates });
    }
  }
  return { inventory: inventory ?? [], inventoryAsOf, threatIntel: lists };
}

/**
 * Load the inventory as of a time: every snapshot is listed first, so an account/region with
 * none at or before the time is a warning, and a time before every snapshot an error (an empty
 * eni_inventory would silently change findings, not fail them).
 */
async function loadInventoryAsOf(
  conn: DuckDBConnection,
  paths: string[],
  asOf: number,
): Promise<{ inventory: LoadInventoryResult; warnings: string[] }> {
  const { loadInventory } = await import('../context/inventory-store');
  const all = await loadInventory(conn, paths, { allSnapshots: true });
  const inventory = await loadInventory(conn, paths, { asOf });
  const earliest = new Map<string, number>();
  for (const s of all.snapshots) {
    const key = `${s.account_id}/${s.region}`;
    earliest.set(key, Math.min(earliest.get(key) ?? s.snapshot_time, s.snapshot_time));
  }
  const at = isoMinuteSeconds(asOf);
  if (inventory.snapshots.length === 0) {
    const first = Math.min(...earliest.values());
    throw new UsageError(
      `--inventory-as-of ${at}: no inventory snapshot at or before it; the earliest is ${isoMinuteSeconds(first)}`,
    );
  }
  const kept = new Set(inventory.snapshots.map((s) => `${s.account_id}/${s.region}`));
  const warnings = [...earliest]
    .filter(([key]) => !kept.has(key))
    .map(
      ([key, t]) =>
        `inventory ${key}: no snapshot at or before ${at} (the earliest is ${isoMinuteSeconds(t)}); its interfaces are not in eni_inventory`,
    );
  return { inventory, warnings };
}

/** Load the context tables into the session's connection (eni_inventory + eni_ips, threat_intel). */
export async function loadContext(conn: DuckDBConnection, input: ContextInput): Promise<ContextReport> {
  const issues: string[] = [];
  const warnings: string[] = [];
  let inventory: LoadInventoryResult | undefined;
  if (input.inventory.length > 0) {
    if (input.inventoryAsOf !== undefined) {
      const r = await loadInventoryAsOf(conn, input.inventory, input.inventoryAsOf);
      inventory = r.inventory;
      warnings.push(...r.warnings);
    } else {
      const { loadInventory } = await import('../context/inventory-store');
      inventory = await loadInventory(conn, input.inventory);
    }
  }
  let threatIntel: ContextReport['threatIntel'];
  if (input.threatIntel.length > 0) {
    const { loadThreatIntel, formatIssue } = await import('../context/threat-intel');
    let entries = 0;
    let duplicates = 0;
    // An empty table still exists, so a query joining threat_intel never fails on an empty list.
    for (const list of input.threatIntel) {
      entries = await loadThreatIntel(conn, list.records);
      duplicates += list.duplicates;
      for (const i of list.issues) issues.push(formatIssue(i));
    }
    threatIntel = { lists: input.threatIntel.length, entries, duplicates };
  }
  return { inventory, inventoryAsOf: input.inventoryAsOf, threatIntel, issues, warnings };
}

/** `taken <time>`, or the distinct times when account/region snapshots differ (a few, else the range). */
function snapshotTimes(inv: LoadInventoryResult): string {
  const times = [...new Set(inv.snapshots.map((s) => s.snapshot_time))].sort((a, b) => a - b);
  if (times.length === 0) return '';
  if (times.length <= 3) return `, taken ${times.map(isoMinuteSeconds).join(', ')}`;
  return `, taken ${isoMinuteSeconds(times[0]!)} to ${isoMinuteSeconds(times[times.length - 1]!)}`;
}

/** Context warnings (capped like the flow-log issues) and, unless quiet, what was loaded. */
export function printContextReport(
  report: ContextReport,
  write: (line: string) => void,
  maxIssues: number,
  quiet: boolean | undefined,
): void {
  for (const w of report.warnings ?? []) write(`warning: ${w}`);
  for (const i of report.issues.slice(0, maxIssues)) write(`warning: ${i}`);
  const hidden = report.issues.length - Math.min(report.issues.length, maxIssues);
  if (hidden > 0) write(`warning: ... ${hidden} more threat-intel issue${hidden === 1 ? '' : 's'} not shown`);
  if (report.issues.length > 0)
    write(
      `warning: ${report.issues.length} malformed threat-intel line${report.issues.length === 1 ? '' : 's'} skipped`,
    );
  if (quiet) return;
  const inv = report.inventory;
  if (inv)
    write(
      `inventory: ${formatCount(inv.rows)} interface${inv.rows === 1 ? '' : 's'} in ${inv.snapshots.length} account/region snapshot${inv.snapshots.length === 1 ? '' : 's'} from ${inv.files} file${inv.files === 1 ? '' : 's'}${snapshotTimes(inv)}${report.inventoryAsOf === undefined ? '' : ` (as of ${isoMinuteSeconds(report.inventoryAsOf)})`} (tables eni_inventory, eni_ips)`,
    );
  const ti = report.threatIntel;
  if (ti)
    write(
      `threat intel: ${formatCount(ti.entries)} entr${ti.entries === 1 ? 'y' : 'ies'} from ${ti.lists} list${ti.lists === 1 ? '' : 's'}${ti.duplicates > 0 ? ` (${ti.duplicates} repeated, kept once)` : ''} (table threat_intel)`,
    );
}

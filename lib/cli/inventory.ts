import { readFileSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { EniRecord } from '../context/eni-inventory';
import type { InventoryFormat, LoadInventoryResult } from '../context/inventory-store';
import type { ThreatIntelIssue, ThreatIntelRecord } from '../context/threat-intel';
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
  readonly threatIntel: ThreatIntelList[];
}

export interface ContextReport {
  readonly inventory?: LoadInventoryResult;
  readonly threatIntel?: { lists: number; entries: number; duplicates: number };
  /** Skipped threat-intel lines, `file:line: message`. */
  readonly issues: string[];
}

/**
 * Parse `--inventory` / `--threat-intel` values. Lists are read here, before DuckDB opens: an
 * unreadable file or a CSV without an address column fails in milliseconds (ThreatIntelFileError,
 * exit 2); a bad line is only an issue.
 */
export async function readContextOptions(
  inventory: string[] | undefined,
  threatIntel: string[] | undefined,
): Promise<ContextInput | undefined> {
  if (!inventory?.length && !threatIntel?.length) return undefined;
  const lists: ThreatIntelList[] = [];
  if (threatIntel?.length) {
    const { readThreatIntelFile } = await import('../context/threat-intel');
    for (const file of threatIntel) {
      const r = readThreatIntelFile(file);
      lists.push({ file, records: r.records, issues: r.issues, duplicates: r.duplicates });
    }
  }
  return { inventory: inventory ?? [], threatIntel: lists };
}

/** Load the context tables into the session's connection (eni_inventory + eni_ips, threat_intel). */
export async function loadContext(conn: DuckDBConnection, input: ContextInput): Promise<ContextReport> {
  const issues: string[] = [];
  let inventory: LoadInventoryResult | undefined;
  if (input.inventory.length > 0) {
    const { loadInventory } = await import('../context/inventory-store');
    inventory = await loadInventory(conn, input.inventory);
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
  return { inventory, threatIntel, issues };
}

/** Context warnings (capped like the flow-log issues) and, unless quiet, what was loaded. */
export function printContextReport(
  report: ContextReport,
  write: (line: string) => void,
  maxIssues: number,
  quiet: boolean | undefined,
): void {
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
      `inventory: ${formatCount(inv.rows)} interface${inv.rows === 1 ? '' : 's'} in ${inv.snapshots.length} account/region snapshot${inv.snapshots.length === 1 ? '' : 's'} from ${inv.files} file${inv.files === 1 ? '' : 's'} (tables eni_inventory, eni_ips)`,
    );
  const ti = report.threatIntel;
  if (ti)
    write(
      `threat intel: ${formatCount(ti.entries)} entr${ti.entries === 1 ? 'y' : 'ies'} from ${ti.lists} list${ti.lists === 1 ? '' : 's'}${ti.duplicates > 0 ? ` (${ti.duplicates} repeated, kept once)` : ''} (table threat_intel)`,
    );
}

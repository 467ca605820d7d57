import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { BIGINT, type DuckDBConnection, DuckDBInstance, LIST, listValue, VARCHAR } from '@duckdb/node-api';
import { ENI_INVENTORY_COLUMNS, type EniRecord } from './eni-inventory';
import {
  type InventoryFormat,
  inventoryKey,
  snapshotRecords,
  inventoryJsonLines as toJsonLines,
  type WriteInventoryOptions,
} from './inventory-layout';

/**
 * Files of the ENI inventory table, and the DuckDB reader for them.
 *
 * Layout (one file per snapshot of one account and region), mirroring the flow logs' plain S3
 * layout so the same `dt` format (`yyyy/MM/dd/HH`) and partition projection apply:
 *
 *   <root>/eni-inventory/<account>/<region>/<yyyy>/<MM>/<dd>/<HH>/eni-inventory-<account>-<region>-<yyyyMMddTHHmmssZ>.jsonl.gz|.parquet
 *
 * Athena partition projection: aws_account_id (injected or enum), aws_region (enum), dt (date,
 * format yyyy/MM/dd/HH, interval 1 HOURS), storage.location.template
 * `s3://<bucket>/eni-inventory/${aws_account_id}/${aws_region}/${dt}/`. The partition columns
 * are not in the files (Glue forbids a column and a partition key of the same name); the files
 * carry account_id, region and snapshot_time themselves, which is what the local reader uses.
 */

export const ENI_INVENTORY_TABLE = 'eni_inventory';
export const ENI_IPS_VIEW = 'eni_ips';
export {
  dtOf,
  INVENTORY_PREFIX,
  type InventoryFormat,
  inventoryKey,
  type WriteInventoryOptions,
} from './inventory-layout';

/** `{name: 'TYPE', ...}` for read_json; only catalogue names and types reach the SQL. */
function readJsonColumns(): string {
  return `{${ENI_INVENTORY_COLUMNS.map((c) => `${c.name}: '${c.duckdb}'`).join(', ')}}`;
}

const COLUMN_LIST = ENI_INVENTORY_COLUMNS.map((c) => `"${c.name}"`).join(', ');

/**
 * Write one snapshot file under `root` and return its path. Every record must belong to the
 * account and region named (a file's partition must describe all of its rows). Written to a
 * temporary name and renamed, so a reader never sees half a file.
 */
export async function writeInventory(
  records: readonly EniRecord[],
  root: string,
  opts: WriteInventoryOptions,
): Promise<string> {
  const key = inventoryKey(opts);
  const sorted = snapshotRecords(records, opts);
  const out = path.join(root, ...key.split('/'));
  mkdirSync(path.dirname(out), { recursive: true });
  const partial = `${out}.partial`;
  if (opts.format === 'jsonl.gz') {
    writeFileSync(partial, gzipSync(toJsonLines(sorted)));
  } else {
    const tmp = mkdtempSync(path.join(tmpdir(), 'flowwatch-inventory-'));
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const json = path.join(tmp, 'records.jsonl');
      writeFileSync(json, toJsonLines(sorted));
      // Typed by the catalogue, so an empty snapshot still writes a file with the full schema.
      await conn.run(
        `COPY (SELECT ${COLUMN_LIST} FROM read_json($json, format = 'newline_delimited', columns = ${readJsonColumns()}))
         TO $out (FORMAT parquet, COMPRESSION snappy)`,
        { json, out: partial },
      );
    } finally {
      conn.closeSync();
      instance.closeSync();
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  renameSync(partial, out);
  return out;
}

// --- Reading ---------------------------------------------------------------------------------

export interface LoadInventoryOptions {
  /**
   * Keep, per account and region, only the latest snapshot taken at or before this Unix time
   * (default: the latest of all). Set `allSnapshots` to keep every snapshot instead.
   */
  readonly asOf?: number;
  readonly allSnapshots?: boolean;
}

export interface LoadInventoryResult {
  readonly files: number;
  readonly rows: number;
  /** The snapshots kept: one per account and region unless allSnapshots. */
  readonly snapshots: { account_id: string; region: string; snapshot_time: number; interfaces: number }[];
}

export class InventoryReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InventoryReadError';
  }
}

const JSON_FILE = /\.jsonl(\.gz)?$/i;
const PARQUET_FILE = /\.parquet$/i;

/** Inventory files under the given paths (files taken as named; folders walked for .jsonl[.gz] and .parquet). */
export function findInventoryFiles(paths: readonly string[]): string[] {
  const out = new Set<string>();
  const walk = (p: string) => {
    for (const e of readdirSync(p, { withFileTypes: true })) {
      const child = path.join(p, e.name);
      if (e.isDirectory()) walk(child);
      else if ((JSON_FILE.test(e.name) || PARQUET_FILE.test(e.name)) && !e.name.startsWith('.'))
        out.add(child);
    }
  };
  for (const p of paths) {
    let s: ReturnType<typeof statSync>;
    try {
      s = statSync(p);
    } catch {
      throw new InventoryReadError(`inventory path does not exist: ${p}`);
    }
    if (s.isDirectory()) walk(p);
    else out.add(p);
  }
  return [...out].sort();
}

interface FileSnapshot {
  readonly account: string;
  readonly region: string;
  readonly time: number;
}

const SNAPSHOT_FILE =
  /eni-inventory-(\d{12})-([a-z0-9-]+)-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.(jsonl\.gz|jsonl|parquet)$/;

/** Account, region and time from a file name written by writeInventory (undefined for other names). */
export function snapshotOfFile(file: string): FileSnapshot | undefined {
  const m = SNAPSHOT_FILE.exec(path.basename(file));
  if (!m) return undefined;
  const [, account, region, y, mo, d, h, mi, s] = m as unknown as string[];
  const time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
  return { account: account!, region: region!, time };
}

/**
 * The Athena table's partition columns, which the local table carries too (derived from each
 * row's account_id, region and snapshot_time) so detection SQL that prunes on `dt` runs
 * unchanged on DuckDB.
 */
export const INVENTORY_PARTITION_COLUMNS = ['aws_account_id', 'aws_region', 'dt'] as const;

/** CREATE TABLE for eni_inventory (DuckDB types from the catalogue, then the partition columns). */
export function createInventoryTableSql(
  table = ENI_INVENTORY_TABLE,
  opts: { partitions?: boolean } = {},
): string {
  const cols = ENI_INVENTORY_COLUMNS.map((c) => `"${c.name}" ${c.duckdb}`);
  if (opts.partitions ?? true) cols.push(...INVENTORY_PARTITION_COLUMNS.map((c) => `"${c}" VARCHAR`));
  return `CREATE TABLE IF NOT EXISTS "${table}" (${cols.join(', ')})`;
}

/** `dt` of a snapshot as the file layout writes it (yyyy/MM/dd/HH, UTC), as a DuckDB expression. */
const DT_OF_SNAPSHOT_SQL = "strftime(make_timestamp(s.snapshot_time * 1000000), '%Y/%m/%d/%H')";

/**
 * One row per address of an interface, for joins by address (v2 flow logs have no instance-id).
 * Portable SQL (DuckDB and Trino both take CROSS JOIN UNNEST ... AS u(ip)).
 * Private addresses repeat across VPCs and accounts: join on account_id / vpc_id too when you can,
 * or better on interface_id, which every flow log version has.
 */
export function eniIpsViewSql(table = ENI_INVENTORY_TABLE, view = ENI_IPS_VIEW): string {
  const part = (col: string, kind: string) =>
    `SELECT u.ip, '${kind}' AS ip_kind, i.interface_id, i.account_id, i.region, i.vpc_id, i.subnet_id,
       i.owner_type, i.owner_id, i.instance_id, i.name_tag
     FROM "${table}" i CROSS JOIN UNNEST(i.${col}) AS u(ip)`;
  return `CREATE OR REPLACE VIEW "${view}" AS
${part('private_ips', 'private')}
UNION ALL
${part('public_ips', 'public')}
UNION ALL
${part('ipv6_ips', 'ipv6')}`;
}

/**
 * Load inventory files into DuckDB table `eni_inventory` (replacing its contents) and create the
 * `eni_ips` view. Unreadable files fail the load with the reader's message (which names the file):
 * an inventory silently missing an account would turn findings into wrong answers.
 */
export async function loadInventory(
  conn: DuckDBConnection,
  paths: readonly string[],
  opts: LoadInventoryOptions = {},
): Promise<LoadInventoryResult> {
  const files = findInventoryFiles(paths);
  if (files.length === 0)
    throw new InventoryReadError(
      `no inventory files (.jsonl, .jsonl.gz, .parquet) found in ${paths.join(', ')}`,
    );
  const json = files.filter((f) => JSON_FILE.test(f));
  const parquet = files.filter((f) => PARQUET_FILE.test(f));
  const stage = '__eni_inventory_stage';
  await conn.run(`DROP TABLE IF EXISTS "${stage}"`);
  await conn.run(
    createInventoryTableSql(stage, { partitions: false }).replace('CREATE TABLE', 'CREATE TEMP TABLE'),
  );
  try {
    if (json.length > 0)
      await conn.run(
        `INSERT INTO "${stage}" SELECT ${COLUMN_LIST}
         FROM read_json($files, format = 'newline_delimited', columns = ${readJsonColumns()})`,
        { files: listValue(json) },
        { files: LIST(VARCHAR) },
      );
    if (parquet.length > 0)
      await conn.run(
        `INSERT INTO "${stage}" BY NAME SELECT ${COLUMN_LIST}
         FROM read_parquet($files, union_by_name = true, hive_partitioning = false)`,
        { files: listValue(parquet) },
        { files: LIST(VARCHAR) },
      );
  } catch (e) {
    await conn.run(`DROP TABLE IF EXISTS "${stage}"`);
    throw new InventoryReadError(`cannot read inventory: ${(e as Error).message}`);
  }
  const asOf = opts.asOf ?? null;
  // Snapshots named by the files as well as by their rows: an empty snapshot (every interface
  // deleted) has no rows but must still supersede the previous one.
  const named = files.map(snapshotOfFile).filter((x): x is FileSnapshot => x !== undefined);
  const snapshotsSql = `SELECT account_id, region, snapshot_time FROM "${stage}"
    UNION SELECT unnest($acc) AS account_id, unnest($reg) AS region, unnest($ts) AS snapshot_time`;
  const kept = opts.allSnapshots
    ? `SELECT DISTINCT * FROM (${snapshotsSql}) WHERE $asof IS NULL OR snapshot_time <= $asof`
    : `SELECT account_id, region, max(snapshot_time) AS snapshot_time FROM (${snapshotsSql})
       WHERE $asof IS NULL OR snapshot_time <= $asof GROUP BY account_id, region`;
  const params = {
    asof: asOf,
    acc: listValue(named.map((n) => n.account)),
    reg: listValue(named.map((n) => n.region)),
    ts: listValue(named.map((n) => BigInt(n.time))),
  };
  const types = { asof: BIGINT, acc: LIST(VARCHAR), reg: LIST(VARCHAR), ts: LIST(BIGINT) };
  await conn.run(`DROP VIEW IF EXISTS "${ENI_IPS_VIEW}"`);
  await conn.run(`DROP TABLE IF EXISTS "${ENI_INVENTORY_TABLE}"`);
  await conn.run(createInventoryTableSql());
  await conn.run('DROP TABLE IF EXISTS "__eni_inventory_kept"');
  await conn.run(`CREATE TEMP TABLE "__eni_inventory_kept" AS ${kept}`, params, types);
  await conn.run(
    `INSERT INTO "${ENI_INVENTORY_TABLE}" SELECT ${ENI_INVENTORY_COLUMNS.map((c) => `s."${c.name}"`).join(', ')},
       s.account_id, s.region, ${DT_OF_SNAPSHOT_SQL}
     FROM "${stage}" s JOIN "__eni_inventory_kept" k
       ON s.account_id = k.account_id AND s.region = k.region AND s.snapshot_time = k.snapshot_time`,
  );
  await conn.run(`DROP TABLE "${stage}"`);
  await conn.run(eniIpsViewSql());
  const r = await conn.runAndReadAll(
    `SELECT k.account_id, k.region, k.snapshot_time, count(i.interface_id)
     FROM "__eni_inventory_kept" k LEFT JOIN "${ENI_INVENTORY_TABLE}" i
       ON i.account_id = k.account_id AND i.region = k.region AND i.snapshot_time = k.snapshot_time
     GROUP BY ALL ORDER BY 1, 2, 3`,
  );
  await conn.run('DROP TABLE "__eni_inventory_kept"');
  const snapshots = (r.getRowsJS() as [string, string, bigint, bigint][]).map(([a, reg, t, n]) => ({
    account_id: a,
    region: reg,
    snapshot_time: Number(t),
    interfaces: Number(n),
  }));
  return { files: files.length, rows: snapshots.reduce((s, x) => s + x.interfaces, 0), snapshots };
}

/**
 * Write a snapshot that may span accounts and regions (a multi-account dump, or the Lambda's
 * merged pages): one file per account and region. Returns the paths, sorted.
 */
export async function writeInventorySnapshot(
  records: readonly EniRecord[],
  root: string,
  opts: { snapshotTime: number; format: InventoryFormat },
): Promise<string[]> {
  const groups = new Map<string, EniRecord[]>();
  for (const r of records) {
    const key = `${r.account_id}/${r.region}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const out: string[] = [];
  for (const g of groups.values())
    out.push(
      await writeInventory(g, root, {
        account: g[0]!.account_id,
        region: g[0]!.region,
        snapshotTime: opts.snapshotTime,
        format: opts.format,
      }),
    );
  return out.sort();
}

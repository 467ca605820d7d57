import { gzipSync } from 'node:zlib';
import { formatDt } from '../detection/window';
import { ENI_INVENTORY_COLUMNS, type EniRecord } from './eni-inventory';

/**
 * Key layout and JSON-lines form of ENI inventory snapshot files. Pure (no DuckDB), so the
 * inventory Lambda can bundle it; lib/context/inventory-store.ts re-exports everything here.
 */

export const INVENTORY_PREFIX = 'eni-inventory';

export type InventoryFormat = 'jsonl.gz' | 'parquet';

export interface WriteInventoryOptions {
  readonly account: string;
  readonly region: string;
  /** Unix seconds; decides the dt partition (its UTC hour) and the file name. */
  readonly snapshotTime: number;
  readonly format: InventoryFormat;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** `yyyy/MM/dd/HH` of a Unix time (UTC), the flow_logs dt format. */
export function dtOf(unixSeconds: number): string {
  return formatDt(unixSeconds, 'hour');
}

function stampOf(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
}

/** Key of a snapshot file relative to the root, with `/` separators (the S3 key under the bucket). */
export function inventoryKey(opts: WriteInventoryOptions): string {
  if (!ACCOUNT.test(opts.account))
    throw new Error(`account: '${opts.account}' is not a 12-digit AWS account id`);
  if (!REGION.test(opts.region)) throw new Error(`region: '${opts.region}' is not an AWS region name`);
  if (!Number.isInteger(opts.snapshotTime) || opts.snapshotTime < 0)
    throw new Error(`snapshotTime: ${opts.snapshotTime} is not a Unix time in whole seconds`);
  const ext = opts.format === 'parquet' ? 'parquet' : 'jsonl.gz';
  return `${INVENTORY_PREFIX}/${opts.account}/${opts.region}/${dtOf(opts.snapshotTime)}/eni-inventory-${opts.account}-${opts.region}-${stampOf(opts.snapshotTime)}.${ext}`;
}

/** One JSON line per record, keys in column order (stable files for equal input). */
export function inventoryJsonLines(records: readonly EniRecord[]): string {
  return records
    .map((r) => JSON.stringify(Object.fromEntries(ENI_INVENTORY_COLUMNS.map((c) => [c.name, r[c.name]]))))
    .join('\n')
    .concat(records.length > 0 ? '\n' : '');
}

/**
 * The records of one snapshot file, sorted by interface id (stable files for equal input).
 * Every record must belong to the file's account, region and snapshot time: a file's partition
 * must describe all of its rows.
 */
export function snapshotRecords(records: readonly EniRecord[], opts: WriteInventoryOptions): EniRecord[] {
  records.forEach((r, i) => {
    if (r.account_id !== opts.account || r.region !== opts.region)
      throw new Error(
        `records[${i}] (${r.interface_id}) is in ${r.account_id}/${r.region}, not ${opts.account}/${opts.region}`,
      );
    if (r.snapshot_time !== opts.snapshotTime)
      throw new Error(
        `records[${i}] (${r.interface_id}) has snapshot_time ${r.snapshot_time}, not ${opts.snapshotTime}`,
      );
  });
  return [...records].sort((a, b) => (a.interface_id < b.interface_id ? -1 : 1));
}

/** Key and gzipped JSON-lines bytes of one snapshot (what writeInventory writes for `jsonl.gz`). */
export function jsonlSnapshot(
  records: readonly EniRecord[],
  opts: Omit<WriteInventoryOptions, 'format'>,
): { key: string; body: Buffer } {
  const full = { ...opts, format: 'jsonl.gz' as const };
  return { key: inventoryKey(full), body: gzipSync(inventoryJsonLines(snapshotRecords(records, full))) };
}

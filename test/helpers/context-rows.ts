import { BOOLEAN, type DuckDBConnection, LIST, listValue, MAP, mapValue, VARCHAR } from '@duckdb/node-api';
import { ENI_INVENTORY_COLUMNS } from '../../lib/context/eni-inventory';
import { ENI_INVENTORY_TABLE, INVENTORY_PARTITION_COLUMNS } from '../../lib/context/inventory-store';
import { loadThreatIntel, parseThreatIntel, type ThreatIntelRecord } from '../../lib/context/threat-intel';
import { formatDt } from '../../lib/detection/window';
import { toEpochSeconds } from './flow-table';

/**
 * Context rows for detection fixtures: `eni_inventory` rows (as the inventory Lambda writes them)
 * and `threat_intel` entries (as the list parser produces them), built from short YAML entries.
 */
export type InventoryValue = string | number | bigint | boolean | null | string[] | Record<string, string>;
export type InventoryFixtureRow = Readonly<Record<string, InventoryValue>>;
export type InventoryRow = Record<string, InventoryValue>;

/** An interface of account 111122223333 in us-east-1, snapshotted at `snapshot_time` (required). */
const INVENTORY_DEFAULTS: InventoryFixtureRow = {
  account_id: '111122223333',
  region: 'us-east-1',
  requester_managed: false,
  status: 'in-use',
  private_ips: [],
  public_ips: [],
  ipv6_ips: [],
  security_groups: [],
  tags: {},
};

const INVENTORY_COLUMNS = [
  ...ENI_INVENTORY_COLUMNS.map((c) => ({ name: c.name as string, duckdb: c.duckdb })),
  ...INVENTORY_PARTITION_COLUMNS.map((c) => ({ name: c as string, duckdb: 'VARCHAR' })),
];
export const INVENTORY_COLUMN_TYPES: readonly { name: string; duckdb: string }[] = INVENTORY_COLUMNS;
const KNOWN = new Set(INVENTORY_COLUMNS.map((c) => c.name));

/** Every column filled (defaults, then NULL), partition columns derived; unknown names throw. */
export function completeInventoryRow(row: InventoryFixtureRow, where: string): InventoryRow {
  for (const k of Object.keys(row))
    if (!KNOWN.has(k)) throw new Error(`${where}: unknown eni_inventory column '${k}'`);
  if (typeof row.interface_id !== 'string') throw new Error(`${where}: 'interface_id' is required`);
  const merged: InventoryRow = { ...INVENTORY_DEFAULTS, ...row };
  const t = merged.snapshot_time;
  if (typeof t !== 'string' && typeof t !== 'number' && typeof t !== 'bigint')
    throw new Error(`${where}: 'snapshot_time' is required (Unix seconds or ISO time)`);
  const snapshot = toEpochSeconds(t, `${where}: snapshot_time`);
  merged.snapshot_time = snapshot;
  merged.aws_account_id ??= merged.account_id ?? null;
  merged.aws_region ??= merged.region ?? null;
  merged.dt ??= formatDt(snapshot, 'hour');
  const out: InventoryRow = {};
  for (const c of INVENTORY_COLUMNS) out[c.name] = merged[c.name] ?? null;
  return out;
}

/** Insert complete inventory rows into DuckDB's eni_inventory (values bound, never spliced). */
export async function insertInventoryRows(
  conn: DuckDBConnection,
  rows: readonly InventoryRow[],
): Promise<void> {
  const names = INVENTORY_COLUMNS.map((c) => `"${c.name}"`).join(', ');
  const marks = INVENTORY_COLUMNS.map((_c, i) => `$c${i}`).join(', ');
  for (const row of rows) {
    const values = INVENTORY_COLUMNS.map((c) => {
      const v = row[c.name] ?? null;
      if (v === null) return null;
      if (c.duckdb === 'VARCHAR[]') return listValue(v as string[]);
      if (c.duckdb.startsWith('MAP'))
        return mapValue(Object.entries(v as Record<string, string>).map(([key, value]) => ({ key, value })));
      if (c.duckdb === 'BIGINT') return BigInt(v as number);
      return v as string | boolean;
    });
    const types = INVENTORY_COLUMNS.map((c) =>
      c.duckdb === 'VARCHAR[]'
        ? LIST(VARCHAR)
        : c.duckdb.startsWith('MAP')
          ? MAP(VARCHAR, VARCHAR)
          : c.duckdb === 'BOOLEAN'
            ? BOOLEAN
            : undefined,
    );
    const named = Object.fromEntries(values.map((v, i) => [`c${i}`, v]));
    const namedTypes = Object.fromEntries(types.map((t, i) => [`c${i}`, t]));
    await conn.run(`INSERT INTO "${ENI_INVENTORY_TABLE}" (${names}) VALUES (${marks})`, named, namedTypes);
  }
}

export type ThreatIntelFixture = Readonly<{
  cidr: string;
  source?: string;
  description?: string;
  port?: number;
}>;

/** Entries through the real list parser (CSV), so fixtures hold exactly what a list yields. */
export function threatIntelRecords(
  entries: readonly ThreatIntelFixture[],
  where: string,
): ThreatIntelRecord[] {
  if (entries.length === 0) return [];
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const text = [
    'ip_or_cidr,source,description,port',
    ...entries.map((e) =>
      [
        q(e.cidr),
        q(e.source ?? 'fixture'),
        q(e.description ?? ''),
        e.port === undefined ? '' : String(e.port),
      ].join(','),
    ),
  ].join('\n');
  const parsed = parseThreatIntel(text, { file: where, format: 'csv' });
  if (parsed.issues.length > 0)
    throw new Error(`${where}: threat_intel: ${parsed.issues.map((i) => i.message).join('; ')}`);
  return parsed.records;
}

export async function insertThreatIntel(
  conn: DuckDBConnection,
  records: readonly ThreatIntelRecord[],
): Promise<void> {
  if (records.length > 0) await loadThreatIntel(conn, records);
}

import type { QueryEngine, Row, SqlValue } from './engine';
import type { Finding } from './finding';
import { INVENTORY_LOOKBACK_SECONDS, inventoryDt } from './registry';

/** Result columns that name the entity behind a finding (alerts print them as one label). */
export const ENTITY_COLUMNS = ['entity_type', 'entity_id', 'entity_name'] as const;

/** Interface ids per lookup query: keeps the statement and its parameter list small. */
const LOOKUP_BATCH = 200;

/**
 * The latest eni_inventory snapshot of the given interfaces within the inventory lookback.
 * Portable (Athena/Trino and DuckDB); ids and the partition bound are bound parameters.
 */
export function entityLookupSql(ids: number): string {
  const marks = Array.from({ length: ids }, () => '?').join(', ');
  return `SELECT interface_id, owner_type, owner_id, instance_id, name_tag
FROM (
  SELECT interface_id, owner_type, owner_id, instance_id, name_tag,
    row_number() OVER (PARTITION BY interface_id ORDER BY snapshot_time DESC) AS snapshot_rank
  FROM eni_inventory
  WHERE dt >= ? AND interface_id IN (${marks})
) snapshots
WHERE snapshot_rank = 1`;
}

export interface NamedFindings {
  readonly findings: Finding[];
  /** Findings that gained an entity. */
  readonly named: number;
  /** Set when the lookup failed: the findings come back unnamed rather than lost. */
  readonly error?: string;
}

function isString(v: SqlValue | undefined): v is string {
  return typeof v === 'string' && v !== '';
}

/**
 * Name the entity behind findings whose detection returned an `interface_id` but no entity
 * columns of its own (detections that join the inventory name theirs in SQL): one query for the
 * whole batch, only when there is something to name. A failed lookup never costs an alert.
 */
export async function nameEntities(
  engine: QueryEngine,
  findings: readonly Finding[],
  windowStart: number,
): Promise<NamedFindings> {
  const wanted = (f: Finding) =>
    isString(f.row.interface_id) && !ENTITY_COLUMNS.some((c) => Object.hasOwn(f.row, c));
  const ids = [...new Set(findings.filter(wanted).map((f) => f.row.interface_id as string))].sort();
  if (ids.length === 0) return { findings: [...findings], named: 0 };
  const found = new Map<string, Row>();
  try {
    for (let i = 0; i < ids.length; i += LOOKUP_BATCH) {
      const batch = ids.slice(i, i + LOOKUP_BATCH);
      const r = await engine.query(
        entityLookupSql(batch.length),
        [inventoryDt(windowStart - INVENTORY_LOOKBACK_SECONDS), ...batch],
        { label: 'entity lookup' },
      );
      for (const row of r.rows) if (isString(row.interface_id)) found.set(row.interface_id, row);
    }
  } catch (e) {
    return { findings: [...findings], named: 0, error: e instanceof Error ? e.message : String(e) };
  }
  let named = 0;
  const out = findings.map((f) => {
    const e = wanted(f) ? found.get(f.row.interface_id as string) : undefined;
    if (!e) return f;
    named++;
    const entity: Record<(typeof ENTITY_COLUMNS)[number], SqlValue> = {
      entity_type: e.owner_type ?? null,
      entity_id: e.owner_id ?? e.instance_id ?? null,
      entity_name: e.name_tag ?? null,
    };
    return { ...f, row: { ...f.row, ...entity } };
  });
  return { findings: out, named };
}

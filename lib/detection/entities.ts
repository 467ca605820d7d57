import type { QueryEngine, Row, SqlValue } from './engine';
import type { Finding } from './finding';
import { inventoryDtStart } from './registry';
import { parseSqlTemplate, renderSqlTemplate } from './sql-template';

/** Result columns that name the entity behind a finding (alerts print them as one label). */
export const ENTITY_COLUMNS = ['entity_type', 'entity_id', 'entity_name'] as const;

/** Interface ids per lookup query: keeps the statement and its parameter list small. */
const LOOKUP_BATCH = 200;

/** The latest eni_inventory snapshot of the given interfaces (`:ids`) within the inventory lookback. */
const LOOKUP = parseSqlTemplate(
  `SELECT interface_id, owner_type, owner_id, instance_id, name_tag
FROM {{ latest_eni_inventory }} latest
WHERE interface_id IN (:ids)`,
  'entity lookup',
);

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
      const { sql, params } = renderSqlTemplate(
        LOOKUP,
        { inventory_dt_start: inventoryDtStart(windowStart), ids: batch },
        [],
        'entity lookup',
      );
      const r = await engine.query(sql, params, { label: 'entity lookup' });
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

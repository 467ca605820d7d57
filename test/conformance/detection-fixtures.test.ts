import { THREAT_INTEL_COLUMNS } from '../../lib/context/threat-intel';
import { FLOW_LOG_FIELDS, PARTITION_COLUMNS } from '../../lib/detection/fields';
import { rowToFinding } from '../../lib/detection/finding';
import { loadDetections, renderDetection } from '../../lib/detection/registry';
import { TrinoEngine } from '../../lib/detection/trino-engine';
import { partitionBounds } from '../../lib/detection/window';
import { fixturePath, loadFixtures } from '../detection/detection-fixtures';
import { INVENTORY_COLUMN_TYPES } from '../helpers/context-rows';
import { completeRow } from '../helpers/flow-table';
import { trinoFromEnv } from './trino-server';

/**
 * The detection fixtures (sql/detections/<id>.fixtures.yaml), which test/detection runs on
 * DuckDB, run here on Trino with the same expectations: each case's rows become a typed VALUES
 * table named flow_logs (a WITH clause in front of the detection; the case's eni_inventory and
 * threat_intel rows likewise, empty when it has none), and the detection's SQL and
 * parameters are exactly what renderDetection produces for Athena.
 */
const COLUMNS = [
  ...FLOW_LOG_FIELDS.map((f) => ({
    name: f.column,
    type: f.type === 'int' ? 'integer' : f.type === 'bigint' ? 'bigint' : 'varchar',
  })),
  ...PARTITION_COLUMNS.map((c) => ({ name: c, type: 'varchar' })),
];

/** flow_logs as a WITH entry; fixture values are bound as parameters too, never spliced. */
function flowLogsCte(rows: ReturnType<typeof completeRow>[]): {
  sql: string;
  params: (string | number | bigint)[];
} {
  const params: (string | number | bigint)[] = [];
  const tuples = rows.map(
    (row) =>
      `(${COLUMNS.map((c) => {
        const v = row[c.name];
        if (v === null || v === undefined) return `CAST(NULL AS ${c.type})`;
        params.push(typeof v === 'bigint' ? v : c.type === 'varchar' ? String(v) : Number(v));
        return `CAST(? AS ${c.type})`;
      }).join(', ')})`,
  );
  const names = COLUMNS.map((c) => `"${c.name}"`).join(', ');
  return { sql: `flow_logs AS (SELECT * FROM (VALUES ${tuples.join(', ')}) AS t(${names}))`, params };
}

type CteParam = string | number | bigint;

/** DuckDB catalogue type -> Trino type, for the context tables' columns. */
function trinoType(duckdb: string): string {
  if (duckdb === 'VARCHAR[]') return 'array(varchar)';
  if (duckdb.startsWith('MAP')) return 'map(varchar, varchar)';
  return duckdb.toLowerCase();
}

/**
 * A context table (eni_inventory, threat_intel) as a WITH entry of typed rows. Arrays and maps
 * travel as JSON text parameters, cast on Trino; an empty table is a typed SELECT with no rows.
 */
function contextCte(
  name: string,
  columns: readonly { name: string; duckdb: string }[],
  rows: readonly Record<string, unknown>[],
): { sql: string; params: CteParam[] } {
  const params: CteParam[] = [];
  const cell = (c: { name: string; duckdb: string }, v: unknown): string => {
    const type = trinoType(c.duckdb);
    if (v === null || v === undefined) return `CAST(NULL AS ${type})`;
    if (type.startsWith('array') || type.startsWith('map')) {
      params.push(JSON.stringify(v));
      return `CAST(json_parse(?) AS ${type})`;
    }
    params.push(typeof v === 'bigint' || typeof v === 'number' ? v : String(v));
    return `CAST(? AS ${type})`;
  };
  const names = columns.map((c) => `"${c.name}"`).join(', ');
  if (rows.length === 0)
    return {
      sql: `${name} AS (SELECT ${columns.map((c) => `${cell(c, null)} AS "${c.name}"`).join(', ')} WHERE false)`,
      params,
    };
  const tuples = rows.map((row) => `(${columns.map((c) => cell(c, row[c.name])).join(', ')})`);
  return { sql: `${name} AS (SELECT * FROM (VALUES ${tuples.join(', ')}) AS t(${names}))`, params };
}

const THREAT_INTEL_TYPES = THREAT_INTEL_COLUMNS.map((c) => ({ name: c.name as string, duckdb: c.duckdb }));

const detections = loadDetections();
const cases = detections.flatMap((d) =>
  loadFixtures(d).map((c) => [d.meta.id, c.kind, c.name, d, c] as const),
);

describe('detection fixtures on Trino', () => {
  const engine = new TrinoEngine({ url: trinoFromEnv().url, catalog: 'hive', schema: 'default' });

  it.each(cases)('%s [%s] %s', async (_id, _kind, _name, d, c) => {
    // GIVEN the case's rows as flow_logs and the detection rendered for its window and settings
    const rows = c.rows.map((r, i) => completeRow(r, `${fixturePath(d)}: ${c.name}: row ${i + 1}`));
    const flows = flowLogsCte(rows);
    const inventory = contextCte('eni_inventory', INVENTORY_COLUMN_TYPES, c.inventory);
    const intel = contextCte(
      'threat_intel',
      THREAT_INTEL_TYPES,
      c.threatIntel as unknown as Record<string, unknown>[],
    );
    const cte = {
      sql: [flows.sql, inventory.sql, intel.sql].join(', '),
      params: [...flows.params, ...inventory.params, ...intel.params],
    };
    const { dtStart, dtEnd } = partitionBounds(c.window, engine.partitionGranularity);
    const r = renderDetection(
      d,
      { windowStart: c.window.start, windowEnd: c.window.end, dtStart, dtEnd },
      { settings: c.settings, internalCidrs: c.internalCidrs },
    );
    const sql = /^WITH\s/i.test(r.sql)
      ? `WITH ${cte.sql}, ${r.sql.replace(/^WITH\s+/i, '')}`
      : `WITH ${cte.sql} ${r.sql}`;
    // WHEN Trino runs it
    const result = await engine.query(sql, [...cte.params, ...r.params], { label: d.meta.id });
    // THEN it returns exactly the findings DuckDB returns for the same fixtures
    const findings = result.rows.map((row) => rowToFinding(d, row, c.window));
    expect(findings.length).toBe(c.expect.length);
    findings.forEach((f, i) => {
      const want = c.expect[i]!;
      const got = Object.fromEntries(Object.keys(want).map((k) => [k, f.row[k]]));
      expect({ finding: i, ...got }).toEqual({ finding: i, ...want });
    });
  });
});

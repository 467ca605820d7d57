import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ensureContextTables } from '../../lib/context/context-tables';
import { DuckDbEngine } from '../../lib/detection/duckdb-engine';
import { DETECTIONS_DIR, loadDetections } from '../../lib/detection/registry';
import { runDetections } from '../../lib/detection/run-detections';
import { insertInventoryRows, insertThreatIntel } from '../helpers/context-rows';
import { createFlowTable, insertFlowRows } from '../helpers/flow-table';
import { fixturePath, loadFixtures } from './detection-fixtures';

const detections = loadDetections();

describe('every detection ships fixtures and a runbook', () => {
  it.each(detections.map((d) => [d.meta.id, d] as const))('%s', (_id, d) => {
    // GIVEN a shipped detection WHEN its fixtures file is read
    expect(existsSync(fixturePath(d))).toBe(true);
    const cases = loadFixtures(d);
    // THEN it has an attack case that expects findings and a benign look-alike that expects none
    const attacks = cases.filter((c) => c.kind === 'attack');
    const benign = cases.filter((c) => c.kind === 'benign');
    expect(attacks.length).toBeGreaterThanOrEqual(1);
    expect(benign.length).toBeGreaterThanOrEqual(1);
    for (const c of attacks)
      expect({ case: c.name, findings: c.expect.length > 0 }).toEqual({ case: c.name, findings: true });
    for (const c of benign)
      expect({ case: c.name, findings: c.expect.length }).toEqual({ case: c.name, findings: 0 });
    // AND every expected finding names all of the detection's key fields
    for (const c of cases)
      for (const e of c.expect)
        for (const k of d.meta.key_fields)
          expect({ case: c.name, key: k, present: Object.hasOwn(e, k) }).toEqual({
            case: c.name,
            key: k,
            present: true,
          });
    expect(d.meta.runbook.trim().length).toBeGreaterThanOrEqual(20);
  });

  it('has no fixtures file without a detection', () => {
    const ids = new Set(detections.map((d) => d.meta.id));
    const orphans = readdirSync(DETECTIONS_DIR)
      .filter((f) => f.endsWith('.fixtures.yaml'))
      .map((f) => f.replace(/\.fixtures\.yaml$/, ''))
      .filter((id) => !ids.has(id));
    expect(orphans).toEqual([]);
  });
});

describe('detection fixtures on DuckDB', () => {
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  let engine: DuckDbEngine;

  beforeAll(async () => {
    ({ instance, conn } = await createFlowTable());
    await ensureContextTables(conn);
    engine = await DuckDbEngine.create(conn);
  });
  afterAll(async () => {
    await engine.close();
    instance.closeSync();
  });

  // A missing fixtures file fails the test above; a malformed one fails this suite, naming the file.
  const all = detections.flatMap((d) =>
    (existsSync(fixturePath(d)) ? loadFixtures(d) : []).map(
      (c) => [d.meta.id, c.kind, c.name, d, c] as const,
    ),
  );

  it.each(all)('%s [%s] %s', async (_id, _kind, _name, d, c) => {
    // GIVEN only this case's flow records in flow_logs
    await conn.run('DELETE FROM flow_logs');
    await conn.run('DELETE FROM eni_inventory');
    await conn.run('DELETE FROM threat_intel');
    await insertFlowRows(conn, c.rows, join(fixturePath(d), c.name));
    // AND its inventory and threat-intel entries, if any
    await insertInventoryRows(conn, c.inventory);
    await insertThreatIntel(conn, c.threatIntel);
    // WHEN the detection runs over the case's window with its settings
    const result = await runDetections(engine, [d], c.window, {
      settings: c.settings ? { [d.meta.id]: c.settings } : undefined,
      internalCidrs: c.internalCidrs,
    });
    // THEN it runs cleanly and returns exactly the expected findings, in order
    expect(result.errors).toEqual([]);
    expect(result.findings.length).toBe(c.expect.length);
    result.findings.forEach((f, i) => {
      const want = c.expect[i]!;
      const got = Object.fromEntries(
        Object.keys(want).map((k) => [k, Object.hasOwn(f.row, k) ? f.row[k] : '<missing column>']),
      );
      expect({ finding: i, ...got }).toEqual({ finding: i, ...want });
    });
  });
});

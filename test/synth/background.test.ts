import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbEngine } from '../../lib/detection/duckdb-engine';
import type { Finding } from '../../lib/detection/finding';
import { loadDetections } from '../../lib/detection/registry';
import { runDetections } from '../../lib/detection/run-detections';
import { loadFlowLogs } from '../../lib/local/loader';
import { ATTACK_KINDS, type AttackKind, generateFlowLogs, type SynthResult } from '../../lib/local/synth';

/**
 * The generator is only useful to tests and benchmarks if its benign traffic stays below every
 * detection and each injected attack trips its own detection (and only the documented others).
 */

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fw-synth-bg-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function scan(data: SynthResult): Promise<Finding[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const engine = await DuckDbEngine.create(conn);
  try {
    await loadFlowLogs(conn, [data.outDir]);
    const r = await runDetections(engine, loadDetections(), data.span);
    expect(r.errors).toEqual([]);
    return r.findings;
  } finally {
    await engine.close();
    db.closeSync();
  }
}

test('benign background alone trips no detection (ALB on 443, NAT egress, S3, admin SSH, DNS)', async () => {
  // GIVEN three hours of background traffic in two accounts and no attacks
  const data = await generateFlowLogs({
    outDir: join(root, 'benign'),
    hours: 3,
    recordsPerHour: 20000,
    accounts: ['111122223333', '444455556666'],
    attacks: false,
  });
  // WHEN every detection runs over the whole span
  const findings = await scan(data);
  // THEN nothing is reported
  expect(findings.map((f) => `${f.detection} ${JSON.stringify(f.keys)}`)).toEqual([]);
});

test.each(ATTACK_KINDS.map((k) => [k]))(
  'attack %s trips its detection and only the documented others',
  async (kind) => {
    // GIVEN a small data set with that one attack
    const data = await generateFlowLogs({
      outDir: join(root, kind),
      hours: 1,
      recordsPerHour: 3000,
      attacks: [kind as AttackKind],
      seed: 7,
    });
    const attack = data.attacks[0]!;
    // WHEN
    const findings = await scan(data);
    // THEN its detection reports it with the manifest's key values
    const own = findings.filter((f) => f.detection === kind);
    expect(own).toHaveLength(1);
    for (const [k, v] of Object.entries(attack.keys))
      if (Object.hasOwn(own[0]!.row, k)) expect(String(own[0]!.row[k])).toBe(String(v));
    const others = [...new Set(findings.filter((f) => f.detection !== kind).map((f) => f.detection))].sort();
    expect(others).toEqual([...attack.alsoDetectedBy].sort());
  },
);

import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DuckDbEngine } from '../../lib/detection/duckdb-engine';
import type { QueryEngine } from '../../lib/detection/engine';
import { nameEntities } from '../../lib/detection/entities';
import { rowToFinding } from '../../lib/detection/finding';
import { loadDetections } from '../../lib/detection/registry';
import { runDetections } from '../../lib/detection/run-detections';
import { completeInventoryRow, insertInventoryRows } from '../helpers/context-rows';
import { createFlowTable, insertFlowRows } from '../helpers/flow-table';

const WINDOW = { start: 1_714_557_600, end: 1_714_558_500 }; // 2024-05-01T10:00Z .. 10:15Z
const ssh = loadDetections().find((d) => d.meta.id === 'ssh-rdp-from-internet')!;

let instance: DuckDBInstance;
let conn: DuckDBConnection;
let engine: DuckDbEngine;

beforeAll(async () => {
  ({ instance, conn } = await createFlowTable());
  engine = await DuckDbEngine.create(conn);
});
afterAll(async () => {
  await engine.close();
  instance.closeSync();
});
beforeEach(async () => {
  await conn.run('DELETE FROM flow_logs');
  await conn.run('DELETE FROM eni_inventory');
});

const inv = (interface_id: string, extra: Record<string, string>, snapshot = '2024-05-01T09:00:00Z') =>
  completeInventoryRow({ interface_id, snapshot_time: snapshot, ...extra }, interface_id);

/** A DuckDB engine that counts the queries it runs. */
function counting(inner: QueryEngine): QueryEngine & { calls: string[] } {
  const calls: string[] = [];
  return {
    partitionGranularity: inner.partitionGranularity,
    calls,
    query: (sql, params, options) => {
      calls.push(options?.label ?? sql);
      return inner.query(sql, params, options);
    },
    close: () => inner.close(),
  } as QueryEngine & { calls: string[] };
}

describe('naming the entity behind findings', () => {
  it('names an SSH finding from the latest snapshot of its interface, as runDetections returns it', async () => {
    // GIVEN accepted SSH from the internet to an instance's interface, and two snapshots of it
    await insertFlowRows(
      conn,
      [
        {
          version: 5,
          flow_direction: 'ingress',
          srcaddr: '198.51.100.200',
          dstaddr: '10.0.1.24',
          dstport: 22,
          interface_id: 'eni-0ssh',
          instance_id: 'i-0bastion',
          start: '2024-05-01T10:02:00Z',
        },
      ],
      'ssh',
    );
    await insertInventoryRows(conn, [
      inv(
        'eni-0ssh',
        { owner_type: 'ec2_instance', owner_id: 'i-0bastion', name_tag: 'old-name' },
        '2024-04-30T09:00:00Z',
      ),
      inv('eni-0ssh', { owner_type: 'ec2_instance', owner_id: 'i-0bastion', name_tag: 'bastion-1' }),
    ]);
    // WHEN the detections run
    const r = await runDetections(engine, [ssh], WINDOW);
    // THEN the finding carries the entity, and the count of named findings is reported
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => [f.row.entity_type, f.row.entity_id, f.row.entity_name])).toEqual([
      ['ec2_instance', 'i-0bastion', 'bastion-1'],
    ]);
    expect(r.stats.entities).toEqual({ named: 1 });
  });

  it('leaves alone findings that name their entity in SQL, or whose interface the inventory does not know', async () => {
    await insertInventoryRows(conn, [
      inv('eni-0a', { owner_type: 'elb_alb', owner_id: 'shop-alb' }),
      // known only 8 days before the window: outside the inventory lookback
      inv('eni-0old', { owner_type: 'ec2_instance', owner_id: 'i-0old' }, '2024-04-23T09:00:00Z'),
    ]);
    const f = (row: Record<string, string | null>) =>
      rowToFinding(ssh, { srcaddr: 'x', dstaddr: 'y', dstport: 22, ...row }, WINDOW);
    const input = [
      f({ interface_id: 'eni-0a', entity_type: 'ec2_instance', entity_id: 'i-0fromsql', entity_name: null }),
      f({ interface_id: 'eni-0unknown' }),
      f({ interface_id: 'eni-0old' }),
      f({ interface_id: null }),
    ];
    const counted = counting(engine);
    const r = await nameEntities(counted, input, WINDOW.start);
    expect(r.named).toBe(0);
    expect(r.findings.map((x) => x.row.entity_id ?? '<none>')).toEqual([
      'i-0fromsql',
      '<none>',
      '<none>',
      '<none>',
    ]);
    // AND one lookup ran, for the two interfaces that lacked an entity
    expect(counted.calls).toEqual(['entity lookup']);
  });

  it('looks up many interfaces in batches and skips the query when nothing needs naming', async () => {
    const ids = Array.from({ length: 450 }, (_v, i) => `eni-${String(i).padStart(4, '0')}`);
    await insertInventoryRows(
      conn,
      ids.map((id, i) => inv(id, { owner_type: 'ec2_instance', owner_id: `i-${i}`, name_tag: `host-${i}` })),
    );
    const findings = ids.map((id) =>
      rowToFinding(ssh, { srcaddr: id, dstaddr: 'y', dstport: 22, interface_id: id }, WINDOW),
    );
    const counted = counting(engine);
    const r = await nameEntities(counted, findings, WINDOW.start);
    expect(r.named).toBe(450);
    expect(r.findings[449]!.row.entity_name).toBe('host-449');
    expect(counted.calls.length).toBe(3);
    const none = counting(engine);
    await nameEntities(none, [], WINDOW.start);
    expect(none.calls).toEqual([]);
  });

  it('returns the findings unnamed, with the reason, when the lookup fails', async () => {
    const failing: QueryEngine = {
      partitionGranularity: 'hour',
      query: async () => {
        throw new Error('Table eni_inventory does not exist');
      },
      close: async () => {},
    } as unknown as QueryEngine;
    const input = [
      rowToFinding(ssh, { srcaddr: 'x', dstaddr: 'y', dstport: 22, interface_id: 'eni-0a' }, WINDOW),
    ];
    const r = await nameEntities(failing, input, WINDOW.start);
    expect(r.findings).toEqual(input);
    expect(r.error).toBe('Table eni_inventory does not exist');
  });
});

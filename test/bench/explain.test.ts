import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { columnsReadByPlan, explainParquetColumns } from '../../bench/explain';
import { parquetColumnBytes, reencodeParquet } from '../../bench/floor';
import { parseDetection } from '../../lib/detection/registry';

describe('columns read according to the plan', () => {
  it('takes scan projections and pushed-down filter columns, not literals or other nodes', () => {
    // GIVEN a plan whose scan projects srcaddr and filters on action, above a projection of dstaddr
    const plan = [
      {
        name: 'PROJECTION',
        extra_info: { Projections: ['dstaddr'] },
        children: [
          {
            name: 'READ_PARQUET',
            extra_info: { Projections: ['srcaddr', 'end'], Filters: ["action='log_status'", 'start>=0'] },
          },
        ],
      },
    ];
    // THEN the scan's columns are returned, the string 'log_status' is not a column read
    expect(columnsReadByPlan(plan, ['srcaddr', 'dstaddr', 'start', 'end', 'action', 'log_status'])).toEqual([
      'srcaddr',
      'start',
      'end',
      'action',
    ]);
  });

  it('asks DuckDB which Parquet columns a detection reads, and re-encodes Parquet with Gzip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-bench-explain-'));
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    try {
      // GIVEN a Parquet file with some v2 columns, and a detection reading three of them
      const src = join(dir, 'src', 'a.parquet');
      mkdirSync(join(dir, 'src'));
      await conn.run(
        `COPY (SELECT '10.0.0.' || (range % 9) AS srcaddr, '1.1.1.1' AS dstaddr, (range % 50)::INTEGER AS dstport,
           1700000000 + range AS start, CASE WHEN range % 2 = 0 THEN 'REJECT' ELSE 'ACCEPT' END AS action, 'OK' AS log_status FROM range(500)) TO $1 (FORMAT parquet)`,
        [src],
      );
      const d = parseDetection(
        `/*
id: bench-explain
title: Probe for EXPLAIN
description: Counts rejected flows per source in the window.
severity: low
schedule: rate(15 minutes)
lookback: 15m
key_fields: [srcaddr]
mitre:
  - technique: T1046
    name: Network Service Discovery
runbook: Nothing to do, this detection only exists in a test.
*/
SELECT srcaddr, count(*) AS flows FROM flow_logs
WHERE dt BETWEEN :dt_start AND :dt_end AND start >= :window_start AND start < :window_end AND action = 'REJECT'
GROUP BY srcaddr`,
        '<test>',
      );
      // WHEN explained
      const cols = await explainParquetColumns(conn, [src], [d], { start: 1700000100, end: 1700000200 });
      // THEN the plan reads srcaddr, start and action (dt is a partition column, free on Athena)
      expect(cols.get('bench-explain')).toEqual(['srcaddr', 'start', 'action']);
      // AND a Gzip re-encoding keeps the layout and every column
      const [gz] = await reencodeParquet(conn, [src], join(dir, 'src'), join(dir, 'gz'));
      expect(gz).toBe(join(dir, 'gz', 'a.parquet'));
      // AND several files spread over two connections all land, in input order
      const copies = [
        join(dir, 'src', 'b.parquet'),
        join(dir, 'src', 'c.parquet'),
        join(dir, 'src', 'd.parquet'),
      ];
      for (const c of copies)
        await conn.run('COPY (SELECT * FROM read_parquet($1)) TO $2 (FORMAT parquet)', [src, c]);
      const conn2 = await inst.connect();
      const many = await reencodeParquet([conn, conn2], copies, join(dir, 'src'), join(dir, 'gz2'));
      conn2.closeSync();
      expect(many).toEqual(['b', 'c', 'd'].map((n) => join(dir, 'gz2', `${n}.parquet`)));
      expect(many.every((f) => existsSync(f))).toBe(true);
      expect([...(await parquetColumnBytes(conn, [gz!])).keys()].sort()).toEqual([
        'action',
        'dstaddr',
        'dstport',
        'log_status',
        'srcaddr',
        'start',
      ]);
    } finally {
      conn.closeSync();
      inst.closeSync();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

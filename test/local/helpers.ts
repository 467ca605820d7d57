import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export type Row = Record<string, unknown>;

/** A fresh in-memory DuckDB connection; close it with the returned function. */
export async function openDb(): Promise<{ conn: DuckDBConnection; close: () => void }> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Rows as JS values (BIGINT stays bigint so values past 2^53 are compared exactly). */
export async function rows(conn: DuckDBConnection, sql: string): Promise<Row[]> {
  const r = await conn.runAndReadAll(sql);
  return r.getRowObjectsJS() as Row[];
}

/** A temp folder for one test file; remove() deletes it. */
export function tempDir(prefix: string): {
  dir: string;
  write: (rel: string, content: string | Buffer, gzip?: boolean) => string;
  remove: () => void;
} {
  const dir = mkdtempSync(path.join(tmpdir(), `flowwatch-${prefix}-`));
  return {
    dir,
    write(rel, content, gzip = false) {
      const p = path.join(dir, rel);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, gzip ? gzipSync(content) : content);
      return p;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const V2_HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** A v2 line with the given overrides by position-free name. */
export function v2Line(
  o: Partial<
    Record<
      | 'srcaddr'
      | 'dstaddr'
      | 'srcport'
      | 'dstport'
      | 'packets'
      | 'bytes'
      | 'start'
      | 'end'
      | 'action'
      | 'account',
      string | number
    >
  > = {},
): string {
  return [
    2,
    o.account ?? '123456789012',
    'eni-0123456789abcdef0',
    o.srcaddr ?? '10.0.0.1',
    o.dstaddr ?? '52.1.2.3',
    o.srcport ?? 49152,
    o.dstport ?? 443,
    6,
    o.packets ?? 10,
    o.bytes ?? 1000,
    o.start ?? 1700000000,
    o.end ?? 1700000060,
    o.action ?? 'ACCEPT',
    'OK',
  ].join(' ');
}

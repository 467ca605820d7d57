import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbEngine } from '../../lib/detection/duckdb-engine';
import { findField } from '../../lib/detection/fields';
import { createFlowLogsTableSql, DUCKDB_TYPES } from '../../lib/local/schema';

/**
 * The DuckDB side of the comparison: the same files Trino reads, loaded into the local
 * `flow_logs` table with the partition columns taken from each file's S3 key, as Athena's
 * projection sees them (not from the records). Paths and partition values are bound parameters.
 */

export interface DeliveredFile {
  readonly path: string;
  readonly account: string;
  readonly region: string;
  /** `yyyy/MM/dd/HH` from the key. */
  readonly dt: string;
}

const PLAIN_KEY = /AWSLogs\/([^/]+)\/vpcflowlogs\/([^/]+)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/[^/]+$/;

/** Partition values from an AWS plain-layout key; throws naming the path when it is not one. */
export function deliveredFile(path: string): DeliveredFile {
  const m = PLAIN_KEY.exec(path);
  if (!m) throw new Error(`${path}: not an AWSLogs/{account}/vpcflowlogs/{region}/yyyy/MM/dd/HH/ key`);
  return { path, account: m[1]!, region: m[2]!, dt: `${m[3]}/${m[4]}/${m[5]}/${m[6]}` };
}

/** The field names of a text file's header line, as catalogue fields (throws on an unknown one). */
function headerColumns(path: string) {
  const raw = readFileSync(path);
  const text = path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  const header = text.slice(0, text.indexOf('\n'));
  return header.split(' ').map((name) => {
    const f = findField(name);
    if (!f) throw new Error(`${path}: header names unknown field '${name}'`);
    return f;
  });
}

export async function duckDbOverFiles(files: readonly DeliveredFile[]): Promise<DuckDbEngine> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(createFlowLogsTableSql());
  for (const f of files) {
    let sql: string;
    if (f.path.endsWith('.parquet')) {
      sql = `INSERT INTO flow_logs BY NAME SELECT *, ? AS aws_account_id, ? AS aws_region, ? AS dt FROM read_parquet(?)`;
    } else {
      // Column names and types come from the validated catalogue only.
      const cols = headerColumns(f.path);
      const casts = cols.map(
        (c, i) => `TRY_CAST(column${String(i).padStart(2, '0')} AS ${DUCKDB_TYPES[c.type]})`,
      );
      sql = `INSERT INTO flow_logs (${cols.map((c) => `"${c.column}"`).join(', ')}, aws_account_id, aws_region, dt)
        SELECT ${casts.join(', ')}, ?, ?, ? FROM read_csv(?, delim=' ', header=false, skip=1, nullstr='-',
          all_varchar=true, columns={${cols.map((_c, i) => `'column${String(i).padStart(2, '0')}': 'VARCHAR'`).join(', ')}})`;
    }
    const stmt = await conn.prepare(sql);
    stmt.bindVarchar(1, f.account);
    stmt.bindVarchar(2, f.region);
    stmt.bindVarchar(3, f.dt);
    stmt.bindVarchar(4, f.path);
    try {
      await stmt.run();
    } catch (e) {
      throw new Error(`${f.path}: DuckDB could not load it: ${(e as Error).message}`);
    } finally {
      stmt.destroySync();
    }
  }
  return DuckDbEngine.create(conn);
}

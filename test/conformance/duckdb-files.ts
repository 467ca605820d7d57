import { DuckDBInstance } from '@duckdb/node-api';
import { ensureContextTables } from '../../lib/context/context-tables';
import { loadInventory } from '../../lib/context/inventory-store';
import { loadThreatIntel, type ThreatIntelRecord } from '../../lib/context/threat-intel';
import { DuckDbEngine } from '../../lib/detection/duckdb-engine';
import { type LoadReport, loadFlowLogs } from '../../lib/local/loader';

/** The DuckDB side of the comparison: the same files Trino reads, through the local reader. */

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

/** Context for the DuckDB side: the inventory files Trino reads, and the threat-intel records of its table files. */
export interface DuckDbContext {
  readonly inventory?: readonly string[];
  readonly threatIntel?: readonly ThreatIntelRecord[];
}

/**
 * DuckDB over exactly these files, read by the local reader the CLI uses (lib/local/loader.ts),
 * behind the DuckDB engine with its Trino-compat macros. The reader takes partition values from
 * the S3 key, as Athena's projection does. Returns its load report too (issues must be empty
 * for well-formed files). The context tables exist as in a CLI session (empty unless given);
 * the inventory keeps every snapshot, as the Athena table does (queries pick the latest).
 */
export async function duckDbOverFiles(
  files: readonly DeliveredFile[],
  context: DuckDbContext = {},
): Promise<DuckDbEngine & { readonly report: LoadReport }> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const report = await loadFlowLogs(
    conn,
    files.map((f) => f.path),
  );
  if (context.inventory && context.inventory.length > 0)
    await loadInventory(conn, context.inventory, { allSnapshots: true });
  if (context.threatIntel) await loadThreatIntel(conn, context.threatIntel);
  await ensureContextTables(conn);
  const engine = await DuckDbEngine.create(conn);
  return Object.assign(engine, { report });
}

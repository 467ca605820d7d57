import type { DuckDBConnection } from '@duckdb/node-api';
import { createInventoryTableSql, ENI_INVENTORY_TABLE, eniIpsViewSql } from './inventory-store';
import { createThreatIntelTableSql, THREAT_INTEL_TABLE } from './threat-intel';

/**
 * Create the context tables (`eni_inventory`, `threat_intel`, view `eni_ips`) empty where they
 * do not exist yet. Detections LEFT JOIN them, as on Athena where the Glue tables always exist,
 * so every local session has them whether or not --inventory / --threat-intel was given: an
 * empty inventory means "no entity known", never a query error.
 */
export async function ensureContextTables(conn: DuckDBConnection): Promise<void> {
  await conn.run(createInventoryTableSql(ENI_INVENTORY_TABLE));
  await conn.run(createThreatIntelTableSql(THREAT_INTEL_TABLE));
  await conn.run(eniIpsViewSql());
}

import { type FieldType, FLOW_LOG_FIELDS, PARTITION_COLUMNS } from '../detection/fields';

/** DuckDB type for each catalogue type (Athena int/bigint/string). */
export const DUCKDB_TYPES: Record<FieldType, string> = {
  int: 'INTEGER',
  bigint: 'BIGINT',
  string: 'VARCHAR',
};

/** Name of the table every detection and ad-hoc query reads. */
export const FLOW_LOGS_TABLE = 'flow_logs';

/**
 * DDL of the local flow_logs table: every v2-v8 field (NULL where a file lacks it) plus the
 * partition columns Athena projects, so the same SQL runs on both.
 */
export function createFlowLogsTableSql(table = FLOW_LOGS_TABLE): string {
  const cols = [
    ...FLOW_LOG_FIELDS.map((f) => `"${f.column}" ${DUCKDB_TYPES[f.type]}`),
    ...PARTITION_COLUMNS.map((c) => `"${c}" VARCHAR`),
  ];
  return `CREATE TABLE ${table} (\n  ${cols.join(',\n  ')}\n)`;
}

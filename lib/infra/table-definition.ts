import { FLOW_LOG_FIELDS, type FlowLogField, PARTITION_COLUMNS } from '../detection/fields';

/**
 * The flow_logs table definition, generated from the field catalogue. Used by the Glue table
 * construct and by the Athena DDL written to sql/tables/ (so both always agree). Pure: no CDK.
 */

export const FLOW_LOGS_TABLE_NAME = 'flow_logs';

export type TableFormat = 'parquet' | 'text';

export interface TableColumn {
  readonly name: string;
  readonly type: string;
  readonly comment: string;
}

export interface FlowLogsTableOptions {
  readonly format: TableFormat;
  /** Fields in file order (text: positional). Catalogue fields not listed are appended and read as NULL. */
  readonly fileFields?: readonly FlowLogField[];
  /** `s3://bucket/prefix` before `/AWSLogs/` (no trailing slash). */
  readonly baseLocation: string;
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  readonly granularity: 'hour' | 'day';
  /** First partition the dt projection enumerates, `yyyy/MM/dd/HH` (the hour part is dropped for daily). */
  readonly projectionStart: string;
}

export interface FlowLogsTableDefinition {
  readonly columns: readonly TableColumn[];
  readonly partitionKeys: readonly TableColumn[];
  readonly location: string;
  readonly inputFormat: string;
  readonly outputFormat: string;
  readonly serde: { readonly library: string; readonly parameters: Readonly<Record<string, string>> };
  /** Table parameters: partition projection and format properties. */
  readonly parameters: Readonly<Record<string, string>>;
}

/**
 * Every catalogue field becomes a column, so the same detection SQL runs whatever subset a
 * flow log writes: Parquet resolves columns by name (absent ones are NULL); for text the file's
 * fields come first in file order and the rest trail (LazySimpleSerDe reads missing trailing
 * columns as NULL).
 */
export function tableColumns(fileFields: readonly FlowLogField[] = FLOW_LOG_FIELDS): TableColumn[] {
  const ordered = [...fileFields, ...FLOW_LOG_FIELDS.filter((f) => !fileFields.includes(f))];
  return ordered.map((f) => ({ name: f.column, type: f.type, comment: f.description }));
}

export const PARTITION_KEYS: readonly TableColumn[] = [
  { name: 'aws_account_id', type: 'string', comment: 'Account the flow log belongs to (from the S3 key)' },
  { name: 'aws_region', type: 'string', comment: 'Region of the flow log (from the S3 key)' },
  { name: 'dt', type: 'string', comment: 'Delivery hour yyyy/MM/dd/HH (or day yyyy/MM/dd) from the S3 key' },
];

// Keep the partition keys in step with the shared catalogue's list.
if (PARTITION_KEYS.map((p) => p.name).join() !== PARTITION_COLUMNS.join())
  throw new Error('PARTITION_KEYS and PARTITION_COLUMNS disagree');

/**
 * S3 layout (plain, not Hive-compatible): `<base>/AWSLogs/<account>/vpcflowlogs/<region>/yyyy/MM/dd[/HH]/`.
 * One projected `dt` covers the whole date path, so a detection's `dt BETWEEN` bound is a plain
 * string range; Hive-style keys would need `year=/month=/day=/hour=` literals inside dt values.
 */
export function locationTemplate(baseLocation: string): string {
  return `${baseLocation}/AWSLogs/\${aws_account_id}/vpcflowlogs/\${aws_region}/\${dt}`;
}

/**
 * Athena partition projection shared by every FlowWatch table (flow_logs, eni_inventory):
 * enum account and region, a `dt` date over the whole date path, hourly or daily.
 */
export function partitionProjectionParameters(o: {
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  readonly granularity: 'hour' | 'day';
  /** `yyyy/MM/dd/HH`; cut to the day for daily tables. */
  readonly projectionStart: string;
  readonly locationTemplate: string;
}): Record<string, string> {
  const hourly = o.granularity === 'hour';
  const start = hourly ? o.projectionStart : o.projectionStart.slice(0, 10);
  return {
    EXTERNAL: 'TRUE',
    'projection.enabled': 'true',
    'projection.aws_account_id.type': 'enum',
    'projection.aws_account_id.values': o.accounts.join(','),
    'projection.aws_region.type': 'enum',
    'projection.aws_region.values': o.regions.join(','),
    'projection.dt.type': 'date',
    'projection.dt.format': hourly ? 'yyyy/MM/dd/HH' : 'yyyy/MM/dd',
    'projection.dt.range': `${start},NOW`,
    'projection.dt.interval': '1',
    'projection.dt.interval.unit': hourly ? 'HOURS' : 'DAYS',
    'storage.location.template': o.locationTemplate,
  };
}

export function flowLogsTable(o: FlowLogsTableOptions): FlowLogsTableDefinition {
  if (o.accounts.length === 0) throw new Error('flowLogsTable: accounts is empty');
  if (o.regions.length === 0) throw new Error('flowLogsTable: regions is empty');
  const parameters = partitionProjectionParameters({
    accounts: o.accounts,
    regions: o.regions,
    granularity: o.granularity,
    projectionStart: o.projectionStart,
    locationTemplate: locationTemplate(o.baseLocation),
  });
  // Parquet columns resolve by name, so catalogue order is used whatever the LogFormat order.
  const columns = tableColumns(o.format === 'text' ? o.fileFields : undefined);
  const location = `${o.baseLocation}/AWSLogs/`;
  if (o.format === 'parquet') {
    return {
      columns,
      partitionKeys: PARTITION_KEYS,
      location,
      inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      serde: { library: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', parameters: {} },
      parameters: { ...parameters, classification: 'parquet' },
    };
  }
  return {
    columns,
    partitionKeys: PARTITION_KEYS,
    location,
    inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    serde: {
      library: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
      // Space-delimited; AWS writes '-' for a missing value, which must read as NULL (also in strings).
      parameters: { 'field.delim': ' ', 'serialization.format': ' ', 'serialization.null.format': '-' },
    },
    // Every text file starts with a header line naming the fields.
    parameters: { ...parameters, classification: 'csv', 'skip.header.line.count': '1' },
  };
}

function quote(s: string): string {
  // Only catalogue text and validated config reach here; escape anyway so the DDL stays valid.
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Athena (Hive DDL) CREATE EXTERNAL TABLE for the same definition. */
export function flowLogsDdl(def: FlowLogsTableDefinition, database?: string): string {
  const name = database ? `${database}.${FLOW_LOGS_TABLE_NAME}` : FLOW_LOGS_TABLE_NAME;
  const col = (c: TableColumn) => `  \`${c.name}\` ${c.type} COMMENT ${quote(c.comment)}`;
  const serdeProps = Object.entries(def.serde.parameters);
  const lines = [
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${name} (`,
    def.columns.map(col).join(',\n'),
    ')',
    'PARTITIONED BY (',
    def.partitionKeys.map(col).join(',\n'),
    ')',
    `ROW FORMAT SERDE ${quote(def.serde.library)}`,
  ];
  if (serdeProps.length > 0)
    lines.push(
      `WITH SERDEPROPERTIES (\n${serdeProps.map(([k, v]) => `  ${quote(k)} = ${quote(v)}`).join(',\n')}\n)`,
    );
  lines.push(
    `STORED AS INPUTFORMAT ${quote(def.inputFormat)}`,
    `OUTPUTFORMAT ${quote(def.outputFormat)}`,
    `LOCATION ${quote(def.location)}`,
    'TBLPROPERTIES (',
    Object.entries(def.parameters)
      .filter(([k]) => k !== 'EXTERNAL')
      .map(([k, v]) => `  ${quote(k)} = ${quote(v)}`)
      .join(',\n'),
    ')',
  );
  return `${lines.join('\n')};\n`;
}

/** Placeholder values used in the checked-in DDL files; replace them before running it. */
export const DDL_EXAMPLE = {
  baseLocation: 's3://DOC-EXAMPLE-BUCKET/vpc-flow-logs',
  accounts: ['111111111111', '222222222222'],
  regions: ['us-east-1', 'eu-west-1'],
  projectionStart: '2024/01/01/00',
} as const;

/** The header + DDL of sql/tables/flow_logs_<format>.sql. */
export function ddlFileText(format: TableFormat): string {
  const def = flowLogsTable({ ...DDL_EXAMPLE, format, granularity: 'hour' });
  const what =
    format === 'parquet'
      ? 'Parquet flow logs (what FlowWatch creates), hourly partitions.'
      : 'text (.log.gz) flow logs with a header line, hourly partitions, all v2-v8 fields in\n-- catalogue order. If your LogFormat lists fewer or other fields, put them first in file order.';
  return [
    `-- GENERATED from sql/tables/flow-log-fields.json by lib/infra/table-definition.ts; do not edit.`,
    `-- Regenerate: UPDATE_DDL=1 npx jest test/infra/table-definition.test.ts`,
    `-- Athena table for ${what}`,
    `-- Replace ${DDL_EXAMPLE.baseLocation}, the account ids and the regions with yours.`,
    '-- Daily (not per-hour) flow logs: use format yyyy/MM/dd, interval.unit DAYS and a yyyy/MM/dd range start.',
    '',
    flowLogsDdl(def),
  ].join('\n');
}

/**
 * Storage of a context table (eni_inventory, threat_intel): gzip JSON lines read by the OpenX
 * JSON SerDe (what the inventory and threat-intel Lambdas write), columns from a catalogue.
 */
export function jsonLinesStorage(
  columns: readonly { readonly name: string; readonly glue: string }[],
  location: string,
) {
  return {
    columns: columns.map((c) => ({ name: c.name, type: c.glue })),
    location,
    inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', parameters: {} },
    compressed: true,
  };
}

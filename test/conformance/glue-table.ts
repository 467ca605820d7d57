import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLOW_LOG_FIELDS, type FlowLogField, PARTITION_COLUMNS } from '../../lib/detection/fields';

/**
 * The Glue table as CloudFormation declares it (AWS::Glue::Table TableInput), and its
 * registration in Trino's FILE metastore with every Glue parameter kept verbatim, so Trino's
 * Hive connector sees what Athena sees: columns and types, SerDe and its parameters, partition
 * keys, `projection.*` and `storage.location.template`. Only `s3://bucket/...` locations are
 * rewritten to `local:///s3/bucket/...` (Trino's native local file system under the run dir).
 */

export interface GlueColumn {
  readonly Name: string;
  readonly Type: string;
  readonly Comment?: string;
}

export interface GlueTableInput {
  readonly Name: string;
  readonly TableType?: string;
  readonly Parameters?: Readonly<Record<string, string>>;
  readonly PartitionKeys?: readonly GlueColumn[];
  readonly StorageDescriptor: {
    readonly Columns: readonly GlueColumn[];
    readonly Location: string;
    readonly InputFormat: string;
    readonly OutputFormat: string;
    readonly SerdeInfo: {
      readonly SerializationLibrary: string;
      readonly Parameters?: Readonly<Record<string, string>>;
    };
  };
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/**
 * Resolve the intrinsics a synthesized Glue table uses (Ref, Fn::GetAtt, Fn::Join, Fn::Sub,
 * pseudo parameters) to plain strings: a Ref to a bucket becomes `ref-<logicalid>`, which is
 * also the folder the test lays the bucket out in.
 */
export function resolveIntrinsics(v: Json, pseudo: Readonly<Record<string, string>>): Json {
  if (Array.isArray(v)) return v.map((x) => resolveIntrinsics(x, pseudo));
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const k = keys[0]!;
    const arg = v[k]!;
    if (k === 'Ref') return pseudo[arg as string] ?? `ref-${String(arg).toLowerCase()}`;
    if (k === 'Fn::GetAtt') return `ref-${String((arg as Json[])[0]).toLowerCase()}`;
    if (k === 'Fn::Join') {
      const [sep, parts] = arg as [string, Json[]];
      return parts.map((p) => String(resolveIntrinsics(p, pseudo))).join(sep);
    }
    if (k === 'Fn::Sub') {
      const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, Json>]);
      // ${!Literal} stays literal; ${aws_region}-style projection placeholders are not CFN variables.
      return text.replace(/\$\{([^}]+)\}/g, (m, name: string) => {
        if (name.startsWith('!')) return `\${${name.slice(1)}}`;
        if (Object.hasOwn(vars, name)) return String(resolveIntrinsics(vars[name]!, pseudo));
        if (pseudo[name] !== undefined) return pseudo[name]!;
        return m;
      });
    }
  }
  const out: Record<string, Json> = {};
  for (const [k, x] of Object.entries(v)) out[k] = resolveIntrinsics(x, pseudo);
  return out;
}

/** Every AWS::Glue::Table's TableInput in a synthesized template, intrinsics resolved. */
export function glueTablesFromTemplate(template: { Resources?: Record<string, Json> }): GlueTableInput[] {
  const pseudo = { 'AWS::AccountId': '123456789012', 'AWS::Region': 'us-east-1', 'AWS::Partition': 'aws' };
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => (r as { Type?: string }).Type === 'AWS::Glue::Table')
    .map(([id, r]) => {
      const input = (r as { Properties?: { TableInput?: Json } }).Properties?.TableInput;
      if (!input) throw new Error(`template resource ${id}: AWS::Glue::Table without TableInput`);
      return resolveIntrinsics(input, pseudo) as unknown as GlueTableInput;
    });
}

const PROJECTION_START = '2024/01/01/00';

/**
 * Stand-in for the synthesized table while lib/infra has no synth entry point: the definition
 * the brief gives (catalogue columns, aws_account_id/aws_region enum projection, hourly dt date
 * projection, the AWS delivery path as location template), in CloudFormation's shape.
 */
export function catalogueGlueTable(o: {
  name: string;
  format: 'parquet' | 'text';
  bucket: string;
  accounts: readonly string[];
  regions: readonly string[];
  fileFields?: readonly FlowLogField[];
}): GlueTableInput {
  const base = `s3://${o.bucket}`;
  const fileFields = o.fileFields ?? FLOW_LOG_FIELDS;
  // Text is positional: the file's fields first, in file order; the rest trail and read as NULL.
  const ordered = [...fileFields, ...FLOW_LOG_FIELDS.filter((f) => !fileFields.includes(f))];
  const parameters: Record<string, string> = {
    EXTERNAL: 'TRUE',
    'projection.enabled': 'true',
    'projection.aws_account_id.type': 'enum',
    'projection.aws_account_id.values': o.accounts.join(','),
    'projection.aws_region.type': 'enum',
    'projection.aws_region.values': o.regions.join(','),
    'projection.dt.type': 'date',
    'projection.dt.format': 'yyyy/MM/dd/HH',
    'projection.dt.range': `${PROJECTION_START},NOW`,
    'projection.dt.interval': '1',
    'projection.dt.interval.unit': 'HOURS',
    'storage.location.template': `${base}/AWSLogs/\${aws_account_id}/vpcflowlogs/\${aws_region}/\${dt}`,
  };
  const text = o.format === 'text';
  return {
    Name: o.name,
    TableType: 'EXTERNAL_TABLE',
    Parameters: text
      ? { ...parameters, classification: 'csv', 'skip.header.line.count': '1' }
      : { ...parameters, classification: 'parquet' },
    PartitionKeys: PARTITION_COLUMNS.map((c) => ({ Name: c, Type: 'string' })),
    StorageDescriptor: {
      Columns: ordered.map((f) => ({ Name: f.column, Type: f.type, Comment: f.description })),
      Location: `${base}/AWSLogs/`,
      InputFormat: text
        ? 'org.apache.hadoop.mapred.TextInputFormat'
        : 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: text
        ? 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
        : 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: text
        ? {
            SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
            Parameters: { 'field.delim': ' ', 'serialization.format': ' ', 'serialization.null.format': '-' },
          }
        : {
            SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            Parameters: {},
          },
    },
  };
}

/** Trino's name for a (SerDe, InputFormat) pair Glue declares; anything else is an error naming the table. */
function trinoStorageFormat(t: GlueTableInput): string {
  const serde = t.StorageDescriptor.SerdeInfo.SerializationLibrary;
  const input = t.StorageDescriptor.InputFormat;
  const known: Record<string, [string, string]> = {
    PARQUET: [
      'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
      'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    ],
    TEXTFILE: [
      'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
      'org.apache.hadoop.mapred.TextInputFormat',
    ],
    ORC: ['org.apache.hadoop.hive.ql.io.orc.OrcSerde', 'org.apache.hadoop.hive.ql.io.orc.OrcInputFormat'],
  };
  for (const [name, [s, i]] of Object.entries(known)) if (s === serde && i === input) return name;
  throw new Error(`Glue table '${t.Name}': SerDe ${serde} with ${input} has no Trino equivalent here`);
}

/** `s3://bucket/key` -> `local:///s3/bucket/key`; other strings unchanged. */
export function localizeS3(value: string): string {
  return value.replace(/s3:\/\/([^/]+)/g, 'local:///s3/$1');
}

/** Where a bucket's objects live on disk for a Trino whose local:/// root is `fsRoot`. */
export function bucketDir(fsRoot: string, bucket: string): string {
  return join(fsRoot, 's3', bucket);
}

function column(c: GlueColumn) {
  return { name: c.Name, type: c.Type, ...(c.Comment ? { comment: c.Comment } : {}), properties: {} };
}

/**
 * Write schema `schema` and table `t` into the FILE metastore under `fsRoot/metastore` (the
 * layout Trino's file metastore reads: `.<schema>.trinoSchema`, `<schema>/<table>/.trinoSchema`).
 */
export function registerGlueTable(
  fsRoot: string,
  schema: string,
  t: GlueTableInput,
  o: {
    /** The running Trino's version: the file metastore refuses metadata written by another version. */
    trinoVersion: string;
    /** Read the table's `s3://` locations from this bucket folder instead (one table definition, several data sets). */
    bucket?: string;
  },
): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema) || !/^[a-z_][a-z0-9_]*$/.test(t.Name))
    throw new Error(`schema '${schema}' / table '${t.Name}' must be lower_snake_case`);
  const metastore = join(fsRoot, 'metastore');
  mkdirSync(join(metastore, schema, t.Name), { recursive: true });
  writeFileSync(
    join(metastore, `.${schema}.trinoSchema`),
    JSON.stringify(
      { writerVersion: o.trinoVersion, ownerName: 'flowwatch', ownerType: 'USER', parameters: {} },
      null,
      2,
    ),
  );
  const local = (v: string) => localizeS3(o.bucket ? v.replace(/s3:\/\/[^/]+/g, `s3://${o.bucket}`) : v);
  const parameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(t.Parameters ?? {})) parameters[k] = local(v);
  const table = {
    writerVersion: o.trinoVersion,
    owner: 'flowwatch',
    tableType: t.TableType ?? 'EXTERNAL_TABLE',
    dataColumns: t.StorageDescriptor.Columns.map(column),
    partitionColumns: (t.PartitionKeys ?? []).map(column),
    parameters,
    storageFormat: trinoStorageFormat(t),
    serdeParameters: { ...(t.StorageDescriptor.SerdeInfo.Parameters ?? {}) },
    externalLocation: local(t.StorageDescriptor.Location),
    columnStatistics: {},
  };
  writeFileSync(join(metastore, schema, t.Name, '.trinoSchema'), JSON.stringify(table, null, 2));
}

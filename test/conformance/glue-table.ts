import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
    // The context tables' JSON lines: Athena's OpenX JSON SerDe, which Trino's Hive connector reads as OPENX_JSON.
    OPENX_JSON: ['org.openx.data.jsonserde.JsonSerDe', 'org.apache.hadoop.mapred.TextInputFormat'],
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

/**
 * The local folder that holds `AWSLogs/` for table `t` when its bucket is laid out in `bucket`:
 * the table's Location may carry a prefix before `AWSLogs/` (FlowWatch's own bucket does).
 */
export function logsRoot(fsRoot: string, t: GlueTableInput, bucket: string): string {
  const m = /^s3:\/\/[^/]+\/(.*?)AWSLogs\/?$/.exec(t.StorageDescriptor.Location);
  if (!m)
    throw new Error(
      `Glue table '${t.Name}': Location ${t.StorageDescriptor.Location} does not end in AWSLogs/`,
    );
  return join(bucketDir(fsRoot, bucket), m[1]!);
}

/** The local folder of table `t`'s Location when its bucket is laid out in `bucket`. */
export function tableDir(fsRoot: string, t: GlueTableInput, bucket: string): string {
  const m = /^s3:\/\/[^/]+\/(.*?)\/?$/.exec(t.StorageDescriptor.Location);
  if (!m)
    throw new Error(
      `Glue table '${t.Name}': Location ${t.StorageDescriptor.Location} is not an s3:// folder`,
    );
  return join(bucketDir(fsRoot, bucket), m[1]!);
}

/**
 * The same table over Parquet files (same columns, partitions and projection): what the table
 * would be if the inventory were written as Parquet, which writeInventory can do.
 */
export function withParquetStorage(t: GlueTableInput): GlueTableInput {
  return {
    ...t,
    StorageDescriptor: {
      ...t.StorageDescriptor,
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    },
  };
}

/** The same table for a flow log whose LogFormat lists other fields, as synth would generate it. */
export function withColumns(t: GlueTableInput, columns: readonly GlueColumn[]): GlueTableInput {
  return { ...t, StorageDescriptor: { ...t.StorageDescriptor, Columns: columns } };
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

import catalogue from '../../sql/tables/flow-log-fields.json';

/** Athena/Glue primitive type of a flow log column. */
export type FieldType = 'int' | 'bigint' | 'string';

export interface FlowLogField {
  /** Name as AWS writes it in a format string and a text header, e.g. `log-status`. */
  readonly name: string;
  /** Column name in Parquet, Glue and SQL, e.g. `log_status`. */
  readonly column: string;
  readonly type: FieldType;
  /** Flow log version that introduced the field (2-8). */
  readonly version: number;
  readonly description: string;
}

/** Every field from v2 to v8, in AWS's documented order (the order of `${...}` in a "all fields" format). */
export const FLOW_LOG_FIELDS: readonly FlowLogField[] = catalogue.fields as FlowLogField[];

const byName = new Map<string, FlowLogField>();
for (const f of FLOW_LOG_FIELDS) {
  byName.set(f.name, f);
  byName.set(f.column, f);
}

/** The v2 default format, used for headerless files when no field list is given. */
export const DEFAULT_V2_FIELDS: readonly string[] = FLOW_LOG_FIELDS.filter((f) => f.version === 2).map(
  (f) => f.name,
);

/** Fields FlowWatch asks for when it creates flow logs: all of v2-v5 (what the detections use). */
export const FLOWWATCH_FIELDS: readonly string[] = FLOW_LOG_FIELDS.filter((f) => f.version <= 5).map(
  (f) => f.name,
);

/**
 * Partition columns of the flow_logs table. Athena projects them from the S3 key; the local
 * reader derives them from the path (AWS layouts) or from the record (`dt` = hour of `start`).
 * `dt` is `yyyy/MM/dd/HH` (hourly) or `yyyy/MM/dd` (daily layouts on Athena).
 */
export const PARTITION_COLUMNS = ['aws_account_id', 'aws_region', 'dt'] as const;

/** Look a field up by hyphenated or underscored name; undefined when it is not a flow log field. */
export function findField(name: string): FlowLogField | undefined {
  return byName.get(name.trim().toLowerCase());
}

export class UnknownFieldError extends Error {
  constructor(
    readonly fieldName: string,
    where: string,
  ) {
    super(
      `${where}: unknown flow log field '${fieldName}'. Known fields: ${FLOW_LOG_FIELDS.map((f) => f.name).join(' ')}`,
    );
    this.name = 'UnknownFieldError';
  }
}

/**
 * Parse a field list as AWS prints it (`${version} ${account-id} ...`) or as a plain
 * space/comma separated list (`version account-id ...`). Throws on an unknown or repeated field.
 */
export function parseFieldList(spec: string, where = '--fields'): FlowLogField[] {
  const names = spec
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .map((t) => t.replace(/^\$\{(.*)\}$/, '$1'));
  if (names.length === 0) throw new Error(`${where}: the field list is empty`);
  const seen = new Set<string>();
  return names.map((n) => {
    const f = findField(n);
    if (!f) throw new UnknownFieldError(n, where);
    if (seen.has(f.column)) throw new Error(`${where}: field '${f.name}' appears twice`);
    seen.add(f.column);
    return f;
  });
}

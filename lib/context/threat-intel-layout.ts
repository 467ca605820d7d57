import { gzipSync } from 'node:zlib';
import { THREAT_INTEL_COLUMNS, type ThreatIntelRecord } from './threat-intel';

/**
 * S3 layout of the deployed threat_intel table, shared by the sync Lambda (which writes it) and
 * the CDK construct (which grants access to it and points the Glue table at it). Pure: no SDK,
 * no DuckDB (threat-intel.ts imports DuckDB's types only, which the bundler drops).
 *
 *   threat-intel/lists/<name>               raw lists as users upload them (any supported format, gzip or not)
 *   threat-intel/table/<name>.jsonl.gz      one normalised file per list: the Glue table's location
 */

export const THREAT_INTEL_PREFIX = 'threat-intel';
export const THREAT_INTEL_LISTS_PREFIX = `${THREAT_INTEL_PREFIX}/lists/`;
export const THREAT_INTEL_TABLE_PREFIX = `${THREAT_INTEL_PREFIX}/table/`;
export const THREAT_INTEL_TABLE_SUFFIX = '.jsonl.gz';

/**
 * The table file of a list key (`threat-intel/lists/<name>`). The name is URI-encoded so a list in
 * a sub-folder (`lists/spamhaus/drop_v4.json`) still lands directly under the table location, and
 * the mapping stays reversible (listKeyOfTableKey).
 */
export function tableKeyOfListKey(listKey: string): string {
  if (!listKey.startsWith(THREAT_INTEL_LISTS_PREFIX) || listKey.length === THREAT_INTEL_LISTS_PREFIX.length)
    throw new Error(`'${listKey}' is not a list key under ${THREAT_INTEL_LISTS_PREFIX}`);
  const name = listKey.slice(THREAT_INTEL_LISTS_PREFIX.length);
  return `${THREAT_INTEL_TABLE_PREFIX}${encodeURIComponent(name)}${THREAT_INTEL_TABLE_SUFFIX}`;
}

/** The list key a table file was written from; undefined for a key the sync did not write. */
export function listKeyOfTableKey(tableKey: string): string | undefined {
  if (!tableKey.startsWith(THREAT_INTEL_TABLE_PREFIX) || !tableKey.endsWith(THREAT_INTEL_TABLE_SUFFIX))
    return undefined;
  const encoded = tableKey.slice(THREAT_INTEL_TABLE_PREFIX.length, -THREAT_INTEL_TABLE_SUFFIX.length);
  if (encoded === '' || encoded.includes('/')) return undefined;
  try {
    return `${THREAT_INTEL_LISTS_PREFIX}${decodeURIComponent(encoded)}`;
  } catch {
    return undefined;
  }
}

/**
 * Athena skips files whose name starts with `_` or `.` (Hadoop's hidden files): a list named so
 * would sync and never match. Returns why, or undefined when the table file will be read.
 */
export function hiddenTableFileReason(listKey: string): string | undefined {
  const file = tableKeyOfListKey(listKey).slice(THREAT_INTEL_TABLE_PREFIX.length);
  return /^[._]/.test(file)
    ? `Athena ignores files whose name starts with '.' or '_'; rename the list (its table file would be ${file})`
    : undefined;
}

/**
 * The table file body: one JSON object per record with exactly the THREAT_INTEL_COLUMNS keys in
 * column order (nulls kept, ip_start/ip_end as JSON numbers for the bigint columns), gzip.
 */
export function threatIntelJsonl(records: readonly ThreatIntelRecord[]): Buffer {
  const lines = records.map(
    (r) => `${JSON.stringify(Object.fromEntries(THREAT_INTEL_COLUMNS.map((c) => [c.name, r[c.name]])))}\n`,
  );
  return gzipSync(lines.join(''));
}

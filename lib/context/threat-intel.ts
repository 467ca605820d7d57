import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';

/**
 * Threat-intel lists: user-supplied IP addresses and CIDR blocks (a team's own blocklist,
 * abuse.ch Feodo Tracker, Spamhaus DROP, ...) parsed into records and loaded as the
 * `threat_intel` table. Bad lines are skipped and reported as `file:line: message`; a whole
 * file is refused only when it cannot be a list at all (a CSV header without an address column).
 *
 * Accepted formats (auto-detected from the first non-comment line):
 *  - plain:  one address or CIDR per line; `#` or `;` starts a comment, and the comment on an
 *            entry's line becomes its description (Spamhaus DROP: `1.10.16.0/20 ; SBL256894`).
 *  - csv:    a header naming an address column (`ip_or_cidr`, `ip`, `cidr`, `ip_address`,
 *            `network`) and optionally `source`, `description`, `port`.
 *  - feodo:  abuse.ch Feodo Tracker's ipblocklist.csv
 *            (`"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"`).
 *  - jsonl:  one JSON object per line with `cidr` (or `ip`, `ip_or_cidr`) and optionally
 *            `source`, `description`, `port`; Spamhaus's drop_v4.json / drop_v6.json
 *            (`{"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}`, the SBL id becomes the
 *            description; its closing `{"type":"metadata",...}` line is skipped).
 */

export type ThreatIntelFormat = 'plain' | 'csv' | 'feodo' | 'jsonl';

export interface ThreatIntelRecord {
  /** Canonical `network/prefix` (a single address becomes /32 or /128). */
  readonly cidr: string;
  readonly family: 4 | 6;
  readonly prefix: number;
  /** IPv4 range as unsigned 32-bit integers (NULL for IPv6), for BETWEEN joins. */
  readonly ip_start: number | null;
  readonly ip_end: number | null;
  /** IPv6 range as 32 lowercase hex digits (NULL for IPv4); string order is numeric order. */
  readonly ip6_start: string | null;
  readonly ip6_end: string | null;
  /** Destination port the feed names (Feodo's C2 port), else NULL. */
  readonly port: number | null;
  readonly source: string;
  readonly description: string | null;
  /** `file:line` the entry came from. */
  readonly origin: string;
}

export interface ThreatIntelIssue {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface ThreatIntelParseResult {
  readonly format: ThreatIntelFormat;
  readonly records: ThreatIntelRecord[];
  /** Skipped lines, each with its reason. */
  readonly issues: ThreatIntelIssue[];
  /** Entries repeated in the file (same cidr, source and port), dropped after the first. */
  readonly duplicates: number;
}

export class ThreatIntelFileError extends Error {
  constructor(file: string, line: number | undefined, message: string) {
    super(`${file}${line ? `:${line}` : ''}: ${message}`);
    this.name = 'ThreatIntelFileError';
  }
}

export function formatIssue(i: ThreatIntelIssue): string {
  return `${i.file}:${i.line}: ${i.message}`;
}

/** Broadest prefixes accepted: a broader entry is far more likely a typo than intelligence. */
export const MIN_IPV4_PREFIX = 8;
export const MIN_IPV6_PREFIX = 16;

// --- Addresses -------------------------------------------------------------------------------

interface ParsedNet {
  readonly family: 4 | 6;
  readonly prefix: number;
  /** Network address as an integer (32 or 128 bits). */
  readonly start: bigint;
  readonly end: bigint;
}

function ipv4ToBigInt(a: string): bigint {
  return a.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
}

function bigIntToIpv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
}

/** 128-bit value of an IPv6 address (node:net has validated it), embedded IPv4 tails included. */
function ipv6ToBigInt(a: string): bigint {
  let addr = a.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]!);
    addr = `${addr.slice(0, -v4[1]!.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

/** Shortest IPv6 text (RFC 5952: lowercase, longest zero run of 2+ groups as `::`). */
function bigIntToIpv6(n: bigint): string {
  const g = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best === -1) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

const V4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** Parse `addr` or `addr/prefix`; returns an error message for anything else. */
export function parseIpOrCidr(text: string): ParsedNet | string {
  const m = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(text.trim());
  if (!m) return `'${text}' is not an IP address or CIDR`;
  let addr = m[1]!;
  let prefixText = m[2];
  // An IPv4-mapped IPv6 address (Feodo writes some) is the IPv4 address: flow logs write it so.
  const mapped = V4_MAPPED.exec(addr);
  if (mapped) {
    addr = mapped[1]!;
    if (prefixText !== undefined) {
      const p6 = Number(prefixText);
      if (p6 < 96) return `'${text}': an IPv4-mapped prefix must be /96 or longer`;
      prefixText = String(p6 - 96);
    }
  }
  let family: 4 | 6;
  let value: bigint;
  if (isIPv4(addr)) {
    family = 4;
    value = ipv4ToBigInt(addr);
  } else if (isIPv6(addr)) {
    family = 6;
    value = ipv6ToBigInt(addr);
  } else return `'${m[1]}' is not an IPv4 or IPv6 address`;
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return `'${text}': prefix /${prefix} is longer than /${bits}`;
  const min = family === 4 ? MIN_IPV4_PREFIX : MIN_IPV6_PREFIX;
  if (prefix < min)
    return `'${text}': prefix /${prefix} is broader than /${min}; refused (it would match a large part of the internet)`;
  const hostBits = BigInt(bits - prefix);
  const mask = (1n << hostBits) - 1n;
  if ((value & mask) !== 0n) {
    const net = value & ~mask;
    const fixed = family === 4 ? bigIntToIpv4(net) : bigIntToIpv6(net);
    // Not silently widened: `10.1.2.3/8` is more likely a typo than a wish to list 10.0.0.0/8.
    return `'${text}': host bits are set (the network is ${fixed}/${prefix})`;
  }
  return { family, prefix, start: value, end: value | mask };
}

function toRecord(
  net: ParsedNet,
  fields: { source: string; description: string | null; port: number | null; origin: string },
): ThreatIntelRecord {
  const v4 = net.family === 4;
  const text = v4 ? bigIntToIpv4(net.start) : bigIntToIpv6(net.start);
  return {
    cidr: `${text}/${net.prefix}`,
    family: net.family,
    prefix: net.prefix,
    ip_start: v4 ? Number(net.start) : null,
    ip_end: v4 ? Number(net.end) : null,
    ip6_start: v4 ? null : net.start.toString(16).padStart(32, '0'),
    ip6_end: v4 ? null : net.end.toString(16).padStart(32, '0'),
    port: fields.port,
    source: fields.source,
    description: fields.description,
    origin: fields.origin,
  };
}

// --- CSV -------------------------------------------------------------------------------------

/** Split one CSV line (RFC 4180 quoting, no embedded newlines). */
export function splitCsvLine(line: string): string[] | string {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return 'unterminated quoted field';
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (i < line.length && line[i] !== ',')
        return `unexpected text after a quoted field at column ${i + 1}`;
    } else {
      const j = line.indexOf(',', i);
      field = line.slice(i, j === -1 ? line.length : j);
      i = j === -1 ? line.length : j;
    }
    out.push(field.trim());
    if (i >= line.length) return out;
    i++; // the comma
  }
}

const ADDRESS_COLUMNS = ['ip_or_cidr', 'ip', 'cidr', 'ip_address', 'network', 'dst_ip'];
const FEODO_COLUMNS = ['first_seen_utc', 'dst_ip', 'dst_port', 'c2_status', 'last_online', 'malware'];

function isComment(line: string): boolean {
  return line.startsWith('#') || line.startsWith(';');
}

function detectFormat(firstLine: string | undefined): ThreatIntelFormat {
  if (firstLine?.startsWith('{')) return 'jsonl';
  if (firstLine === undefined || !firstLine.includes(',')) return 'plain';
  const cols = splitCsvLine(firstLine);
  if (typeof cols === 'string') return 'plain';
  const names = cols.map((c) => c.toLowerCase());
  if (FEODO_COLUMNS.every((c) => names.includes(c))) return 'feodo';
  return names.some((n) => ADDRESS_COLUMNS.includes(n)) ? 'csv' : 'plain';
}

// --- Parsing ---------------------------------------------------------------------------------

export interface ParseThreatIntelOptions {
  /** File name for messages and origins. */
  readonly file: string;
  /** Source label (default: 'feodotracker' for Feodo files, else the file name without extension). */
  readonly source?: string;
  /** Default: detected from the first non-comment line. */
  readonly format?: ThreatIntelFormat;
}

function defaultSource(file: string): string {
  return path.basename(file).replace(/(\.(txt|csv|json|jsonl|list|lst|gz))+$/i, '') || file;
}

/** Parse a list's text. Never throws for bad lines (they become issues); throws for an unusable CSV header. */
export function parseThreatIntel(text: string, opts: ParseThreatIntelOptions): ThreatIntelParseResult {
  const file = opts.file;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const firstIdx = lines.findIndex((l) => l.trim() !== '' && !isComment(l.trim()));
  const format = opts.format ?? detectFormat(firstIdx === -1 ? undefined : lines[firstIdx]!.trim());
  const records: ThreatIntelRecord[] = [];
  const issues: ThreatIntelIssue[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  const add = (
    net: ParsedNet,
    f: { source: string; description: string | null; port: number | null },
    line: number,
  ) => {
    const rec = toRecord(net, { ...f, origin: `${file}:${line}` });
    const key = `${rec.cidr}|${rec.source}|${rec.port ?? ''}`;
    if (seen.has(key)) {
      duplicates++;
      return;
    }
    seen.add(key);
    records.push(rec);
  };
  const issue = (line: number, message: string) => issues.push({ file, line, message });

  if (format === 'plain') {
    const source = opts.source ?? defaultSource(file);
    lines.forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || isComment(line)) return;
      const cut = line.search(/[#;]/);
      const entryPart = (cut === -1 ? line : line.slice(0, cut)).trim();
      const comment = cut === -1 ? '' : line.slice(cut + 1).trim();
      const [entry, ...rest] = entryPart.split(/\s+/);
      const description = [rest.join(' '), comment].filter((s) => s !== '').join(' ; ') || null;
      const net = parseIpOrCidr(entry!);
      if (typeof net === 'string') issue(i + 1, net);
      else add(net, { source, description, port: null }, i + 1);
    });
    return { format, records, issues, duplicates };
  }

  if (format === 'jsonl') {
    const fileSource = opts.source ?? defaultSource(file);
    lines.forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || isComment(line)) return;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        issue(i + 1, 'not a JSON object');
        return;
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
        issue(i + 1, 'not a JSON object');
        return;
      }
      const o = obj as Record<string, unknown>;
      if (o.type === 'metadata') return;
      const addr = [o.cidr, o.ip_or_cidr, o.ip].find((v) => typeof v === 'string') as string | undefined;
      if (addr === undefined) {
        issue(i + 1, "no 'cidr', 'ip_or_cidr' or 'ip' string in the object");
        return;
      }
      const net = parseIpOrCidr(addr);
      if (typeof net === 'string') {
        issue(i + 1, net);
        return;
      }
      const port = o.port === undefined || o.port === null ? null : Number(o.port);
      if (port !== null && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
        issue(i + 1, `port '${String(o.port)}' is not a number 0-65535`);
        return;
      }
      const desc = [o.description, o.sblid].find((v) => typeof v === 'string' && v !== '') as
        | string
        | undefined;
      const source = typeof o.source === 'string' && o.source !== '' ? o.source : fileSource;
      add(net, { source, description: desc ?? null, port }, i + 1);
    });
    return { format, records, issues, duplicates };
  }

  // CSV and Feodo: the first non-comment line is the header.
  if (firstIdx === -1) return { format, records, issues, duplicates };
  const header = splitCsvLine(lines[firstIdx]!.trim());
  if (typeof header === 'string')
    throw new ThreatIntelFileError(file, firstIdx + 1, `bad CSV header: ${header}`);
  const names = header.map((h) => h.toLowerCase());
  const col = (...candidates: string[]) => names.findIndex((n) => candidates.includes(n));
  const ipCol = format === 'feodo' ? col('dst_ip') : col(...ADDRESS_COLUMNS);
  if (ipCol === -1)
    throw new ThreatIntelFileError(
      file,
      firstIdx + 1,
      `CSV header has no address column (one of: ${ADDRESS_COLUMNS.join(', ')}); header is '${lines[firstIdx]!.trim()}'`,
    );
  const sourceCol = col('source');
  const descCol = col('description', 'comment');
  const portCol = format === 'feodo' ? col('dst_port') : col('port', 'dst_port');
  const fileSource = opts.source ?? (format === 'feodo' ? 'feodotracker' : defaultSource(file));
  for (let i = firstIdx + 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || isComment(line)) continue;
    const cells = splitCsvLine(line);
    if (typeof cells === 'string') {
      issue(i + 1, cells);
      continue;
    }
    if (cells.length !== header.length) {
      issue(i + 1, `expected ${header.length} fields as in the header, found ${cells.length}`);
      continue;
    }
    const net = parseIpOrCidr(cells[ipCol]!);
    if (typeof net === 'string') {
      issue(i + 1, net);
      continue;
    }
    let port: number | null = null;
    const portText = portCol === -1 ? '' : cells[portCol]!;
    if (portText !== '') {
      port = Number(portText);
      if (!/^\d{1,5}$/.test(portText) || port > 65535) {
        issue(i + 1, `port '${portText}' is not a number 0-65535`);
        continue;
      }
    }
    let description: string | null;
    if (format === 'feodo') {
      const [, , , status, lastOnline, malware] = FEODO_COLUMNS.map((c) => cells[names.indexOf(c)] ?? '');
      description = `${malware || 'unknown malware'} botnet C2 (${status || 'status unknown'}, last online ${lastOnline || 'unknown'})`;
    } else description = descCol === -1 || cells[descCol] === '' ? null : cells[descCol]!;
    const source = sourceCol !== -1 && cells[sourceCol] !== '' ? cells[sourceCol]! : fileSource;
    add(net, { source, description, port }, i + 1);
  }
  return { format, records, issues, duplicates };
}

/** Read a list file (plain text or gzip, detected by its magic bytes) and parse it. */
export function readThreatIntelFile(
  file: string,
  opts: Omit<ParseThreatIntelOptions, 'file'> = {},
): ThreatIntelParseResult {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new ThreatIntelFileError(file, undefined, `cannot read: ${(e as Error).message}`);
  }
  return parseThreatIntel(decodeThreatIntelBytes(buf, file), { ...opts, file });
}

/** A list's bytes as text: gunzipped when they start with gzip's magic bytes (whatever the name says). */
export function decodeThreatIntelBytes(bytes: Uint8Array, file: string): string {
  let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new ThreatIntelFileError(file, undefined, `corrupt gzip: ${(e as Error).message}`);
    }
  }
  return buf.toString('utf8');
}

// --- DuckDB ----------------------------------------------------------------------------------

export const THREAT_INTEL_TABLE = 'threat_intel';

/** Columns of the threat_intel table: DuckDB and Glue types (the Athena table uses the same names). */
export const THREAT_INTEL_COLUMNS: readonly {
  name: keyof ThreatIntelRecord;
  duckdb: string;
  glue: string;
}[] = [
  { name: 'cidr', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'family', duckdb: 'INTEGER', glue: 'int' },
  { name: 'prefix', duckdb: 'INTEGER', glue: 'int' },
  { name: 'ip_start', duckdb: 'BIGINT', glue: 'bigint' },
  { name: 'ip_end', duckdb: 'BIGINT', glue: 'bigint' },
  { name: 'ip6_start', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'ip6_end', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'port', duckdb: 'INTEGER', glue: 'int' },
  { name: 'source', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'description', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'origin', duckdb: 'VARCHAR', glue: 'string' },
];

function appendCell(a: DuckDBAppender, type: string, v: string | number | null): void {
  if (v === null) a.appendNull();
  else if (type === 'VARCHAR') a.appendVarchar(String(v));
  else if (type === 'BIGINT') a.appendBigInt(BigInt(v));
  else a.appendInteger(Number(v));
}

/**
 * Create `threat_intel` (if missing) and append the records. Values go through DuckDB's appender,
 * never into SQL text. Returns the table's row count afterwards.
 */
export async function loadThreatIntel(
  conn: DuckDBConnection,
  records: readonly ThreatIntelRecord[],
  table = THREAT_INTEL_TABLE,
): Promise<number> {
  await conn.run(createThreatIntelTableSql(table));
  const a = await conn.createAppender(table);
  try {
    for (const r of records) {
      for (const c of THREAT_INTEL_COLUMNS) appendCell(a, c.duckdb, r[c.name]);
      a.endRow();
    }
    a.flushSync();
  } finally {
    a.closeSync();
  }
  const n = await conn.runAndReadAll(`SELECT count(*) FROM "${table}"`);
  return Number(n.getRows()[0]![0]);
}

/** CREATE TABLE IF NOT EXISTS for threat_intel (DuckDB types from THREAT_INTEL_COLUMNS). */
export function createThreatIntelTableSql(table = THREAT_INTEL_TABLE): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new Error(`invalid table name '${table}'`);
  return `CREATE TABLE IF NOT EXISTS "${table}" (${THREAT_INTEL_COLUMNS.map((c) => `"${c.name}" ${c.duckdb}`).join(', ')})`;
}

// The expression lives with the other SQL builders; re-exported for context-table users.
export { ipv4ToIntSql } from '../detection/cidr';

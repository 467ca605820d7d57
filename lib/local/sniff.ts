import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { type FlowLogField, findField } from '../detection/fields';

export type FileKind = 'gzip' | 'parquet' | 'text';

/** What a file is, judged by its first bytes (not its name: S3 keys are not always honest). */
export async function fileKind(file: string): Promise<FileKind> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && buf.toString('latin1') === 'PAR1') return 'parquet';
    return 'text';
  } finally {
    await fh.close();
  }
}

const MAX_SNIFF = 1 << 20;

/**
 * The first line of a text or gzip file (without its newline), read by streaming only as far
 * as needed. null for an empty file. Throws when the gzip cannot even be decoded that far.
 */
export async function readFirstLine(file: string, gzip: boolean): Promise<string | null> {
  const raw = createReadStream(file, { highWaterMark: 64 * 1024 });
  const stream = gzip ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (e) => stream.destroy(e));
  let text = '';
  try {
    for await (const chunk of stream) {
      text += (chunk as Buffer).toString('utf8');
      const nl = text.indexOf('\n');
      if (nl >= 0) return text.slice(0, nl).replace(/\r$/, '');
      if (text.length > MAX_SNIFF) return text;
    }
    return text.length > 0 ? text.replace(/\r$/, '') : null;
  } finally {
    raw.destroy();
    stream.destroy();
  }
}

export type HeaderParse =
  | { kind: 'data' }
  | { kind: 'header'; fields: FlowLogField[] }
  | { kind: 'bad-header'; unknown: string[]; duplicate: string[] };

const IDENT = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Is this line a header naming the field order (`version account-id ...`, as S3 delivery writes
 * it)? A line counts as a header when every token is a word and at least one is a field name;
 * data lines always hold numbers, addresses or `-`. A header with a word that is no flow log
 * field is returned as 'bad-header' so the caller can name the field.
 */
export function parseHeaderLine(line: string): HeaderParse {
  const tokens = line.trim().split(/\s+/);
  if (tokens.length === 0 || !tokens.every((t) => IDENT.test(t))) return { kind: 'data' };
  const found = tokens.map((t) => findField(t));
  if (!found.some((f) => f !== undefined)) return { kind: 'data' };
  const unknown = tokens.filter((_, i) => found[i] === undefined);
  const seen = new Set<string>();
  const duplicate: string[] = [];
  for (const f of found) {
    if (!f) continue;
    if (seen.has(f.column)) duplicate.push(f.name);
    seen.add(f.column);
  }
  if (unknown.length > 0 || duplicate.length > 0) return { kind: 'bad-header', unknown, duplicate };
  return { kind: 'header', fields: found as FlowLogField[] };
}

/** The regular expression (DuckDB RE2 syntax) matching lines {@link parseHeaderLine} may call a header. */
export const HEADER_LIKE_RE = '[A-Za-z][A-Za-z0-9_-]*( +[A-Za-z][A-Za-z0-9_-]*)*\\s*';

export function sameFields(a: readonly FlowLogField[], b: readonly FlowLogField[]): boolean {
  return a.length === b.length && a.every((f, i) => f.column === b[i].column);
}

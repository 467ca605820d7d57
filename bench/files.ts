import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under `dir` whose name ends with one of `suffixes`, sorted for a stable order. */
export function listFiles(dir: string, suffixes: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && suffixes.some((s) => e.name.endsWith(s))) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

export function totalBytes(files: readonly string[]): number {
  return files.reduce((sum, f) => sum + statSync(f).size, 0);
}

/**
 * Uncompressed size of a single-member gzip file from its trailer (ISIZE, the size mod 2^32).
 * Exact for the generated files (one member each, far below 4 GiB).
 */
export function gzipUncompressedSize(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < 18) throw new Error(`${path}: too short to be a gzip file (${size} bytes)`);
    const head = Buffer.alloc(2);
    readSync(fd, head, 0, 2, 0);
    if (head[0] !== 0x1f || head[1] !== 0x8b) throw new Error(`${path}: not a gzip file (bad magic)`);
    const tail = Buffer.alloc(4);
    readSync(fd, tail, 0, 4, size - 4);
    return tail.readUInt32LE(0);
  } finally {
    closeSync(fd);
  }
}

/**
 * The `dt` partition (yyyy/MM/dd/HH or yyyy/MM/dd) a file belongs to, from its S3 key in either
 * AWS layout: `.../vpcflowlogs/{region}/yyyy/MM/dd[/HH]/file` or Hive `year=/month=/day=[/hour=]`.
 */
export function dtOfPath(path: string): string | undefined {
  const hive = /year=(\d{4})\/month=(\d{2})\/day=(\d{2})(?:\/hour=(\d{2}))?\//.exec(path);
  if (hive)
    return hive[4] ? `${hive[1]}/${hive[2]}/${hive[3]}/${hive[4]}` : `${hive[1]}/${hive[2]}/${hive[3]}`;
  const plain = /vpcflowlogs\/[^/]+\/(\d{4})\/(\d{2})\/(\d{2})\/(?:(\d{2})\/)?/.exec(path);
  if (plain)
    return plain[4]
      ? `${plain[1]}/${plain[2]}/${plain[3]}/${plain[4]}`
      : `${plain[1]}/${plain[2]}/${plain[3]}`;
  return undefined;
}

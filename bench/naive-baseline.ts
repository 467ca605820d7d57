import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { FLOW_LOG_FIELDS } from '../lib/detection/fields';

/**
 * The naive baseline of the benchmark: what someone would write without FlowWatch. Node
 * readline over gunzip, split each line on spaces, and count REJECTed flows per srcaddr in a
 * Map (the `rejected-connections` detection over the whole input, without its window).
 * Run as a child process: `node naive-baseline.js <file-with-one-path-per-line> [threshold]`.
 */
export interface NaiveResult {
  records: number;
  rejected: number;
  sources: number;
  /** Sources at or above the threshold, as the detection would report them. */
  reported: number;
}

const FIELD_NAMES = new Set(FLOW_LOG_FIELDS.map((f) => f.name));
const HEADER_START = /^[a-z]/;

export class NaiveAggregator {
  readonly counts = new Map<string, number>();
  records = 0;
  rejected = 0;
  private src = -1;
  private action = -1;
  private status = -1;

  /** Feed one text line; a header line (its first word is a field name) resets the positions. */
  line(text: string, where: string): void {
    if (text.length === 0) return;
    const parts = text.split(' ');
    // A header names fields; data lines start with a number, an account id, `unknown` or `-`.
    if (HEADER_START.test(text) && FIELD_NAMES.has(parts[0]!)) {
      this.src = parts.indexOf('srcaddr');
      this.action = parts.indexOf('action');
      this.status = parts.indexOf('log-status');
      if (this.src < 0 || this.action < 0 || this.status < 0)
        throw new Error(`${where}: header lacks srcaddr, action or log-status`);
      return;
    }
    if (this.src < 0) throw new Error(`${where}: data before any header line`);
    this.records++;
    if (parts[this.action] === 'REJECT' && parts[this.status] === 'OK') {
      this.rejected++;
      const s = parts[this.src]!;
      this.counts.set(s, (this.counts.get(s) ?? 0) + 1);
    }
  }

  result(threshold: number): NaiveResult {
    let reported = 0;
    for (const n of this.counts.values()) if (n >= threshold) reported++;
    return { records: this.records, rejected: this.rejected, sources: this.counts.size, reported };
  }
}

export async function aggregateFiles(
  files: readonly string[],
  agg = new NaiveAggregator(),
): Promise<NaiveAggregator> {
  for (const f of files) {
    const input = f.endsWith('.gz') ? createReadStream(f).pipe(createGunzip()) : createReadStream(f);
    const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let n = 0;
    for await (const line of rl) {
      n++;
      agg.line(line, `${f}:${n}`);
    }
  }
  return agg;
}

async function main(): Promise<void> {
  const [listFile, thresholdText] = process.argv.slice(2);
  if (!listFile)
    throw new Error('usage: naive-baseline <file listing one .log.gz path per line> [threshold]');
  const files = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
  const agg = await aggregateFiles(files);
  process.stdout.write(`${JSON.stringify(agg.result(Number(thresholdText ?? 100)))}\n`);
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(`naive-baseline: ${(e as Error).message}\n`);
    process.exit(2);
  });

import { parseArgs } from 'node:util';

export interface BenchOptions {
  readonly records: number;
  /** Size of the small run for the linearity check (0 skips it). */
  readonly smallRecords: number;
  readonly keep: boolean;
  readonly workDir?: string;
  /** Days of data an unpartitioned table would hold (it scans all of them every run). */
  readonly retentionDays: number;
  /** Seconds a scheduled run waits for late delivery (the window ends this long before the run). */
  readonly deliveryDelaySeconds: number;
  readonly skip: ReadonlySet<string>;
  readonly lambdaRuns: number;
}

export const SKIPPABLE = ['baseline', 'parquet', 'linearity', 'lambda', 'cost'] as const;

export const USAGE = `usage: npm run bench -- [--records N] [--small N] [--keep] [--work-dir DIR]
    [--retention-days D] [--delivery-delay S] [--lambda-runs K] [--skip ${SKIPPABLE.join(',')}]
  --records N        flow records to generate (default 10000000; 10M, 2.5M and 1e6 forms accepted)
  --small N          size of the run the linearity check compares with (default records/10, 0 skips)
  --keep             keep the generated data (printed path) instead of deleting it
  --work-dir DIR     where to generate data (default: a new folder under the OS temp dir)
  --retention-days D days an unpartitioned table would hold (default 30)
  --delivery-delay S seconds between a run's window end and its start (default 900)
  --lambda-runs K    fresh node processes per bundle for the cold import median (default 7)
  --skip LIST        parts to leave out: ${SKIPPABLE.join(', ')}`;

/** `10M`, `2.5M`, `500k`, `1e6`, `1_000_000` -> a positive integer. */
export function parseCount(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmM]?)$/.exec(text.replace(/_/g, '').trim());
  if (!m) throw new Error(`${flag}: '${text}' is not a count (e.g. 10000000, 10M, 500k)`);
  const mult = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2] as '' | 'k' | 'K' | 'm' | 'M'];
  const n = Math.round(Number(m[1]) * mult);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag}: '${text}' is out of range`);
  return n;
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      records: { type: 'string' },
      small: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'work-dir': { type: 'string' },
      'retention-days': { type: 'string' },
      'delivery-delay': { type: 'string' },
      'lambda-runs': { type: 'string' },
      skip: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) throw new UsageRequested();
  const records = values.records === undefined ? 10_000_000 : parseCount(values.records, '--records');
  if (records < 1000) throw new Error(`--records: ${records} is too small to measure (use at least 1000)`);
  const smallRecords =
    values.small === undefined ? Math.round(records / 10) : parseCount(values.small, '--small');
  if (smallRecords >= records)
    throw new Error(`--small (${smallRecords}) must be below --records (${records})`);
  const skip = new Set(
    (values.skip ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  for (const s of skip)
    if (!(SKIPPABLE as readonly string[]).includes(s))
      throw new Error(`--skip: unknown part '${s}' (known: ${SKIPPABLE.join(', ')})`);
  if (smallRecords === 0) skip.add('linearity');
  return {
    records,
    smallRecords,
    keep: values.keep ?? false,
    workDir: values['work-dir'],
    retentionDays:
      values['retention-days'] === undefined ? 30 : parseCount(values['retention-days'], '--retention-days'),
    deliveryDelaySeconds:
      values['delivery-delay'] === undefined ? 900 : parseCount(values['delivery-delay'], '--delivery-delay'),
    skip,
    lambdaRuns:
      values['lambda-runs'] === undefined
        ? 7
        : Math.max(1, parseCount(values['lambda-runs'], '--lambda-runs')),
  };
}

export class UsageRequested extends Error {
  constructor() {
    super(USAGE);
    this.name = 'UsageRequested';
  }
}

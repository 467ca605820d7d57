/**
 * Athena cost model. Pure functions over measurements taken on the local layout: which files a
 * run reads (its dt partitions) and which columns (from the rendered SQL), scaled to a daily volume.
 */

/** Athena's price and billing rules: $5 per TB scanned, at least 10 MB per query, rounded up to the MB. */
export const ATHENA_USD_PER_TB = 5;
export const TB = 1024 ** 4;
export const MB = 1024 ** 2;
export const GB = 1024 ** 3;
export const ATHENA_MIN_BYTES_PER_QUERY = 10 * MB;
export const DAYS_PER_MONTH = 30;

/** Bytes Athena bills for one query that reads `bytes`. */
export function billedBytes(bytes: number): number {
  return Math.max(ATHENA_MIN_BYTES_PER_QUERY, Math.ceil(bytes / MB) * MB);
}

export function queryCostUsd(bytes: number): number {
  return (billedBytes(bytes) / TB) * ATHENA_USD_PER_TB;
}

/** Runs per day of an EventBridge schedule expression: `rate(...)` or a simple `cron(...)`. */
export function runsPerDay(schedule: string): number {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule.trim());
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2]!.replace(/s$/, '');
    const perDay = unit === 'minute' ? 1440 : unit === 'hour' ? 24 : 1;
    return perDay / n;
  }
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(schedule.trim());
  if (cron) {
    const [, minutes, hours, dom, , dow] = cron as unknown as string[];
    if ((dom !== '*' && dom !== '?') || (dow !== '*' && dow !== '?'))
      throw new Error(`schedule '${schedule}': only daily-repeating cron expressions are modelled`);
    return cronFieldCount(minutes!, 60, schedule) * cronFieldCount(hours!, 24, schedule);
  }
  throw new Error(`schedule '${schedule}': expected rate(N unit) or cron(m h dom mon dow yr)`);
}

/** How many values a cron minute/hour field matches: `*`, `a`, `a,b`, `a-b`, `a/n`, `* /n`. */
function cronFieldCount(field: string, size: number, schedule: string): number {
  let total = 0;
  for (const part of field.split(',')) {
    const m = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`schedule '${schedule}': cannot model cron field '${field}'`);
    const start = m[1] === '*' ? 0 : Number(m[1]);
    const end = m[2] !== undefined ? Number(m[2]) : m[1] === '*' || m[3] !== undefined ? size - 1 : start;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    total += Math.floor((end - start) / step) + 1;
  }
  return total;
}

/**
 * Flow log columns a query reads: identifiers in the SQL (outside string literals and comments,
 * quoted identifiers unquoted) that name a column. An output alias that shadows a column name is
 * counted too, which can only overstate the bytes.
 */
export function referencedColumns(sql: string, columns: readonly string[]): string[] {
  const stripped = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, ' ')
    .replace(/"((?:[^"]|"")*)"/g, (_m, id: string) => ` ${id.toLowerCase()} `);
  const tokens = new Set(stripped.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? []);
  return columns.filter((c) => tokens.has(c));
}

export interface VolumeScale {
  /** Uncompressed text bytes of the local data set (what "GB of flow logs per day" means here). */
  readonly localRawBytes: number;
  /** Hours the local data set spans. */
  readonly localHours: number;
  /** Target daily volume in uncompressed text bytes. */
  readonly dailyRawBytes: number;
}

/** Multiply a local byte count by this to get the same share of the target daily volume. */
export function volumeFactor(s: VolumeScale): number {
  const localRawPerDay = (s.localRawBytes * 24) / s.localHours;
  return s.dailyRawBytes / localRawPerDay;
}

/**
 * Bytes one run scans on an unpartitioned table holding `retentionDays` of data: every file,
 * only the referenced columns (Parquet) or all of it (text). `localReadBytes` is what such a query
 * reads over the whole local data set.
 */
export function bytesPerRunUnpartitioned(
  localReadBytes: number,
  s: VolumeScale,
  retentionDays: number,
): number {
  return localReadBytes * volumeFactor(s) * ((retentionDays * 24) / s.localHours);
}

/** Start of each scheduled run in [from, to], Unix seconds; rate() schedules align to the epoch like EventBridge. */
export function scheduledRunTimes(schedule: string, from: number, to: number): number[] {
  const step = Math.round(86400 / runsPerDay(schedule));
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

/**
 * Share of an hourly partition that exists at time `now`: all of it once the hour is over,
 * the elapsed part while it is being written, none before it starts. Files land in the partition
 * of the hour they are written, so a run reads the current hour's files written so far.
 */
export function partitionShareAt(hourStart: number, now: number): number {
  return Math.min(1, Math.max(0, (now - hourStart) / 3600));
}

export function monthlyCostUsd(bytesEachRun: number, runsEachDay: number): number {
  return queryCostUsd(bytesEachRun) * runsEachDay * DAYS_PER_MONTH;
}

/** Partitions `[dtStart, dtEnd]` (same format, so strings compare in time order) among `dts`. */
export function partitionsInRange(dts: Iterable<string>, dtStart: string, dtEnd: string): Set<string> {
  const out = new Set<string>();
  for (const d of dts) if (d >= dtStart && d <= dtEnd) out.add(d);
  return out;
}

/** A detection window in Unix seconds, start inclusive, end exclusive. */
export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

/** Files land in the hour they were written, up to ~10-15 minutes after their records start. */
export const DEFAULT_PARTITION_SLACK_SECONDS = 3600;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Format a time as the `dt` partition value: `yyyy/MM/dd/HH` (hour) or `yyyy/MM/dd` (day), UTC. */
export function formatDt(epochSeconds: number, granularity: 'hour' | 'day'): string {
  const d = new Date(epochSeconds * 1000);
  const day = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`;
  return granularity === 'hour' ? `${day}/${pad(d.getUTCHours())}` : day;
}

/**
 * Partition bounds covering a window: from the window's start hour (or day) to the partition
 * of its end plus the delivery slack, because a record is filed under the hour its file was written.
 */
export function partitionBounds(
  w: TimeWindow,
  granularity: 'hour' | 'day',
  slackSeconds = DEFAULT_PARTITION_SLACK_SECONDS,
): { dtStart: string; dtEnd: string } {
  return { dtStart: formatDt(w.start, granularity), dtEnd: formatDt(w.end + slackSeconds, granularity) };
}

/**
 * The window a scheduled run covers: `lookback` seconds ending `delay` seconds before the
 * scheduled time, aligned down to `align` seconds so a retried invocation gets the same window.
 */
export function scheduledWindow(
  scheduledTime: Date,
  lookbackSeconds: number,
  delaySeconds: number,
  alignSeconds = 60,
): TimeWindow {
  const t = Math.floor(scheduledTime.getTime() / 1000) - delaySeconds;
  const end = t - (((t % alignSeconds) + alignSeconds) % alignSeconds);
  return { start: end - lookbackSeconds, end };
}

export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parse `90s`, `15m`, `1h`, `7d` into seconds. Throws with the offending text. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration '${text}': use a number and one of s, m, h, d (e.g. 15m, 1h)`);
  const seconds = Number(m[1]) * UNITS[m[2]!]!;
  if (seconds <= 0) throw new Error(`invalid duration '${text}': must be greater than zero`);
  return seconds;
}

export function formatDuration(seconds: number): string {
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

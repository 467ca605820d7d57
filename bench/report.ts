/** Formatting of benchmark output: aligned tables, human sizes, and the closing goal lines. */

export interface Goal {
  readonly metric: string;
  /** The measured value as printed, or undefined when it was not measured in this run. */
  readonly value: string | undefined;
  /** The goal as printed, e.g. `<= 1.5`. */
  readonly goal: string;
  /** Whether the value meets the goal; undefined when not measured. */
  readonly met?: boolean;
}

/** One line per goal, exactly `<metric>: <value> (goal <goal>)`; unmeasured values print `n/a`. */
export function goalLine(g: Goal): string {
  return `${g.metric}: ${g.value ?? 'n/a'} (goal ${g.goal})`;
}

export function fixed(n: number, digits = 2): string {
  return n.toFixed(digits);
}

export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[i]}`;
}

export function humanRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(0)} /s`;
}

export function usd(n: number): string {
  return n >= 100 ? `$${n.toFixed(0)}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(3)}`;
}

/** A plain-text table: first row is the header; numbers (cells starting with a digit or $) align right. */
export function table(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const numeric = (s: string) => /^[$\d.-]/.test(s) && !/^-+$/.test(s);
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (numeric(c) && rows.indexOf(r) > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join('\n');
}

/** 10000000 -> `10M`, 2500000 -> `2.5M`, 200000 -> `200k`; other numbers as they are. */
export function shortCount(n: number): string {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

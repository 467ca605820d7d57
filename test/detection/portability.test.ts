import { FLOW_LOG_FIELDS } from '../../lib/detection/fields';
import { loadDetections, sqlCodeOnly } from '../../lib/detection/registry';

/**
 * The detection SQL must run unchanged on Athena (Trino) and DuckDB. These checks catch the
 * DuckDB-only habits that would pass the DuckDB fixtures and then fail, or differ, on Athena.
 */
const DUCKDB_ONLY: readonly [RegExp, string][] = [
  [/::/, ':: casts (use CAST(x AS type))'],
  [/\/\//, '// integer division'],
  [/\bQUALIFY\b/i, 'QUALIFY'],
  [/\bILIKE\b/i, 'ILIKE'],
  [/\b(GROUP|ORDER)\s+BY\s+ALL\b/i, 'GROUP/ORDER BY ALL'],
  [/\bEXCLUDE\s*\(/i, 'SELECT * EXCLUDE'],
  [/\*\*/, '** power'],
  [
    /\b(list_\w+|epoch|to_timestamp|strftime|strptime|regexp_matches|approx_count_distinct|string_agg|len)\s*\(/i,
    'a DuckDB-only function',
  ],
  [
    /\b(now\s*\(|current_timestamp|current_date|localtimestamp)/i,
    'wall-clock time (use the :window_start/:window_end parameters)',
  ],
];

const columns = new Set(FLOW_LOG_FIELDS.map((f) => f.column));

describe.each(loadDetections().map((d) => [d.meta.id, d] as const))('%s SQL is portable', (_id, d) => {
  const code = sqlCodeOnly(d.body);

  it('uses no DuckDB-only syntax or functions', () => {
    const hits = DUCKDB_ONLY.filter(([re]) => re.test(code)).map(([, what]) => what);
    expect(hits).toEqual([]);
  });

  it('divides only after casting to DOUBLE (integer / differs: Trino truncates, DuckDB does not)', () => {
    const divisions = code.split('\n').filter((line) => line.includes('/'));
    for (const line of divisions) expect(line).toMatch(/CAST\([^/]*AS DOUBLE\)\s*\//);
  });

  it('double-quotes only flow log column names (DuckDB would read an unknown one as a string)', () => {
    const quoted = [...code.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
    expect(quoted.filter((q) => !columns.has(q))).toEqual([]);
  });

  it('prunes partitions and bounds the window on every read of flow_logs', () => {
    const reads = code.match(/\bFROM\s+flow_logs\b/gi) ?? [];
    expect(reads.length).toBeGreaterThanOrEqual(1);
    expect(code.match(/\bdt\s+BETWEEN\s+:dt_start\s+AND\s+:dt_end\b/g)?.length).toBe(reads.length);
    expect(
      code.match(/\bstart\s*>=\s*:window_start\s+AND\s+(?:\w+\.)?start\s*<\s*:window_end\b/g)?.length,
    ).toBe(reads.length);
  });

  it('expands each address macro at most once per column (each is a chain of string operations)', () => {
    // is_internal and is_external expand the same CASE, so they count together
    const macros = [
      ...code.matchAll(/\{\{\s*(is_internal|is_external|ipv4_to_int|ipv6_to_hex)\(\s*([\w.]+)\s*\)\s*\}\}/g),
    ].map((m) => `${m[1]!.replace(/^is_.*/, 'is_internal')}(${m[2]!})`);
    expect(macros.filter((c, i) => macros.indexOf(c) !== i)).toEqual([]);
  });

  it('orders its result so findings come out in a stable order', () => {
    expect(code).toMatch(/\bORDER\s+BY\b[^()]*$/i);
  });
});

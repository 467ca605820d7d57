import { type Cidr, cidrMembershipSql, ipv4ToIntSql, ipv6ToHexSql } from './cidr';
import type { SqlParam } from './engine';

/**
 * Detection and saved-query SQL is Athena SQL plus two template forms, both expanded here
 * before the query is sent and neither ever taking user text into the SQL string:
 *   :name                         a bound parameter (becomes `?`; lists become `?, ?, ...`)
 *   {{ is_internal(col) }}        CIDR membership from validated config, as integer/hex comparisons
 *   {{ is_external(col) }}        col IS NOT NULL AND NOT internal
 *   {{ ipv4_to_int(col) }}        the IPv4 address as an integer (NULL for IPv6), for threat_intel ranges
 *   {{ latest_eni_inventory }}    eni_inventory, each interface's latest snapshot (a subquery)
 *   {{ ipv6_to_hex(col) }}        the IPv6 address as 32 lowercase hex digits (NULL for IPv4), likewise
 * String literals, quoted identifiers and comments are left alone.
 */
export type TemplatePart =
  | { readonly kind: 'sql'; readonly text: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'macro'; readonly fn: MacroName; readonly column: string };

type MacroName = 'is_internal' | 'is_external' | 'ipv4_to_int' | 'ipv6_to_hex';

export class SqlTemplateError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'SqlTemplateError';
  }
}

/**
 * `{{ latest_eni_inventory }}`: eni_inventory as each interface's latest snapshot since
 * `:inventory_dt_start` (7 days before the window), written once here because the bound is what
 * keeps Athena from enumerating every projected hour since the projection start. Use it as a
 * table: `LEFT JOIN {{ latest_eni_inventory }} i ON i.interface_id = f.interface_id`.
 */
export const LATEST_ENI_INVENTORY_SQL = `(
  SELECT * FROM (
    SELECT e.*, row_number() OVER (PARTITION BY e.interface_id ORDER BY e.snapshot_time DESC) AS snapshot_rank
    FROM eni_inventory e
    WHERE e.dt >= :inventory_dt_start
  ) latest_snapshots
  WHERE snapshot_rank = 1
)`;

/** Split SQL into literal text, `:param` placeholders and `{{ macro(col) }}` calls. */
export function parseSqlTemplate(template: string, where: string): TemplatePart[] {
  // Table macros are SQL text with parameters of their own: expanded before parsing.
  const sql = template.replace(/\{\{\s*latest_eni_inventory\s*\}\}/g, LATEST_ENI_INVENTORY_SQL);
  const parts: TemplatePart[] = [];
  let buf = '';
  let i = 0;
  const flush = () => {
    if (buf) parts.push({ kind: 'sql', text: buf });
    buf = '';
  };
  const skipQuoted = (q: string) => {
    // Copies a '...' literal or "..." identifier, honouring doubled quotes as escapes.
    let j = i + 1;
    while (j < sql.length) {
      if (sql[j] === q) {
        if (sql[j + 1] === q) {
          j += 2;
          continue;
        }
        break;
      }
      j++;
    }
    if (j >= sql.length) throw new SqlTemplateError(where, `unterminated ${q} quote`);
    buf += sql.slice(i, j + 1);
    i = j + 1;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      skipQuoted(c);
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const j = end === -1 ? sql.length : end;
      buf += sql.slice(i, j);
      i = j;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw new SqlTemplateError(where, 'unterminated /* comment');
      buf += sql.slice(i, end + 2);
      i = end + 2;
    } else if (c === '{' && sql[i + 1] === '{') {
      const end = sql.indexOf('}}', i);
      if (end === -1) throw new SqlTemplateError(where, 'unterminated {{ macro');
      const body = sql.slice(i + 2, end).trim();
      const m =
        /^(is_internal|is_external|ipv4_to_int|ipv6_to_hex)\(\s*([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?)\s*\)$/.exec(
          body,
        );
      if (!m)
        throw new SqlTemplateError(
          where,
          `unknown macro '{{ ${body} }}' (known: is_internal(col), is_external(col), ipv4_to_int(col), ipv6_to_hex(col), latest_eni_inventory)`,
        );
      flush();
      parts.push({ kind: 'macro', fn: m[1] as MacroName, column: m[2]! });
      i = end + 2;
    } else if (c === ':' && sql[i + 1] !== ':' && sql[i - 1] !== ':' && /[a-z]/.test(sql[i + 1] ?? '')) {
      const m = /^:([a-z][a-z0-9_]*)/.exec(sql.slice(i))!;
      flush();
      parts.push({ kind: 'param', name: m[1]! });
      i += m[0].length;
    } else if (c === '?') {
      throw new SqlTemplateError(where, "use named :parameters, not '?', so parameters are bound by name");
    } else {
      buf += c;
      i++;
    }
  }
  flush();
  return parts;
}

/** The SQL a macro expands to (also used for the saved queries that inline detection SQL). */
export function macroSql(p: Extract<TemplatePart, { kind: 'macro' }>, internal: readonly Cidr[]): string {
  if (p.fn === 'ipv4_to_int') return ipv4ToIntSql(p.column);
  if (p.fn === 'ipv6_to_hex') return ipv6ToHexSql(p.column);
  const inside = cidrMembershipSql(p.column, internal);
  return p.fn === 'is_internal' ? inside : `(${p.column} IS NOT NULL AND NOT ${inside})`;
}

export function templateParamNames(parts: readonly TemplatePart[]): Set<string> {
  return new Set(parts.flatMap((p) => (p.kind === 'param' ? [p.name] : [])));
}

export type ParamValue = SqlParam | readonly SqlParam[];

export interface RenderedSql {
  readonly sql: string;
  readonly params: SqlParam[];
}

/**
 * Turn a template into SQL with positional `?` and the matching parameter list. A list value
 * expands to one `?` per item (callers replace an empty list by a typed sentinel first).
 */
export function renderSqlTemplate(
  parts: readonly TemplatePart[],
  values: Readonly<Record<string, ParamValue>>,
  internal: readonly Cidr[],
  where: string,
): RenderedSql {
  let sql = '';
  const params: SqlParam[] = [];
  for (const p of parts) {
    if (p.kind === 'sql') sql += p.text;
    else if (p.kind === 'macro') sql += macroSql(p, internal);
    else {
      const v = values[p.name];
      if (v === undefined) throw new SqlTemplateError(where, `no value for parameter :${p.name}`);
      if (Array.isArray(v)) {
        if (v.length === 0) throw new SqlTemplateError(where, `list parameter :${p.name} is empty`);
        sql += v.map(() => '?').join(', ');
        params.push(...(v as readonly SqlParam[]));
      } else {
        sql += '?';
        params.push(v as SqlParam);
      }
    }
  }
  return { sql: sql.trim(), params };
}

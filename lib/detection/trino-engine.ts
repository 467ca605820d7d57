import { convertCell, toAthenaLiteral } from './athena-engine';
import type { QueryEngine, QueryOptions, QueryResult, QueryStats, Row, SqlParam, SqlValue } from './engine';

/**
 * A QueryEngine over Trino's client REST protocol (POST /v1/statement, then follow nextUri).
 * Used only by the Athena conformance suite (test/conformance/): Athena engine v3 is Trino, so
 * the same SQL, parameters and table definition must give the same answers here.
 *
 * Parameters are bound the way Athena binds ExecutionParameters: the SQL is a prepared statement
 * (sent in the X-Trino-Prepared-Statement header, as Trino's own JDBC driver does) and the values
 * travel as literals in `EXECUTE ... USING`, formatted by the same function the Athena engine uses.
 */

export interface TrinoEngineOptions {
  /** Coordinator URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly catalog: string;
  readonly schema: string;
  readonly user?: string;
  /** How the table's `dt` partitions are formatted (the Glue table's projection format). */
  readonly partitionGranularity?: 'hour' | 'day';
  /** Give up on one query after this long (default 5 minutes). */
  readonly queryTimeoutMs?: number;
}

/** What Trino reported about a finished query, beyond the common QueryStats. */
export interface TrinoQueryStats extends QueryStats {
  /** Bytes read from storage (what Athena bills as data scanned). */
  readonly physicalInputBytes: number;
  /** Bytes the table scans produced after decoding. */
  readonly processedBytes: number;
  readonly processedRows: number;
  /** Splits scheduled; for gzip text and small Parquet files that is one per file read. */
  readonly totalSplits: number;
}

export interface TrinoQueryResult extends QueryResult {
  readonly stats: TrinoQueryStats;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
}

export class TrinoQueryError extends Error {
  constructor(
    readonly label: string,
    message: string,
    readonly errorName?: string,
    readonly queryId?: string,
  ) {
    super(`trino query '${label}' failed${errorName ? ` (${errorName})` : ''}: ${message}`);
    this.name = 'TrinoQueryError';
  }
}

interface TrinoColumn {
  name: string;
  type: string;
  typeSignature?: { rawType?: string };
}

interface TrinoResponse {
  id?: string;
  nextUri?: string;
  columns?: TrinoColumn[];
  data?: unknown[][];
  stats?: {
    state?: string;
    physicalInputBytes?: number;
    processedBytes?: number;
    processedRows?: number;
    totalSplits?: number;
    elapsedTimeMillis?: number;
  };
  error?: { message?: string; errorName?: string; errorType?: string; failureInfo?: { type?: string } };
}

/**
 * Trino writes BIGINT values as bare JSON numbers; JSON.parse would round those beyond 2^53.
 * Integers with 16+ digits outside strings are quoted first so they reach convertCell as text.
 */
export function quoteLargeIntegers(json: string): string {
  let out = '';
  let i = 0;
  while (i < json.length) {
    const c = json[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < json.length && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      out += json.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i + 1;
      while (j < json.length && /[0-9.eE+-]/.test(json[j]!)) j++;
      const token = json.slice(i, j);
      out += /^-?\d{16,}$/.test(token) ? `"${token}"` : token;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** One cell as the engine-neutral value: the same conversion the Athena engine applies to its text cells. */
function toSqlValue(v: unknown, type: string, label: string): SqlValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    return convertCell(String(v), type);
  // Arrays, maps and rows: FlowWatch queries return none; keep their JSON text rather than guess.
  if (typeof v === 'object') return JSON.stringify(v);
  throw new TrinoQueryError(label, `unexpected ${typeof v} cell of type ${type}`);
}

function baseType(c: TrinoColumn): string {
  // `timestamp(3) with time zone` -> `timestamp with time zone`, `varchar(12)` -> `varchar`.
  return (c.typeSignature?.rawType ?? c.type).replace(/\(.*?\)/g, '').trim();
}

export class TrinoEngine implements QueryEngine {
  readonly name = 'trino';
  readonly partitionGranularity: 'hour' | 'day';
  private readonly user: string;
  private readonly timeoutMs: number;
  private statementCounter = 0;

  constructor(private readonly o: TrinoEngineOptions) {
    if (!/^https?:\/\/[^/]+$/.test(o.url))
      throw new Error(`TrinoEngine: url must be http(s)://host:port, got '${o.url}'`);
    this.partitionGranularity = o.partitionGranularity ?? 'hour';
    this.user = o.user ?? 'flowwatch';
    this.timeoutMs = o.queryTimeoutMs ?? 300_000;
  }

  async query(
    sql: string,
    params: readonly SqlParam[],
    options: QueryOptions = {},
  ): Promise<TrinoQueryResult> {
    const label = options.label ?? 'query';
    if (params.length === 0) return this.execute(sql, {}, label);
    const literals = params.map((p, i) => toAthenaLiteral(p, `${label}: parameter ${i + 1}`));
    const name = `fw_${++this.statementCounter}`;
    return this.execute(
      `EXECUTE ${name} USING ${literals.join(', ')}`,
      { 'X-Trino-Prepared-Statement': `${name}=${encodeURIComponent(sql)}` },
      label,
    );
  }

  /** Run SQL as-is (DDL, EXPLAIN ANALYZE); no parameters. */
  async execute(sql: string, extraHeaders: Record<string, string>, label: string): Promise<TrinoQueryResult> {
    const started = performance.now();
    const deadline = Date.now() + this.timeoutMs;
    const headers: Record<string, string> = {
      'X-Trino-User': this.user,
      'X-Trino-Source': 'flowwatch-conformance',
      'X-Trino-Catalog': this.o.catalog,
      'X-Trino-Schema': this.o.schema,
      // Athena runs every query in UTC.
      'X-Trino-Time-Zone': 'UTC',
      ...extraHeaders,
    };
    let res = await this.request(`${this.o.url}/v1/statement`, { method: 'POST', headers, body: sql }, label);
    let columns: TrinoColumn[] | undefined;
    const data: unknown[][] = [];
    let backoff = 10;
    for (;;) {
      if (res.columns && !columns) columns = res.columns;
      if (res.data) data.push(...res.data);
      if (res.error)
        throw new TrinoQueryError(label, res.error.message ?? 'unknown error', res.error.errorName, res.id);
      if (!res.nextUri) break;
      if (Date.now() > deadline) {
        await fetch(res.nextUri, { method: 'DELETE', headers: { 'X-Trino-User': this.user } }).catch(
          () => {},
        );
        throw new TrinoQueryError(label, `no result within ${this.timeoutMs} ms`, 'TIMEOUT', res.id);
      }
      const prev = res;
      res = await this.request(res.nextUri, { method: 'GET', headers: { 'X-Trino-User': this.user } }, label);
      // Trino long-polls nextUri itself; a short growing pause only when a page brought nothing.
      if (!res.data && res.nextUri === prev.nextUri) {
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 500);
      }
    }
    const cols = (columns ?? []).map((c) => ({ name: c.name, type: baseType(c) }));
    const rows: Row[] = data.map((values) => {
      const row: Row = {};
      cols.forEach((c, i) => {
        row[c.name] = toSqlValue(values[i], c.type, label);
      });
      return row;
    });
    const s = res.stats ?? {};
    return {
      rows,
      columns: cols,
      stats: {
        queryId: res.id,
        bytesScanned: s.physicalInputBytes,
        physicalInputBytes: s.physicalInputBytes ?? 0,
        processedBytes: s.processedBytes ?? 0,
        processedRows: s.processedRows ?? 0,
        totalSplits: s.totalSplits ?? 0,
        durationMs: performance.now() - started,
      },
    };
  }

  private async request(url: string, init: RequestInit, label: string): Promise<TrinoResponse> {
    for (let attempt = 0; ; attempt++) {
      let resp: Response;
      try {
        resp = await fetch(url, init);
      } catch (e) {
        throw new TrinoQueryError(
          label,
          `cannot reach Trino at ${url}: ${(e as Error).message}`,
          'CONNECTION',
        );
      }
      // 502/503/504 mean "busy, ask again" in the Trino protocol.
      if ([502, 503, 504].includes(resp.status) && attempt < 20) {
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
        continue;
      }
      const text = await resp.text();
      if (!resp.ok) throw new TrinoQueryError(label, `HTTP ${resp.status}: ${text.slice(0, 500)}`, 'HTTP');
      try {
        return JSON.parse(quoteLargeIntegers(text)) as TrinoResponse;
      } catch (e) {
        throw new TrinoQueryError(label, `unreadable response: ${(e as Error).message}`, 'PROTOCOL');
      }
    }
  }

  async close(): Promise<void> {
    // Stateless over HTTP: prepared statements live in request headers, nothing to release.
  }
}

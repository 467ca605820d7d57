import {
  type AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  type GetQueryExecutionCommandOutput,
  GetQueryResultsCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  normalizeInteger,
  type QueryEngine,
  type QueryOptions,
  type QueryResult,
  type Row,
  type SqlParam,
  type SqlValue,
} from './engine';

/** What went wrong with an Athena query; `kind` lets callers and metrics tell causes apart. */
export type AthenaErrorKind = 'failed' | 'cancelled' | 'cutoff' | 'timeout' | 'throttled';

export class AthenaQueryError extends Error {
  constructor(
    readonly kind: AthenaErrorKind,
    readonly label: string,
    readonly queryId: string | undefined,
    readonly reason: string,
  ) {
    super(`Athena query for ${label}${queryId ? ` (query id ${queryId})` : ''} ${describe(kind)}: ${reason}`);
    this.name = 'AthenaQueryError';
  }
}

function describe(kind: AthenaErrorKind): string {
  switch (kind) {
    case 'failed':
      return 'FAILED';
    case 'cancelled':
      return 'was CANCELLED';
    case 'cutoff':
      return 'was cancelled by the workgroup bytes-scanned cutoff';
    case 'timeout':
      return 'did not finish before the Lambda deadline and was stopped';
    case 'throttled':
      return 'could not start: Athena kept throttling';
  }
}

/** The subset of AthenaClient the engine uses (a real client, or aws-sdk-client-mock's). */
export type AthenaSend = Pick<AthenaClient, 'send'>;

export interface AthenaEngineOptions {
  readonly client: AthenaSend;
  readonly workgroup: string;
  readonly database: string;
  /** @default 'AwsDataCatalog' */
  readonly catalog?: string;
  /** @default 'hour' */
  readonly partitionGranularity?: 'hour' | 'day';
  /** Milliseconds the caller may still spend (Lambda: context.getRemainingTimeInMillis). @default unbounded */
  readonly remainingMs?: () => number;
  /** Time kept in reserve for stopping the query and reporting (ms). @default 15000 */
  readonly reserveMs?: number;
  /** Injectable for tests: resolves after `ms` (no real waiting needed). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injectable jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** First poll delay and the cap the delay grows to (ms). @default 500 and 5000 */
  readonly pollInitialMs?: number;
  readonly pollMaxMs?: number;
  /** Attempts of StartQueryExecution while Athena throttles (on top of the SDK's own retries). @default 6 */
  readonly maxStartAttempts?: number;
  /** Base and cap of the throttling backoff (ms, full jitter). @default 1000 and 20000 */
  readonly throttleBaseMs?: number;
  readonly throttleMaxMs?: number;
  /** GetQueryResults page size (Athena's maximum is 1000). @default 1000 */
  readonly pageSize?: number;
}

const THROTTLE_NAMES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

/** True for Athena's throttling answers (TooManyRequestsException, HTTP 429, SDK-classified throttles). */
export function isThrottle(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const err = e as {
    name?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: { throttling?: boolean };
  };
  return (
    (err.name !== undefined && THROTTLE_NAMES.has(err.name)) ||
    err.$metadata?.httpStatusCode === 429 ||
    err.$retryable?.throttling === true
  );
}

/**
 * One Athena ExecutionParameters value. Athena substitutes each value as a SQL literal, so
 * strings are quoted with '' escaping and numbers written as plain digits; anything else is
 * rejected rather than turned into SQL text.
 */
export function toAthenaLiteral(p: SqlParam, where = 'parameter'): string {
  switch (typeof p) {
    case 'string':
      // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
      if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(p))
        throw new Error(`${where}: string contains control characters`);
      return `'${p.replace(/'/g, "''")}'`;
    case 'bigint':
      return p.toString();
    case 'number':
      if (!Number.isFinite(p)) throw new Error(`${where}: ${p} is not a finite number`);
      if (Number.isInteger(p)) {
        if (!Number.isSafeInteger(p)) throw new Error(`${where}: ${p} is not exact; pass a bigint`);
        return String(p);
      }
      // Decimal notation only (String() switches to exponent form below 1e-6).
      if (!/^-?\d+\.\d+$/.test(String(p))) throw new Error(`${where}: ${p} cannot be written as a decimal`);
      return String(p);
    case 'boolean':
      return p ? 'TRUE' : 'FALSE';
    default:
      throw new Error(`${where}: unsupported parameter type ${typeof p}`);
  }
}

/** Athena timestamp text (`2024-05-01 10:00:00.000`, optionally ` UTC`) to ISO-8601 UTC. */
function isoTimestamp(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?: (UTC|Z))?$/.exec(text);
  return m ? `${m[1]}T${m[2]}Z` : text;
}

/** Convert one cell using the column's Athena type. NULL cells have no VarCharValue. */
export function convertCell(text: string | undefined, type: string): SqlValue {
  if (text === undefined) return null;
  const t = type.toLowerCase();
  switch (t) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
    case 'bigint':
      // BigInt parses every integer exactly; small ones become plain numbers again.
      return normalizeInteger(BigInt(text));
    case 'double':
    case 'real':
    case 'float':
      return Number(text);
    case 'boolean':
      return text === 'true';
    case 'decimal': {
      const n = Number(text);
      // Keep the exact text when a number would round it.
      const digits = text.replace(/[-.]/g, '').replace(/^0+/, '').length;
      return Number.isFinite(n) && digits <= 15 ? n : text;
    }
    case 'timestamp':
    case 'timestamp with time zone':
      return isoTimestamp(text);
    default:
      return text;
  }
}

function columnType(c: ColumnInfo): string {
  return (c.Type ?? 'varchar').replace(/\(.*$/, '').trim();
}

/**
 * Runs detection SQL on Athena: StartQueryExecution with positional ExecutionParameters in the
 * FlowWatch workgroup, polling with backoff bounded by the Lambda's remaining time, every
 * result page read and typed, throttling retried with jittered backoff.
 */
export class AthenaEngine implements QueryEngine {
  readonly name = 'athena';
  readonly partitionGranularity: 'hour' | 'day';
  private readonly o: Required<Omit<AthenaEngineOptions, 'partitionGranularity'>>;

  constructor(options: AthenaEngineOptions) {
    if (!options.workgroup) throw new Error('AthenaEngine: workgroup is required');
    if (!options.database) throw new Error('AthenaEngine: database is required');
    this.partitionGranularity = options.partitionGranularity ?? 'hour';
    this.o = {
      catalog: 'AwsDataCatalog',
      remainingMs: () => Number.POSITIVE_INFINITY,
      reserveMs: 15_000,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: Math.random,
      pollInitialMs: 500,
      pollMaxMs: 5_000,
      maxStartAttempts: 6,
      throttleBaseMs: 1_000,
      throttleMaxMs: 20_000,
      pageSize: 1000,
      ...stripUndefined(options),
      client: options.client,
      workgroup: options.workgroup,
      database: options.database,
    };
  }

  async query(sql: string, params: readonly SqlParam[], options: QueryOptions = {}): Promise<QueryResult> {
    const label = options.label ?? 'query';
    const executionParameters = params.map((p, i) => toAthenaLiteral(p, `${label}: parameter ${i + 1}`));
    const queryId = await this.start(sql, executionParameters, label);
    const execution = await this.waitForCompletion(queryId, label);
    const rows = await this.readResults(queryId, label);
    const stats = execution.Statistics;
    return {
      rows,
      stats: {
        queryId,
        bytesScanned: stats?.DataScannedInBytes,
        durationMs: stats?.TotalExecutionTimeInMillis,
      },
    };
  }

  async close(): Promise<void> {
    // The SDK client belongs to the caller (one per cold start); nothing to release here.
  }

  /** Full-jitter backoff delay for attempt n (0-based). */
  private backoff(attempt: number): number {
    const cap = Math.min(this.o.throttleMaxMs, this.o.throttleBaseMs * 2 ** attempt);
    return Math.floor(this.o.random() * cap);
  }

  /** Wait `ms` unless that would eat into the reserve; returns false when there is no time left. */
  private async waitIfTime(ms: number): Promise<boolean> {
    if (this.o.remainingMs() - ms < this.o.reserveMs) return false;
    await this.o.sleep(ms);
    return true;
  }

  private async start(sql: string, executionParameters: string[], label: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await this.o.client.send(
          new StartQueryExecutionCommand({
            QueryString: sql,
            WorkGroup: this.o.workgroup,
            QueryExecutionContext: { Database: this.o.database, Catalog: this.o.catalog },
            // Athena rejects an empty list: omit it when the SQL has no placeholders.
            ExecutionParameters: executionParameters.length > 0 ? executionParameters : undefined,
          }),
        );
        if (!out.QueryExecutionId) throw new Error(`Athena returned no query id for ${label}`);
        return out.QueryExecutionId;
      } catch (e) {
        if (!isThrottle(e)) throw e;
        const message = (e as Error).message;
        if (attempt + 1 >= this.o.maxStartAttempts)
          throw new AthenaQueryError('throttled', label, undefined, `${attempt + 1} attempts: ${message}`);
        if (!(await this.waitIfTime(this.backoff(attempt))))
          throw new AthenaQueryError(
            'throttled',
            label,
            undefined,
            `no time left to retry after ${attempt + 1} attempts: ${message}`,
          );
      }
    }
  }

  private async stop(queryId: string): Promise<void> {
    try {
      await this.o.client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId }));
    } catch {
      // Best effort: the timeout error below is what matters; a stuck query still hits the workgroup cutoff.
    }
  }

  private async waitForCompletion(queryId: string, label: string): Promise<QueryExecution> {
    let delay = this.o.pollInitialMs;
    let throttles = 0;
    for (;;) {
      let out: GetQueryExecutionCommandOutput | undefined;
      try {
        out = await this.o.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }));
      } catch (e) {
        if (!isThrottle(e)) throw e;
        throttles++;
      }
      const qe = out?.QueryExecution;
      const state = qe?.Status?.State;
      if (qe && state === 'SUCCEEDED') return qe;
      if (qe && (state === 'FAILED' || state === 'CANCELLED')) {
        const reason = [qe.Status?.StateChangeReason, qe.Status?.AthenaError?.ErrorMessage]
          .filter((s, i, a): s is string => !!s && a.indexOf(s) === i)
          .join(' / ');
        const kind: AthenaErrorKind = /bytes scanned limit|data scanned|cutoff/i.test(reason)
          ? 'cutoff'
          : state === 'FAILED'
            ? 'failed'
            : 'cancelled';
        throw new AthenaQueryError(kind, label, queryId, reason || 'no reason given');
      }
      // QUEUED or RUNNING (or a throttled poll): wait, growing the delay, while time remains.
      const wait = throttles > 0 && !out ? Math.max(delay, this.backoff(throttles)) : delay;
      const jittered = Math.floor(wait / 2 + this.o.random() * (wait / 2));
      if (!(await this.waitIfTime(jittered))) {
        await this.stop(queryId);
        throw new AthenaQueryError(
          'timeout',
          label,
          queryId,
          `still ${state ?? 'unknown'} with ${this.o.remainingMs()} ms of the invocation left`,
        );
      }
      delay = Math.min(this.o.pollMaxMs, Math.ceil(delay * 1.5));
    }
  }

  private async readResults(queryId: string, label: string): Promise<Row[]> {
    const rows: Row[] = [];
    let columns: { name: string; type: string }[] | undefined;
    let nextToken: string | undefined;
    let first = true;
    let throttles = 0;
    for (;;) {
      let page: Awaited<ReturnType<typeof this.getPage>>;
      try {
        page = await this.getPage(queryId, nextToken);
      } catch (e) {
        if (!isThrottle(e) || ++throttles >= this.o.maxStartAttempts) throw e;
        if (!(await this.waitIfTime(this.backoff(throttles))))
          throw new AthenaQueryError('timeout', label, queryId, 'no time left to read the results');
        continue;
      }
      columns ??= (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => ({
        name: c.Name ?? c.Label ?? '',
        type: columnType(c),
      }));
      let data = page.ResultSet?.Rows ?? [];
      // A SELECT's first page starts with a row holding the column names.
      if (first && data.length > 0 && columns.length > 0) {
        const head = data[0]!.Data ?? [];
        if (head.length === columns.length && head.every((d, i) => d.VarCharValue === columns![i]!.name))
          data = data.slice(1);
      }
      first = false;
      for (const r of data) {
        const cells = r.Data ?? [];
        if (cells.length !== columns.length)
          throw new Error(
            `${label}: query ${queryId} returned a row with ${cells.length} cells for ${columns.length} columns`,
          );
        const row: Row = {};
        columns.forEach((c, i) => {
          row[c.name] = convertCell(cells[i]!.VarCharValue, c.type);
        });
        rows.push(row);
      }
      nextToken = page.NextToken;
      if (!nextToken) return rows;
    }
  }

  private getPage(queryId: string, nextToken: string | undefined) {
    return this.o.client.send(
      new GetQueryResultsCommand({
        QueryExecutionId: queryId,
        NextToken: nextToken,
        MaxResults: this.o.pageSize,
      }),
    );
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

import {
  AthenaClient,
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaEngine,
  AthenaQueryError,
  convertCell,
  toAthenaLiteral,
} from '../../lib/detection/athena-engine';
import { loadDetections, renderDetection } from '../../lib/detection/registry';
import { type Moto, startMoto } from '../helpers/moto';

/** A fake clock: sleeping advances it, so "remaining time" shrinks without real waiting. */
function fakeTime(budgetMs: number) {
  const t = { now: 0, sleeps: [] as number[] };
  return {
    t,
    remainingMs: () => budgetMs - t.now,
    sleep: async (ms: number) => {
      t.sleeps.push(ms);
      t.now += ms;
    },
  };
}

describe('toAthenaLiteral', () => {
  it('quotes strings with doubled single quotes and writes integers as digits', () => {
    // GIVEN values of each supported type WHEN formatted THEN each is one SQL literal
    expect(toAthenaLiteral("O'Brien; DROP TABLE x --")).toBe("'O''Brien; DROP TABLE x --'");
    expect(toAthenaLiteral('2024/05/01/10')).toBe("'2024/05/01/10'");
    expect(toAthenaLiteral(1714557600)).toBe('1714557600');
    expect(toAthenaLiteral(-1)).toBe('-1');
    expect(toAthenaLiteral(12345678901234567890n)).toBe('12345678901234567890');
    expect(toAthenaLiteral(0.25)).toBe('0.25');
    expect(toAthenaLiteral(true)).toBe('TRUE');
  });

  it('rejects values that cannot be written exactly as a literal', () => {
    // GIVEN non-finite, inexact and control-character values THEN each is refused with the label
    expect(() => toAthenaLiteral(Number.NaN, 'x')).toThrow('x: NaN is not a finite number');
    expect(() => toAthenaLiteral(2 ** 60)).toThrow(/not exact; pass a bigint/);
    expect(() => toAthenaLiteral(1e-9)).toThrow(/cannot be written as a decimal/);
    expect(() => toAthenaLiteral('a\u0000b')).toThrow(/control characters/);
  });
});

describe('convertCell', () => {
  it('types cells by the column type and keeps big integers exact', () => {
    expect(convertCell('9007199254740993', 'bigint')).toBe(9007199254740993n);
    expect(convertCell('42', 'bigint')).toBe(42);
    expect(convertCell('42', 'integer')).toBe(42);
    expect(convertCell('1.5', 'double')).toBe(1.5);
    expect(convertCell('true', 'boolean')).toBe(true);
    expect(convertCell('2024-05-01 10:00:00.000', 'timestamp')).toBe('2024-05-01T10:00:00.000Z');
    expect(convertCell(undefined, 'bigint')).toBeNull();
    expect(convertCell('10.0.0.1', 'varchar')).toBe('10.0.0.1');
    expect(convertCell('123456789012345678.5', 'decimal')).toBe('123456789012345678.5');
  });
});

describe('AthenaEngine against moto', () => {
  let moto: Moto;
  let client: AthenaClient;
  beforeAll(async () => {
    moto = await startMoto();
    client = new AthenaClient(moto.clientConfig);
  });
  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  it('runs a query with ExecutionParameters in the workgroup and returns typed rows without the header', async () => {
    // GIVEN a workgroup and seeded results with a bigint beyond 2^53 and a NULL
    await client.send(new CreateWorkGroupCommand({ Name: 'flowwatch', Configuration: {} }));
    await moto.seedAthenaResults([
      {
        columns: [
          { name: 'srcaddr', type: 'varchar' },
          { name: 'flows', type: 'bigint' },
          { name: 'bytes', type: 'bigint' },
          { name: 'ratio', type: 'double' },
        ],
        rows: [
          ['203.0.113.9', '150', '9007199254740993', '0.5'],
          ['198.51.100.7', '120', '10', null],
        ],
      },
    ]);
    const time = fakeTime(60_000);
    const engine = new AthenaEngine({
      client,
      workgroup: 'flowwatch',
      database: 'flowwatch_db',
      remainingMs: time.remainingMs,
      sleep: time.sleep,
      random: () => 0.5,
    });
    // WHEN a parameterised query runs
    const result = await engine.query(
      'SELECT srcaddr FROM flow_logs WHERE dt BETWEEN ? AND ? AND start >= ? AND note = ?',
      ['2024/05/01/10', '2024/05/01/11', 1714557600, "it's"],
      { label: 'detection rejected-connections' },
    );
    // THEN the rows are typed, the header row is gone and bigint stays exact
    expect(result.rows).toEqual([
      { srcaddr: '203.0.113.9', flows: 150, bytes: 9007199254740993n, ratio: 0.5 },
      { srcaddr: '198.51.100.7', flows: 120, bytes: 10, ratio: null },
    ]);
    expect(result.stats.bytesScanned).toBe(0);
    // AND moto recorded the parameters as SQL literals, in order, in our workgroup
    const qe = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: result.stats.queryId }));
    expect(qe.QueryExecution?.ExecutionParameters).toEqual([
      "'2024/05/01/10'",
      "'2024/05/01/11'",
      '1714557600',
      "'it''s'",
    ]);
    expect(qe.QueryExecution?.WorkGroup).toBe('flowwatch');
    expect(qe.QueryExecution?.QueryExecutionContext?.Database).toBe('flowwatch_db');
  });
});

describe('AthenaEngine faults moto cannot produce (aws-sdk-client-mock)', () => {
  // Mock one instance only, so the moto-backed client above stays real.
  const client = new AthenaClient({ region: 'us-east-1' });
  const athena = mockClient(client);
  beforeEach(() => athena.reset());

  const throttle = () =>
    Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $metadata: {} });
  const succeeded = (bytes = 10_485_760) => ({
    QueryExecution: {
      QueryExecutionId: 'q-1',
      Status: { State: 'SUCCEEDED' as const },
      Statistics: { DataScannedInBytes: bytes, TotalExecutionTimeInMillis: 1234 },
    },
  });
  const emptyResults = {
    ResultSet: {
      ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] },
      Rows: [{ Data: [{ VarCharValue: 'n' }] }],
    },
  };

  function engine(
    time = fakeTime(60_000),
    extra: Partial<ConstructorParameters<typeof AthenaEngine>[0]> = {},
  ) {
    return new AthenaEngine({
      client,
      workgroup: 'wg',
      database: 'db',
      remainingMs: time.remainingMs,
      sleep: time.sleep,
      random: () => 0.5,
      ...extra,
    });
  }

  it('retries a throttled StartQueryExecution with jittered, growing backoff', async () => {
    // GIVEN Athena throttles twice, then accepts
    athena
      .on(StartQueryExecutionCommand)
      .rejectsOnce(throttle())
      .rejectsOnce(throttle())
      .resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves(succeeded());
    athena.on(GetQueryResultsCommand).resolves(emptyResults);
    const time = fakeTime(60_000);
    // WHEN the query runs
    const r = await engine(time).query('SELECT 1', [], { label: 'detection x' });
    // THEN it started on the third attempt after two jittered waits (0.5 * 1000, 0.5 * 2000)
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(3);
    expect(time.t.sleeps).toEqual([500, 1000]);
    expect(r.stats).toEqual({ queryId: 'q-1', bytesScanned: 10_485_760, durationMs: 1234 });
    expect(
      athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input.ExecutionParameters,
    ).toBeUndefined();
  });

  it('gives up on persistent throttling with an error naming the detection', async () => {
    athena.on(StartQueryExecutionCommand).rejects(throttle());
    const err = await engine(fakeTime(600_000), { maxStartAttempts: 4 })
      .query('SELECT 1', [], { label: 'detection port-scan' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AthenaQueryError);
    expect(err.kind).toBe('throttled');
    expect(err.message).toMatch(/detection port-scan.*throttling.*4 attempts: Rate exceeded/);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(4);
  });

  it('reports FAILED with the detection, query id and Athena reason', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-failed' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        QueryExecutionId: 'q-failed',
        Status: {
          State: 'FAILED',
          StateChangeReason: "COLUMN_NOT_FOUND: line 3:8: Column 'pkt_srcaddr' cannot be resolved",
        },
      },
    });
    const err = await engine()
      .query('SELECT 1', [], { label: 'detection lateral-movement' })
      .catch((e) => e);
    expect(err.kind).toBe('failed');
    expect(err.message).toBe(
      "Athena query for detection lateral-movement (query id q-failed) FAILED: COLUMN_NOT_FOUND: line 3:8: Column 'pkt_srcaddr' cannot be resolved",
    );
  });

  it('tells a bytes-scanned cutoff apart from other cancellations', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-big' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        QueryExecutionId: 'q-big',
        Status: {
          State: 'CANCELLED',
          StateChangeReason: 'Query cancelled! : Bytes scanned limit was exceeded',
        },
      },
    });
    const err = await engine()
      .query('SELECT 1', [], { label: 'detection exfil' })
      .catch((e) => e);
    expect(err.kind).toBe('cutoff');
    expect(err.message).toMatch(
      /detection exfil \(query id q-big\) .*cutoff: Query cancelled! : Bytes scanned limit/,
    );
  });

  it('stops a query that is still RUNNING when the invocation is about to time out', async () => {
    // GIVEN a query that never leaves RUNNING and 60 s of invocation left, 15 s of it reserved
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-slow' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { QueryExecutionId: 'q-slow', Status: { State: 'RUNNING' } },
    });
    athena.on(StopQueryExecutionCommand).resolves({});
    const time = fakeTime(60_000);
    // WHEN it runs
    const err = await engine(time)
      .query('SELECT 1', [], { label: 'detection slow' })
      .catch((e) => e);
    // THEN it polled with growing delays, never past the reserve, then stopped the query
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/detection slow \(query id q-slow\) did not finish.*still RUNNING/);
    expect(athena.commandCalls(StopQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryExecutionId: 'q-slow',
    });
    expect(time.t.now).toBeLessThanOrEqual(60_000 - 15_000);
    expect(time.t.sleeps.length).toBeGreaterThan(5);
    for (let i = 1; i < time.t.sleeps.length; i++)
      expect(time.t.sleeps[i]!).toBeGreaterThanOrEqual(time.t.sleeps[i - 1]!);
    expect(Math.max(...time.t.sleeps)).toBeLessThanOrEqual(5_000);
  });

  it('reads every result page, skipping only the first page header', async () => {
    // GIVEN 2,500 rows over three pages (1000, 1000, 500 data rows; header on page one)
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-pages' });
    athena.on(GetQueryExecutionCommand).resolves(succeeded());
    const meta = {
      ColumnInfo: [
        { Name: 'srcaddr', Type: 'varchar' },
        { Name: 'bytes', Type: 'bigint' },
      ],
    };
    const dataRows = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        Data: [
          { VarCharValue: `10.0.${Math.floor((from + i) / 256)}.${(from + i) % 256}` },
          { VarCharValue: String(from + i) },
        ],
      }));
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-pages', NextToken: undefined })
      .resolves({
        ResultSet: {
          ResultSetMetadata: meta,
          Rows: [{ Data: [{ VarCharValue: 'srcaddr' }, { VarCharValue: 'bytes' }] }, ...dataRows(0, 999)],
        },
        NextToken: 't1',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-pages', NextToken: 't1' })
      .resolves({ ResultSet: { ResultSetMetadata: meta, Rows: dataRows(999, 1000) }, NextToken: 't2' })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-pages', NextToken: 't2' })
      .rejectsOnce(throttle())
      .resolves({ ResultSet: { ResultSetMetadata: meta, Rows: dataRows(1999, 501) } });
    // WHEN it runs
    const r = await engine().query('SELECT 1', [], { label: 'detection top' });
    // THEN every row arrives once, in order, typed; a throttled page read was retried
    expect(r.rows).toHaveLength(2500);
    expect(r.rows.map((x) => x.bytes)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(4);
    expect(athena.commandCalls(GetQueryResultsCommand)[0]!.args[0].input.MaxResults).toBe(1000);
  });
});

describe('every shipped detection binds as Athena ExecutionParameters', () => {
  it('renders each detection to ? placeholders whose values are valid literals', () => {
    // GIVEN the detections in sql/detections WHEN rendered for one window THEN each value is a literal
    const detections = loadDetections();
    expect(detections.length).toBeGreaterThan(0);
    for (const d of detections) {
      const r = renderDetection(d, {
        windowStart: 1714557600,
        windowEnd: 1714558500,
        dtStart: '2024/05/01/10',
        dtEnd: '2024/05/01/11',
      });
      const literals = r.params.map((p, i) => toAthenaLiteral(p, `${d.meta.id} parameter ${i + 1}`));
      expect(literals).toHaveLength((r.sql.match(/\?/g) ?? []).length);
      for (const l of literals) expect(l).toMatch(/^('([^']|'')*'|-?\d+(\.\d+)?|TRUE|FALSE)$/);
    }
  });
});

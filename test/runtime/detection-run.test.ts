import { GetQueryExecutionCommand, ListQueryExecutionsCommand } from '@aws-sdk/client-athena';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { QueryEngine, Row } from '../../lib/detection/engine';
import { fingerprint } from '../../lib/detection/finding';
import { loadRunnerConfig, type RunnerConfig } from '../../lib/runtime/config';
import { DedupeStore, type DynamoSend } from '../../lib/runtime/dedupe';
import { type MetricsSink, makeDetectionHandler } from '../../lib/runtime/detection-handler';
import { runDetection } from '../../lib/runtime/detection-run';
import { type Moto, startMoto } from '../helpers/moto';
import { type AwsFixture, createAwsFixture, recordingLog } from './aws-fixture';

/**
 * Detection runs against moto (DynamoDB, SNS -> SQS, Athena). The query engine is moto's Athena
 * in the handler test, and a fixed-rows engine where a test needs to choose each run's rows.
 */

const DETECTION = 'rejected-connections';
const fp = (src: string) => fingerprint(DETECTION, ['srcaddr'], { srcaddr: src });

function row(src: string, flows: number, bytes: number | bigint = 50_000): Row {
  return {
    srcaddr: src,
    flows,
    distinct_destinations: 3,
    distinct_ports: 40,
    packets: 500,
    bytes,
    first_seen: 1714557610,
    last_seen: 1714558400,
  };
}

/** A QueryEngine answering each query with the next rows the test set (or failing). */
class ScriptedEngine implements QueryEngine {
  readonly name = 'scripted';
  readonly partitionGranularity = 'hour' as const;
  readonly calls: { sql: string; params: readonly unknown[] }[] = [];
  next: Row[] | Error = [];
  async query(sql: string, params: readonly unknown[]) {
    this.calls.push({ sql, params });
    if (this.next instanceof Error) throw this.next;
    return { rows: this.next, stats: { bytesScanned: 10_485_760, queryId: `q-${this.calls.length}` } };
  }
  async close() {}
}

function recordingMetrics(): MetricsSink & {
  metrics: Record<string, number>;
  dims: Record<string, string>;
  published: number;
} {
  const m = {
    metrics: {} as Record<string, number>,
    dims: {} as Record<string, string>,
    published: 0,
    addDimension: (n: string, v: string) => {
      m.dims[n] = v;
    },
    addMetric: (n: string, _u: string, v: number) => {
      m.metrics[n] = v;
    },
    publishStoredMetrics: () => {
      m.published++;
    },
  };
  return m;
}

let moto: Moto;
let aws: AwsFixture;
let config: RunnerConfig;

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
  aws = await createAwsFixture(moto, DETECTION);
  config = loadRunnerConfig(aws.env);
});
afterEach(() => aws.destroy());

/** Scheduled times: 10:25 -> window 10:00-10:15 (600 s delivery delay, 15 min lookback). */
const at = (hhmm: string, day = '2024-05-01') => new Date(`${day}T${hhmm}:00Z`);

function run(engine: QueryEngine, when: Date, dynamodb: DynamoSend = aws.dynamodb, log = recordingLog()) {
  return runDetection(
    { config, engine, dedupe: new DedupeStore(dynamodb, aws.table), sns: aws.sns, log, clock: () => 0 },
    when,
  );
}

describe('detection handler end to end (moto Athena, DynamoDB, SNS -> SQS)', () => {
  it('runs the scheduled window with bound parameters, publishes once, emits metrics', async () => {
    // GIVEN moto Athena returns two sources over the threshold
    const seed = {
      columns: [
        { name: 'srcaddr', type: 'varchar' },
        { name: 'flows', type: 'bigint' },
        { name: 'distinct_destinations', type: 'bigint' },
        { name: 'distinct_ports', type: 'bigint' },
        { name: 'packets', type: 'bigint' },
        { name: 'bytes', type: 'bigint' },
        { name: 'first_seen', type: 'bigint' },
        { name: 'last_seen', type: 'bigint' },
      ],
      rows: [
        ['203.0.113.9', '1500', '12', '900', '1600', '9007199254740993', '1714557601', '1714558499'],
        ['198.51.100.4', '130', '2', '2', '140', '8400', '1714557700', '1714558000'],
      ],
    };
    await moto.seedAthenaResults([seed]);
    const metrics = recordingMetrics();
    const log = recordingLog();
    const handler = makeDetectionHandler({
      env: aws.env,
      clients: () => ({ athena: aws.athena, dynamodb: aws.dynamodb, sns: aws.sns }),
      log,
      metrics,
      engine: { sleep: async () => {}, random: () => 0.5 },
      clock: () => 0,
    });
    const context = { getRemainingTimeInMillis: () => 300_000 };
    // WHEN the EventBridge event for 10:25 arrives
    const summary = await handler({ time: '2024-05-01T10:25:00Z' }, context);
    // THEN the window is 10:00-10:15 and Athena got every value as a bound parameter
    expect(summary.window).toEqual({ start: '2024-05-01T10:00:00Z', end: '2024-05-01T10:15:00Z' });
    const ids = await aws.athena.send(new ListQueryExecutionsCommand({ WorkGroup: 'flowwatch' }));
    const qe = await aws.athena.send(
      new GetQueryExecutionCommand({ QueryExecutionId: ids.QueryExecutionIds![0] }),
    );
    expect(qe.QueryExecution?.ExecutionParameters).toEqual([
      "'2024/05/01/10'",
      "'2024/05/01/11'",
      '1714557600',
      '1714558500',
      '100',
    ]);
    expect(qe.QueryExecution?.Query).not.toContain('1714557600');
    // AND one message reached the subscribers with both findings, bigint exact
    const published = await aws.published();
    expect(published).toHaveLength(1);
    expect(published[0]!.subject).toBe(
      'FlowWatch MEDIUM: rejected-connections (srcaddr 203.0.113.9 +1 more)',
    );
    const doc = published[0]!.doc as {
      total: number;
      findings: { srcaddr: string; bytes: number; alert_reason: string }[];
    };
    expect(doc.total).toBe(2);
    expect(doc.findings.map((f) => [f.srcaddr, f.alert_reason])).toEqual([
      ['203.0.113.9', 'new'],
      ['198.51.100.4', 'new'],
    ]);
    // AND the items are marked sent, with TTL = last seen + 6h suppression
    const item = await aws.item(fp('203.0.113.9'));
    expect(item).toMatchObject({
      status: 'sent',
      sentRun: summary.runId,
      expiresAt: String(1714558500 + 6 * 3600),
    });
    expect(item?.pendingDetection).toBeUndefined();
    // AND metrics were emitted for the detection
    expect(metrics.dims).toEqual({ detection: DETECTION });
    expect(metrics.metrics).toEqual({
      Findings: 2,
      NewFindings: 2,
      SuppressedFindings: 0,
      BytesScanned: 0,
      RunFailed: 0,
      RunDuration: 0,
    });
    expect(metrics.published).toBe(1);

    // WHEN Lambda retries the same event (e.g. after a timeout reported late)
    await moto.seedAthenaResults([seed]);
    const again = await handler({ time: '2024-05-01T10:25:00Z' }, context);
    // THEN the same rows come back but nothing is published twice
    expect(again).toMatchObject({ findings: 2, alerted: 0, skipped: 2 });
    expect(await aws.published()).toHaveLength(0);
  });

  it('fails loudly, records RunFailed and writes nothing when the config is wrong', async () => {
    const metrics = recordingMetrics();
    const handler = makeDetectionHandler({
      env: { ...aws.env, FLOWWATCH_DELIVERY_DELAY_SECONDS: 'ten minutes' },
      clients: () => ({ athena: aws.athena, dynamodb: aws.dynamodb, sns: aws.sns }),
      log: recordingLog(),
      metrics,
    });
    await expect(
      handler({ time: '2024-05-01T10:25:00Z' }, { getRemainingTimeInMillis: () => 1 }),
    ).rejects.toThrow(
      "environment variable FLOWWATCH_DELIVERY_DELAY_SECONDS: 'ten minutes' must be whole seconds between 0 and 86400",
    );
    expect(metrics.metrics.RunFailed).toBe(1);
    expect(metrics.dims).toEqual({ detection: DETECTION });
    expect(metrics.published).toBe(1);
  });
});

describe('dedupe and idempotency (fault table)', () => {
  it('invocation retried: the same scheduled time publishes nothing twice', async () => {
    const engine = new ScriptedEngine();
    engine.next = [row('203.0.113.9', 500), row('198.51.100.4', 150)];
    const first = await run(engine, at('10:25'));
    expect(first.alerted).toBe(2);
    expect(await aws.published()).toHaveLength(1);
    // WHEN the same event is delivered again with the same rows
    const retry = await run(engine, at('10:25'));
    // THEN it recognises its own earlier attempt and publishes nothing
    expect(retry).toMatchObject({ findings: 2, alerted: 0, skipped: 2, suppressed: 0 });
    expect(await aws.published()).toHaveLength(0);
  });

  it('a repeat within suppression does not alert; "still ongoing" re-alerts after the period; a quiet gap starts anew', async () => {
    const engine = new ScriptedEngine();
    engine.next = [row('203.0.113.9', 500)];
    await run(engine, at('10:25'));
    expect(await aws.published()).toHaveLength(1);
    // 15 minutes later, still there: suppressed
    expect(await run(engine, at('10:40'))).toMatchObject({ alerted: 0, suppressed: 1 });
    expect(await aws.published()).toHaveLength(0);
    // 6 hours after the first alert, still present in every run: "still ongoing"
    const ongoing = await run(engine, at('16:25'));
    expect(ongoing.alerted).toBe(1);
    const [msg] = await aws.published();
    const f = (msg!.doc as { findings: { alert_reason: string; first_seen_at: string }[] }).findings[0]!;
    expect(f).toMatchObject({ alert_reason: 'ongoing', first_seen_at: '2024-05-01T10:15:00Z' });
    // Gone for more than the suppression (last seen 16:15 + 6h), then back: a new finding again
    const back = await run(engine, at('23:25'));
    expect(back.alerted).toBe(1);
    expect(
      ((await aws.published())[0]!.doc as { findings: { alert_reason: string }[] }).findings[0]!.alert_reason,
    ).toBe('new');
  });

  it('escalates when the byte count grows tenfold', async () => {
    const engine = new ScriptedEngine();
    engine.next = [row('203.0.113.9', 500, 1_000_000)];
    await run(engine, at('10:25'));
    await aws.published();
    engine.next = [row('203.0.113.9', 500, 5_000_000)];
    expect((await run(engine, at('10:40'))).alerted).toBe(0);
    engine.next = [row('203.0.113.9', 500, 12_000_000)];
    expect((await run(engine, at('10:55'))).alerted).toBe(1);
    const doc = (await aws.published())[0]!.doc as {
      findings: { alert_reason: string; alert_note: string }[];
    };
    expect(doc.findings[0]).toMatchObject({
      alert_reason: 'escalated',
      alert_note: 'bytes 1000000 -> 12000000',
    });
  });

  it('SNS publish error: the run fails, claims stay pending, the retry sends them exactly once', async () => {
    // GIVEN the topic is unavailable (deleted) when the run publishes
    const engine = new ScriptedEngine();
    engine.next = [row('203.0.113.9', 500), row('198.51.100.4', 150)];
    await aws.deleteTopic();
    const log = recordingLog();
    await expect(run(engine, at('10:25'), aws.dynamodb, log)).rejects.toThrow(/does not exist|not found/i);
    expect(log.lines.some((l) => l.includes('claimed alerts stay pending'))).toBe(true);
    expect(await aws.item(fp('203.0.113.9'))).toMatchObject({
      status: 'pending',
      pendingDetection: DETECTION,
    });
    // WHEN the topic is back and Lambda retries the same event
    await aws.recreateTopic();
    const retry = await run(engine, at('10:25'));
    // THEN both findings are published once, as new, and confirmed
    expect(retry.alerted).toBe(2);
    const published = await aws.published();
    expect(published).toHaveLength(1);
    expect(
      (published[0]!.doc as { findings: { alert_reason: string }[] }).findings.map((f) => f.alert_reason),
    ).toEqual(['new', 'new']);
    expect(await aws.item(fp('203.0.113.9'))).toMatchObject({ status: 'sent' });
    // AND a further retry sends nothing
    expect((await run(engine, at('10:25'))).alerted).toBe(0);
    expect(await aws.published()).toHaveLength(0);
  });

  it('SNS publish error and retries exhausted: the next run sends the pending alert even if the finding is gone', async () => {
    const engine = new ScriptedEngine();
    engine.next = [row('203.0.113.9', 500)];
    await aws.deleteTopic();
    await expect(run(engine, at('10:25'))).rejects.toThrow();
    await aws.recreateTopic();
    // WHEN the next scheduled run finds nothing new
    engine.next = [];
    const next = await run(engine, at('10:40'));
    // THEN it publishes the stranded alert from the pending index
    expect(next).toMatchObject({ findings: 0, alerted: 1, resent: 1 });
    const doc = (await aws.published())[0]!.doc as {
      findings: { srcaddr: string; alert_reason: string; window: unknown }[];
    };
    expect(doc.findings[0]).toMatchObject({
      srcaddr: '203.0.113.9',
      alert_reason: 'new',
      window: { start: '2024-05-01T10:00:00Z', end: '2024-05-01T10:15:00Z' },
    });
    expect(await aws.item(fp('203.0.113.9'))).toMatchObject({ status: 'sent' });
    expect((await run(engine, at('10:55'))).alerted).toBe(0);
  });

  it('DynamoDB conditional conflict: a concurrent claim wins, this run re-reads and does not send it too', async () => {
    // GIVEN another run claims the same fingerprint between this run's read and write
    const engine = new ScriptedEngine();
    engine.next = [row('203.0.113.9', 500), row('198.51.100.4', 150)];
    let injected = false;
    const racing: DynamoSend = {
      send: (async (cmd: { input: { Item?: Record<string, { S?: string }> } }) => {
        if (
          !injected &&
          cmd instanceof PutItemCommand &&
          cmd.input.Item?.fingerprint?.S === fp('203.0.113.9')
        ) {
          injected = true;
          await aws.dynamodb.send(
            new PutItemCommand({
              TableName: aws.table,
              Item: {
                ...cmd.input.Item,
                pendingRun: { S: 'rejected-connections@other-run' },
                lastRun: { S: 'rejected-connections@other-run' },
              } as NonNullable<PutItemCommand['input']['Item']>,
            }),
          );
        }
        return aws.dynamodb.send(cmd as never);
      }) as DynamoSend['send'],
    };
    // WHEN this run claims
    const r = await run(engine, at('10:25'), racing);
    // THEN its conditional write failed once, it re-read, and left that finding to the other run
    expect(injected).toBe(true);
    expect(r).toMatchObject({ conflicts: 1, alerted: 1, suppressed: 1 });
    const doc = (await aws.published())[0]!.doc as { findings: { srcaddr: string }[] };
    expect(doc.findings.map((f) => f.srcaddr)).toEqual(['198.51.100.4']);
    expect(await aws.item(fp('203.0.113.9'))).toMatchObject({
      status: 'pending',
      pendingRun: 'rejected-connections@other-run',
    });
  });

  it('query failed: nothing is claimed or published and the error propagates for Lambda to retry', async () => {
    const engine = new ScriptedEngine();
    engine.next = new Error('Athena query for detection rejected-connections (query id q-1) FAILED: boom');
    await expect(run(engine, at('10:25'))).rejects.toThrow('(query id q-1) FAILED: boom');
    expect(await aws.item(fp('203.0.113.9'))).toBeUndefined();
    expect(await aws.published()).toHaveLength(0);
  });
});

describe('entity names in the published alert', () => {
  /** Answers the detection query with `rows` and the inventory lookup with `inventory`. */
  class InventoryEngine extends ScriptedEngine {
    inventory: Row[] | Error = [];
    override async query(sql: string, params: readonly unknown[]) {
      if (!sql.includes('FROM eni_inventory')) return super.query(sql, params);
      this.calls.push({ sql, params });
      if (this.inventory instanceof Error) throw this.inventory;
      return { rows: this.inventory, stats: { bytesScanned: 0, queryId: 'q-inventory' } };
    }
  }

  it('names the instance behind a finding from the inventory, bounded to the 7 days before the window', async () => {
    const engine = new InventoryEngine();
    engine.next = [{ ...row('10.0.1.5', 500), interface_id: 'eni-0bastion' }];
    engine.inventory = [
      {
        interface_id: 'eni-0bastion',
        owner_type: 'ec2_instance',
        owner_id: 'i-0b',
        instance_id: 'i-0b',
        name_tag: 'bastion',
      },
    ];
    await run(engine, at('10:25'));
    // THEN the lookup named the interface and bound the partition 7 days before 10:00
    const lookup = engine.calls.find((c) => c.sql.includes('FROM eni_inventory'))!;
    expect(lookup.params).toEqual(['2024/04/24/10', 'eni-0bastion']);
    // AND the alert carries the entity, in the email text too
    const [msg] = await aws.published();
    const f = (msg!.doc as { findings: Record<string, unknown>[] }).findings[0]!;
    expect(JSON.stringify(f)).toContain('"entity_name":"bastion"');
    expect(msg!.subject).toContain('EC2 instance i-0b "bastion"');
  });

  it('still alerts, without names, when the inventory cannot be read', async () => {
    const engine = new InventoryEngine();
    engine.next = [{ ...row('10.0.1.5', 500), interface_id: 'eni-0bastion' }];
    engine.inventory = new Error('AccessDenied on eni_inventory');
    const log = recordingLog();
    const r = await run(engine, at('10:25'), aws.dynamodb, log);
    expect(r.alerted).toBe(1);
    expect(await aws.published()).toHaveLength(1);
    expect(JSON.stringify(log)).toContain('entity lookup failed');
  });
});

import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { ENV } from '../constants/env';
import { METRICS } from '../constants/metrics';
import { AthenaEngine, type AthenaEngineOptions, type AthenaSend } from '../detection/athena-engine';
import { type Env, loadRunnerConfig, type RunnerConfig } from './config';
import { DedupeStore, type DynamoSend } from './dedupe';
import { type Log, type RunSummary, runDetection, type SnsSend } from './detection-run';

/** The Powertools Metrics methods the handler uses (tests pass a recorder). */
export interface MetricsSink {
  addDimension(name: string, value: string): void;
  addMetric(name: string, unit: 'Count' | 'Bytes' | 'Milliseconds', value: number): void;
  publishStoredMetrics(): void;
}

export interface RunnerClients {
  readonly athena: AthenaSend;
  readonly dynamodb: DynamoSend;
  readonly sns: SnsSend;
}

/**
 * SDK clients for a Lambda cold start. Adaptive retry mode adds client-side rate limiting to the
 * standard jittered retries of throttling errors (TooManyRequestsException included).
 */
export function defaultClients(): RunnerClients {
  return {
    athena: new AthenaClient({ maxAttempts: 5, retryMode: 'adaptive' }),
    dynamodb: new DynamoDBClient({ maxAttempts: 5 }),
    sns: new SNSClient({ maxAttempts: 5 }),
  };
}

export interface ScheduledInput {
  /** EventBridge scheduled events carry the scheduled time in `time`. */
  readonly time?: string;
}

/** The scheduled time of an EventBridge event; a manual test invocation may pass `{ "time": "..." }`. */
export function scheduledTimeOf(event: ScheduledInput): Date {
  const t = event?.time;
  if (typeof t !== 'string')
    throw new Error('event.time is missing: invoke with an EventBridge scheduled event');
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) throw new Error(`event.time '${t}' is not an ISO-8601 timestamp`);
  return d;
}

export interface DetectionHandlerOptions {
  readonly env?: Env;
  readonly clients?: () => RunnerClients;
  readonly log: Log;
  readonly metrics: MetricsSink;
  /** Overrides for the engine (tests inject sleep/clock). */
  readonly engine?: Partial<Omit<AthenaEngineOptions, 'client' | 'workgroup' | 'database'>>;
  readonly clock?: () => number;
}

/**
 * Builds the detection Lambda handler. Config and clients are created on the first call and
 * kept for the life of the container; the engine is per invocation because it is bounded by
 * that invocation's remaining time.
 */
export function makeDetectionHandler(options: DetectionHandlerOptions) {
  let state: { config: RunnerConfig; clients: RunnerClients; dedupe: DedupeStore } | undefined;
  return async (
    event: ScheduledInput,
    context: { getRemainingTimeInMillis(): number },
  ): Promise<RunSummary> => {
    const clock = options.clock ?? Date.now;
    const started = clock();
    const m = options.metrics;
    const env = options.env ?? process.env;
    // The dimension comes from the raw env so even a config error is counted per detection.
    m.addDimension(METRICS.DETECTION_DIMENSION, env[ENV.DETECTION_ID] ?? 'unknown');
    try {
      if (!state) {
        const config = loadRunnerConfig(env);
        const clients = (options.clients ?? defaultClients)();
        state = { config, clients, dedupe: new DedupeStore(clients.dynamodb, config.dedupeTable) };
      }
      const { config, clients, dedupe } = state;
      const engine = new AthenaEngine({
        client: clients.athena,
        workgroup: config.workgroup,
        database: config.database,
        partitionGranularity: config.partitionGranularity,
        remainingMs: () => context.getRemainingTimeInMillis(),
        ...options.engine,
      });
      const summary = await runDetection(
        { config, engine, dedupe, sns: clients.sns, log: options.log, clock },
        scheduledTimeOf(event),
      );
      m.addMetric(METRICS.FINDINGS, 'Count', summary.findings);
      m.addMetric(METRICS.NEW_FINDINGS, 'Count', summary.alerted);
      m.addMetric('SuppressedFindings', 'Count', summary.suppressed);
      if (summary.bytesScanned !== undefined)
        m.addMetric(METRICS.BYTES_SCANNED, 'Bytes', summary.bytesScanned);
      m.addMetric('RunFailed', 'Count', 0);
      return summary;
    } catch (e) {
      m.addMetric('RunFailed', 'Count', 1);
      options.log.error('detection run failed', { error: (e as Error).message, name: (e as Error).name });
      throw e;
    } finally {
      m.addMetric(METRICS.RUN_DURATION, 'Milliseconds', clock() - started);
      m.publishStoredMetrics();
    }
  };
}

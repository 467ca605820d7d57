import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertFinding } from '../alerting/common';
import { buildSnsMessage } from '../alerting/sns';
import type { QueryEngine } from '../detection/engine';
import { nameEntities } from '../detection/entities';
import { type Finding, rowToFinding } from '../detection/finding';
import { renderDetection } from '../detection/registry';
import { isoSeconds, partitionBounds, scheduledWindow, type TimeWindow } from '../detection/window';
import type { RunnerConfig } from './config';
import type { DedupePolicy, DedupeStore } from './dedupe';

/** Minimal logger shape (Powertools Logger satisfies it; tests pass a recorder). */
export interface Log {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export type SnsSend = Pick<SNSClient, 'send'>;

export interface RunnerDeps {
  readonly config: RunnerConfig;
  readonly engine: QueryEngine;
  readonly dedupe: DedupeStore;
  readonly sns: SnsSend;
  readonly log: Log;
  /** Milliseconds clock for the run duration. @default Date.now */
  readonly clock?: () => number;
  /** Align windows to this many seconds so a retried invocation gets the same window. @default 60 */
  readonly alignSeconds?: number;
  /** Dedupe policy overrides (suppression comes from the detection). */
  readonly policy?: Omit<DedupePolicy, 'suppressionSeconds'>;
}

export interface RunSummary {
  readonly runId: string;
  readonly detection: string;
  readonly window: { readonly start: string; readonly end: string };
  readonly findings: number;
  /** Findings published in this run: new, escalated, ongoing, and re-sent pending ones. */
  readonly alerted: number;
  readonly suppressed: number;
  /** Findings an earlier attempt of this same run already handled. */
  readonly skipped: number;
  /** Pending alerts of earlier runs published by this one. */
  readonly resent: number;
  readonly conflicts: number;
  readonly bytesScanned?: number;
  readonly queryId?: string;
  readonly messageId?: string;
  readonly durationMs: number;
}

/** The run id: detection plus the scheduled window, identical across retries of one schedule tick. */
export function runIdFor(detection: string, w: TimeWindow): string {
  return `${detection}@${isoSeconds(w.start)}/${isoSeconds(w.end)}`;
}

/**
 * One scheduled run of one detection: window from the scheduled time, query, findings,
 * dedupe claims, one SNS message for everything that alerts, then confirmation.
 * Throws (so Lambda retries the same event) when the query or the publish fails; claimed
 * alerts stay pending in the table and the retry (or the next run) publishes them.
 */
export async function runDetection(deps: RunnerDeps, scheduledTime: Date): Promise<RunSummary> {
  const clock = deps.clock ?? Date.now;
  const started = clock();
  const { config, engine, dedupe, log } = deps;
  const d = config.detection;
  if (Number.isNaN(scheduledTime.getTime()))
    throw new Error('runDetection: scheduled time is not a valid date');
  const window = scheduledWindow(
    scheduledTime,
    d.lookbackSeconds,
    config.deliveryDelaySeconds,
    deps.alignSeconds ?? 60,
  );
  const runId = runIdFor(d.meta.id, window);
  const bounds = partitionBounds(window, config.partitionGranularity);
  const rendered = renderDetection(
    d,
    { windowStart: window.start, windowEnd: window.end, dtStart: bounds.dtStart, dtEnd: bounds.dtEnd },
    { settings: config.settings, internalCidrs: config.internalCidrs },
  );
  log.info('running detection', {
    runId,
    window: { start: isoSeconds(window.start), end: isoSeconds(window.end) },
    ...bounds,
  });

  const result = await engine.query(rendered.sql, rendered.params, { label: `detection ${d.meta.id}` });
  const named = await nameEntities(
    engine,
    result.rows.map((r) => rowToFinding(d, r, window)),
    window.start,
  );
  // Unnamed findings still alert: a missing inventory must not cost an alert.
  if (named.error)
    log.warn('entity lookup failed; alerting without entity names', { runId, error: named.error });
  const findings: Finding[] = named.findings;

  const policy: DedupePolicy = { suppressionSeconds: d.suppressionSeconds, ...deps.policy };
  const claims = await dedupe.claimAll(findings, runId, window.end, policy);
  // Every fingerprint this run decided on is excluded: the sweep is for alerts no run is handling.
  const resent = await dedupe.takeOverPending(
    d.meta.id,
    runId,
    window.end,
    new Set(findings.map((f) => f.fingerprint)),
  );
  const toSend: AlertFinding[] = [...claims.claimed, ...resent].map((c) => ({
    ...c.finding,
    alert: c.context,
  }));

  let messageId: string | undefined;
  if (toSend.length > 0) {
    const msg = buildSnsMessage(toSend, { chatbot: config.chatbot });
    try {
      const out = await deps.sns.send(
        new PublishCommand({
          TopicArn: config.alertTopicArn,
          Subject: msg.Subject,
          Message: msg.Message,
          MessageStructure: msg.MessageStructure,
        }),
      );
      messageId = out.MessageId;
    } catch (e) {
      log.error('publishing the alert failed; the claimed alerts stay pending for the retry', {
        runId,
        pending: toSend.length,
        error: (e as Error).message,
      });
      throw e;
    }
    await dedupe.markSent(
      toSend.map((f) => f.fingerprint),
      runId,
      window.end,
    );
  }

  const summary: RunSummary = {
    runId,
    detection: d.meta.id,
    window: { start: isoSeconds(window.start), end: isoSeconds(window.end) },
    findings: findings.length,
    alerted: toSend.length,
    suppressed: claims.suppressed,
    skipped: claims.skipped,
    resent: resent.length,
    conflicts: claims.conflicts,
    bytesScanned: result.stats.bytesScanned,
    queryId: result.stats.queryId,
    messageId,
    durationMs: clock() - started,
  };
  log.info('detection run finished', { ...summary });
  return summary;
}

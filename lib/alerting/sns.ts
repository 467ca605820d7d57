import { findingRecord, toJson } from '../detection/finding';
import { formatChatbot } from './chatbot';
import { type AlertFinding, DEFAULT_MAX_SHOWN, groupByDetection } from './common';
import { formatEmail } from './email';
import { formatSlack, SLACK_MAX_SHOWN } from './slack';

/** SNS's limit for a whole message (with MessageStructure json: the JSON text of all protocols together). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** Headroom for the envelope SNS adds (subject, attributes). */
const SAFETY_BYTES = 4_096;

/** Schema id of the JSON document machine subscribers (SQS, Lambda, HTTPS) receive. */
export const ALERT_SCHEMA = 'flowwatch.alert.v1';

/** What machine subscribers receive. `slack` is the ready-made Block Kit payload the notifier posts. */
export interface AlertDocument {
  readonly schema: typeof ALERT_SCHEMA;
  readonly detections: string[];
  readonly severity: string;
  readonly subject: string;
  /** Findings in this run, and how many of them are listed in `findings`. */
  readonly total: number;
  readonly included: number;
  readonly findings: Record<string, unknown>[];
  readonly slack?: unknown;
}

export interface SnsMessage {
  readonly Subject: string;
  readonly Message: string;
  readonly MessageStructure: 'json';
  /** Findings listed in full in the machine payload (the rest are counted). */
  readonly included: number;
}

function record(f: AlertFinding): Record<string, unknown> {
  return {
    ...findingRecord(f),
    ...(f.alert
      ? { alert_reason: f.alert.reason, first_seen_at: f.alert.firstSeen, alert_note: f.alert.note }
      : {}),
  };
}

function render(
  findings: readonly AlertFinding[],
  chatbot: boolean,
  maxShown: number,
  maxRecords: number,
): { subject: string; message: string } {
  const email = formatEmail(findings, { maxShown });
  const slack = formatSlack(findings, { maxShown: Math.min(maxShown, SLACK_MAX_SHOWN) });
  const groups = groupByDetection(findings);
  const doc = (withSlack: boolean): string =>
    toJson({
      schema: ALERT_SCHEMA,
      detections: groups.map((g) => g.detection),
      severity: groups[0]!.severity,
      subject: email.subject,
      total: findings.length,
      included: Math.min(maxRecords, findings.length),
      findings: findings.slice(0, maxRecords).map(record),
      ...(withSlack ? { slack } : {}),
    } satisfies AlertDocument);
  const machine = doc(false);
  // Each key is what one protocol receives; `default` covers any protocol not listed.
  const structure: Record<string, string> = {
    default: email.body,
    email: email.body,
    'email-json': machine,
    sqs: machine,
    lambda: doc(true),
    http: machine,
    https: chatbot ? JSON.stringify(formatChatbot(findings, { maxShown: Math.min(maxShown, 10) })) : machine,
    firehose: machine,
  };
  return { subject: email.subject, message: JSON.stringify(structure) };
}

/**
 * One SNS message (MessageStructure 'json') for a run's findings: readable text for email,
 * the alert document for SQS / Lambda / HTTP, the Chatbot custom notification on HTTPS when
 * a Chatbot channel subscribes (Chatbot subscribes over HTTPS). Lists shrink until the whole
 * message fits SNS's 256 KB limit; the subject stays under 100 characters.
 */
export function buildSnsMessage(
  findings: readonly AlertFinding[],
  options: { chatbot: boolean; maxShown?: number; maxRecords?: number },
): SnsMessage {
  if (findings.length === 0) throw new Error('buildSnsMessage: no findings to publish');
  let maxShown = options.maxShown ?? DEFAULT_MAX_SHOWN;
  let maxRecords = options.maxRecords ?? 500;
  for (;;) {
    const { subject, message } = render(findings, options.chatbot, maxShown, maxRecords);
    if (Buffer.byteLength(message, 'utf8') <= SNS_MAX_MESSAGE_BYTES - SAFETY_BYTES)
      return {
        Subject: subject,
        Message: message,
        MessageStructure: 'json',
        included: Math.min(maxRecords, findings.length),
      };
    if (maxShown <= 1 && maxRecords <= 1)
      throw new Error(
        `buildSnsMessage: one finding of ${findings[0]!.detection} does not fit an SNS message (${Buffer.byteLength(message)} bytes)`,
      );
    maxShown = Math.max(1, Math.floor(maxShown / 2));
    maxRecords = Math.max(1, Math.floor(maxRecords / 2));
  }
}

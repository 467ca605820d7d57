import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { truncate } from '../alerting/common';
import { ALERT_SCHEMA } from '../alerting/sns';
import type { Log } from './detection-run';

/** The part of an SNS Lambda event the notifier reads. */
export interface SnsRecordLike {
  readonly Sns: { readonly Message: string; readonly Subject?: string | null; readonly MessageId?: string };
}
export interface SnsEventLike {
  readonly Records: readonly SnsRecordLike[];
}

export type SecretsSend = Pick<SecretsManagerClient, 'send'>;

export interface SlackNotifierOptions {
  readonly secrets: SecretsSend;
  readonly secretArn: string;
  readonly log: Log;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Injectable for tests: resolves after `ms`. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** A request that gets no answer within this is abandoned (ms). @default 5000 */
  readonly requestTimeoutMs?: number;
  /** Attempts per message, across 429, 5xx and timeouts. @default 4 */
  readonly maxAttempts?: number;
  /** Base of the exponential backoff for 5xx and timeouts (ms, full jitter). @default 500 */
  readonly backoffBaseMs?: number;
  /** Longest Retry-After the notifier waits for; beyond it SNS's own retry takes over (ms). @default 30000 */
  readonly maxRetryAfterMs?: number;
  readonly random?: () => number;
}

/** Delivery failed for good: thrown so the invocation fails, SNS retries and the DLQ catches it. */
export class SlackDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SlackDeliveryError';
  }
}

/** The webhook URL from the secret: a bare URL or JSON with `webhookUrl` (or `url`, `webhook_url`). */
export function parseWebhookSecret(secret: string): URL {
  let text = secret.trim();
  if (text.startsWith('{')) {
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new SlackDeliveryError('the Slack webhook secret is neither a URL nor valid JSON');
    }
    const v = obj.webhookUrl ?? obj.url ?? obj.webhook_url;
    if (typeof v !== 'string')
      throw new SlackDeliveryError('the Slack webhook secret JSON has no "webhookUrl" (or "url") string');
    text = v.trim();
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SlackDeliveryError('the Slack webhook secret is not a URL');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  // Plain http only to a loopback address (local tests); a real webhook is always https.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new SlackDeliveryError(`the Slack webhook URL must use https (got ${url.protocol})`);
  return url;
}

/** The Slack payload for one SNS message: the prepared Block Kit, or the text of a foreign message. */
export function slackPayloadFor(record: SnsRecordLike): unknown {
  const message = record.Sns.Message;
  try {
    const doc = JSON.parse(message) as { schema?: string; slack?: unknown };
    if (doc && doc.schema === ALERT_SCHEMA && doc.slack) return doc.slack;
  } catch {
    // not JSON: a message someone published by hand; shown as text below
  }
  const subject = record.Sns.Subject ? `*${record.Sns.Subject}*\n` : '';
  return { text: truncate(`${subject}${message}`, 3000) };
}

type Outcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'retry'; readonly waitMs: number; readonly why: string }
  | { readonly kind: 'refresh'; readonly why: string }
  | { readonly kind: 'fail'; readonly why: string };

/**
 * Posts FlowWatch alerts to a Slack incoming webhook. The URL is read from Secrets Manager on
 * first use and kept for the container's life (re-read once if Slack says it is gone, for
 * rotation). 429 honours Retry-After, 5xx and hung requests back off and retry; when delivery
 * is impossible it throws so SNS retries and, in the end, the DLQ keeps the message. The URL is
 * a credential: it never appears in logs or errors.
 */
export class SlackNotifier {
  private webhook: URL | undefined;
  private readonly o: Required<Omit<SlackNotifierOptions, 'secrets' | 'secretArn' | 'log'>>;

  constructor(private readonly options: SlackNotifierOptions) {
    this.o = {
      fetch: options.fetch ?? globalThis.fetch,
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
      maxAttempts: options.maxAttempts ?? 4,
      backoffBaseMs: options.backoffBaseMs ?? 500,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
      random: options.random ?? Math.random,
    };
  }

  private async webhookUrl(refresh = false): Promise<URL> {
    if (this.webhook && !refresh) return this.webhook;
    const out = await this.options.secrets.send(
      new GetSecretValueCommand({ SecretId: this.options.secretArn }),
    );
    if (!out.SecretString) throw new SlackDeliveryError('the Slack webhook secret has no string value');
    this.webhook = parseWebhookSecret(out.SecretString);
    return this.webhook;
  }

  private async post(url: URL, body: string): Promise<Outcome> {
    let res: Response;
    try {
      res = await this.o.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.o.requestTimeoutMs),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      const why =
        err.name === 'TimeoutError' || err.name === 'AbortError'
          ? `no answer within ${this.o.requestTimeoutMs} ms`
          : `request failed (${err.cause?.code ?? err.name})`;
      return { kind: 'retry', waitMs: -1, why };
    }
    // Read the body so the connection is released; Slack explains errors in it (e.g. invalid_blocks).
    const text = truncate((await res.text().catch(() => '')).replace(/\s+/g, ' '), 200);
    if (res.ok) return { kind: 'ok' };
    if (res.status === 429) {
      const ra = Number(res.headers.get('retry-after'));
      return {
        kind: 'retry',
        waitMs: Number.isFinite(ra) && ra >= 0 ? ra * 1000 : 1000,
        why: 'HTTP 429 rate limited',
      };
    }
    if (res.status >= 500) return { kind: 'retry', waitMs: -1, why: `HTTP ${res.status} ${text}` };
    if (res.status === 403 || res.status === 404 || res.status === 410)
      return { kind: 'refresh', why: `HTTP ${res.status} ${text}` };
    return { kind: 'fail', why: `HTTP ${res.status} ${text}` };
  }

  /** Deliver one message, or throw SlackDeliveryError. */
  async deliver(
    payload: unknown,
    remainingMs: () => number = () => Number.POSITIVE_INFINITY,
  ): Promise<number> {
    const body = JSON.stringify(payload);
    let url = await this.webhookUrl();
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.post(url, body);
      if (outcome.kind === 'ok') return attempt;
      this.options.log.warn('Slack delivery attempt failed', { attempt, reason: outcome.why });
      if (outcome.kind === 'fail') throw new SlackDeliveryError(`Slack rejected the message: ${outcome.why}`);
      if (outcome.kind === 'refresh') {
        if (refreshed) throw new SlackDeliveryError(`the Slack webhook is no longer valid: ${outcome.why}`);
        // Maybe the secret was rotated since this container cached it.
        refreshed = true;
        url = await this.webhookUrl(true);
        continue;
      }
      if (attempt >= this.o.maxAttempts)
        throw new SlackDeliveryError(`Slack delivery failed after ${attempt} attempts: ${outcome.why}`);
      const wait =
        outcome.waitMs >= 0
          ? outcome.waitMs
          : Math.floor(this.o.random() * this.o.backoffBaseMs * 2 ** (attempt - 1));
      if (wait > this.o.maxRetryAfterMs)
        throw new SlackDeliveryError(
          `Slack asked to wait ${wait} ms; leaving the retry to SNS (${outcome.why})`,
        );
      // Keep time for one more request inside the invocation.
      if (remainingMs() - wait < this.o.requestTimeoutMs + 1_000)
        throw new SlackDeliveryError(`no time left in this invocation to retry (${outcome.why})`);
      await this.o.sleep(wait);
    }
  }

  /** Handle an SNS event: every record must be delivered, else the invocation fails. */
  async handle(event: SnsEventLike, remainingMs?: () => number): Promise<{ delivered: number }> {
    if (!event || !Array.isArray(event.Records)) throw new Error('not an SNS event: Records is missing');
    let delivered = 0;
    for (const r of event.Records) {
      const attempts = await this.deliver(slackPayloadFor(r), remainingMs);
      this.options.log.info('delivered to Slack', { messageId: r.Sns.MessageId, attempts });
      delivered++;
    }
    return { delivered };
  }
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { buildSnsMessage } from '../../lib/alerting';
import { rowToFinding } from '../../lib/detection/finding';
import { DETECTIONS_DIR, loadDetectionFile } from '../../lib/detection/registry';
import { parseWebhookSecret, SlackDeliveryError, SlackNotifier } from '../../lib/runtime/slack-notifier';
import { type Moto, startMoto } from '../helpers/moto';
import { recordingLog } from './aws-fixture';

/** What the fake Slack answers to each request, in order (the last one repeats). */
type Answer = 200 | 400 | 404 | 500 | 503 | { status: 429; retryAfter: string } | 'hang';

interface FakeSlack {
  readonly base: string;
  readonly requests: { path: string; body: string }[];
  answers: Answer[];
  close(): Promise<void>;
}

async function startFakeSlack(): Promise<FakeSlack> {
  const state: FakeSlack = {
    base: '',
    requests: [],
    answers: [200],
    close: async () => {},
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      state.requests.push({ path: req.url ?? '', body });
      const a = state.answers.length > 1 ? state.answers.shift()! : state.answers[0]!;
      if (a === 'hang') return; // never answer
      if (typeof a === 'object') {
        res.writeHead(429, { 'retry-after': a.retryAfter }).end('rate_limited');
        return;
      }
      const text =
        a === 200 ? 'ok' : a === 404 ? 'no_service' : a === 400 ? 'invalid_blocks' : 'internal_error';
      res.writeHead(a, { 'content-type': 'text/plain' }).end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  });
}

const detection = loadDetectionFile(join(DETECTIONS_DIR, 'rejected-connections.sql'));
const finding = rowToFinding(
  detection,
  { srcaddr: '203.0.113.9', flows: 500, bytes: 123456 },
  { start: 1714557600, end: 1714558500 },
);
/** The SNS event Lambda receives: the `lambda` form of the published message. */
function snsEvent() {
  const msg = buildSnsMessage([{ ...finding, alert: { reason: 'new' } }], { chatbot: false });
  const structure = JSON.parse(msg.Message) as Record<string, string>;
  return { Records: [{ Sns: { Message: structure.lambda!, Subject: msg.Subject, MessageId: 'm-1' } }] };
}

const TOKEN_PATH = '/services/T0000/B0000/s3cr3tT0k3nXYZ';

let moto: Moto;
let slack: FakeSlack;
let secrets: SecretsManagerClient;
let secretArn: string;
let secretReads: number;
let countingSecrets: Pick<SecretsManagerClient, 'send'>;

beforeAll(async () => {
  moto = await startMoto();
  secrets = new SecretsManagerClient(moto.clientConfig);
});
afterAll(async () => {
  secrets?.destroy();
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
  slack = await startFakeSlack();
  const s = await secrets.send(
    new CreateSecretCommand({
      Name: 'flowwatch/slack',
      SecretString: JSON.stringify({ webhookUrl: `${slack.base}${TOKEN_PATH}` }),
    }),
  );
  secretArn = s.ARN!;
  secretReads = 0;
  countingSecrets = {
    send: ((cmd: never) => {
      secretReads++;
      return secrets.send(cmd);
    }) as SecretsManagerClient['send'],
  };
});
afterEach(async () => slack.close());

function notifier(
  sleeps: number[] = [],
  extra: Partial<ConstructorParameters<typeof SlackNotifier>[0]> = {},
) {
  const log = recordingLog();
  const n = new SlackNotifier({
    secrets: countingSecrets,
    secretArn,
    log,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    requestTimeoutMs: 300,
    ...extra,
  });
  return { n, log };
}

describe('Slack notifier against a local webhook and moto Secrets Manager', () => {
  it('posts the Block Kit payload and reads the secret once per container', async () => {
    const { n, log } = notifier();
    await expect(n.handle(snsEvent())).resolves.toEqual({ delivered: 1 });
    await n.handle(snsEvent());
    expect(slack.requests).toHaveLength(2);
    expect(slack.requests[0]!.path).toBe(TOKEN_PATH);
    const payload = JSON.parse(slack.requests[0]!.body);
    expect(payload.attachments[0].color).toBe('#DAA038');
    expect(payload.attachments[0].blocks[0].text.text).toBe(
      'MEDIUM: Unusual number of rejected connections from one source',
    );
    expect(secretReads).toBe(1);
    expect(log.lines.join('\n')).not.toContain('s3cr3t');
  });

  it('429: waits for Retry-After, then delivers', async () => {
    slack.answers = [{ status: 429, retryAfter: '7' }, 200];
    const sleeps: number[] = [];
    await notifier(sleeps).n.handle(snsEvent());
    expect(sleeps).toEqual([7000]);
    expect(slack.requests).toHaveLength(2);
  });

  it('429 with a Retry-After longer than the invocation can wait: fails at once for SNS to retry', async () => {
    slack.answers = [{ status: 429, retryAfter: '120' }];
    const sleeps: number[] = [];
    const err = await notifier(sleeps)
      .n.handle(snsEvent())
      .catch((e) => e);
    expect(err).toBeInstanceOf(SlackDeliveryError);
    expect(err.message).toBe(
      'Slack asked to wait 120000 ms; leaving the retry to SNS (HTTP 429 rate limited)',
    );
    expect(sleeps).toEqual([]);
    expect(slack.requests).toHaveLength(1);
  });

  it('500: retries with exponential backoff, then delivers', async () => {
    slack.answers = [500, 503, 200];
    const sleeps: number[] = [];
    await notifier(sleeps).n.handle(snsEvent());
    expect(sleeps).toEqual([250, 500]);
    expect(slack.requests).toHaveLength(3);
  });

  it('500 every time: throws after the attempts, without the webhook URL in the error or logs', async () => {
    slack.answers = [500];
    const { n, log } = notifier();
    const err = await n.handle(snsEvent()).catch((e) => e);
    expect(err.message).toBe('Slack delivery failed after 4 attempts: HTTP 500 internal_error');
    expect(slack.requests).toHaveLength(4);
    expect(`${err.message}\n${err.stack}\n${log.lines.join('\n')}`).not.toMatch(/s3cr3t|B0000|127\.0\.0\.1/);
  });

  it('hang: abandons the request after the timeout and retries', async () => {
    slack.answers = ['hang', 200];
    const { n, log } = notifier();
    await n.handle(snsEvent());
    expect(slack.requests).toHaveLength(2);
    expect(log.lines.some((l) => l.includes('no answer within 300 ms'))).toBe(true);
  });

  it('hang every time: fails the invocation', async () => {
    slack.answers = ['hang'];
    const err = await notifier([], { maxAttempts: 2 })
      .n.handle(snsEvent())
      .catch((e) => e);
    expect(err.message).toBe('Slack delivery failed after 2 attempts: no answer within 300 ms');
  });

  it('not enough invocation time left to retry: fails instead of being killed mid-wait', async () => {
    slack.answers = [500];
    const err = await notifier()
      .n.handle(snsEvent(), () => 1000)
      .catch((e) => e);
    expect(err.message).toBe('no time left in this invocation to retry (HTTP 500 internal_error)');
    expect(slack.requests).toHaveLength(1);
  });

  it('404 after a webhook rotation: re-reads the secret once and posts to the new URL', async () => {
    const { n } = notifier();
    await n.handle(snsEvent());
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: secretArn,
        SecretString: `${slack.base}/services/T0000/B0000/rotated`,
      }),
    );
    slack.answers = [404, 200];
    await n.handle(snsEvent());
    expect(slack.requests.map((r) => r.path)).toEqual([
      TOKEN_PATH,
      TOKEN_PATH,
      '/services/T0000/B0000/rotated',
    ]);
    expect(secretReads).toBe(2);
  });

  it('400 (payload rejected): fails without retrying', async () => {
    slack.answers = [400];
    const err = await notifier()
      .n.handle(snsEvent())
      .catch((e) => e);
    expect(err.message).toBe('Slack rejected the message: HTTP 400 invalid_blocks');
    expect(slack.requests).toHaveLength(1);
  });

  it('a message that is not a FlowWatch alert is posted as text', async () => {
    await notifier().n.handle({ Records: [{ Sns: { Message: 'hello from the console', Subject: 'test' } }] });
    expect(JSON.parse(slack.requests[0]!.body)).toEqual({ text: '*test*\nhello from the console' });
  });
});

describe('parseWebhookSecret', () => {
  it('accepts a bare URL or JSON, and refuses plain http to a remote host without echoing it', () => {
    expect(parseWebhookSecret('https://hooks.slack.com/services/T/B/x').hostname).toBe('hooks.slack.com');
    expect(parseWebhookSecret('{"url":"https://hooks.slack.com/services/T/B/x"}').pathname).toBe(
      '/services/T/B/x',
    );
    expect(() => parseWebhookSecret('http://hooks.slack.com/services/T/B/secret')).toThrow(
      'the Slack webhook URL must use https (got http:)',
    );
    expect(() => parseWebhookSecret('{"token":"x"}')).toThrow(/no "webhookUrl"/);
    expect(() => parseWebhookSecret('not a url secret')).toThrow('the Slack webhook secret is not a URL');
  });
});

import { join } from 'node:path';
import {
  type AlertFinding,
  buildSnsMessage,
  formatChatbot,
  formatEmail,
  formatSlack,
  SNS_MAX_MESSAGE_BYTES,
  snsSubject,
} from '../../lib/alerting';
import { type Finding, rowToFinding } from '../../lib/detection/finding';
import { DETECTIONS_DIR, loadDetectionFile } from '../../lib/detection/registry';

const detection = loadDetectionFile(join(DETECTIONS_DIR, 'rejected-connections.sql'));
const window = { start: 1714557600, end: 1714558500 }; // 2024-05-01 10:00 to 10:15 UTC

function finding(i: number, extra: Record<string, unknown> = {}): Finding {
  return rowToFinding(
    detection,
    {
      srcaddr: `203.0.113.${i}`,
      flows: 1000 - i,
      distinct_destinations: 4,
      distinct_ports: 90,
      packets: 1200,
      bytes: 9007199254740993n,
      first_seen: 1714557610,
      last_seen: 1714558490,
      ...(extra as Record<string, string>),
    },
    window,
  );
}

describe('formatEmail', () => {
  it('writes a plain-text alert a text mail client shows well', () => {
    // GIVEN two findings, one new and one still ongoing
    const fs: AlertFinding[] = [
      { ...finding(9), alert: { reason: 'new' } },
      { ...finding(7), alert: { reason: 'ongoing', firstSeen: '2024-05-01T02:00:00Z' } },
    ];
    // WHEN formatted
    const { subject, body } = formatEmail(fs);
    // THEN the subject names severity, title and a key, within SNS's subject rules
    expect(subject).toBe('FlowWatch MEDIUM: rejected-connections (srcaddr 203.0.113.9 +1 more)');
    expect(subject.length).toBeLessThan(100);
    // AND the body has detection, severity, window, key fields, what to do and the saved query
    expect(body).toContain('Detection : rejected-connections');
    expect(body).toContain('Severity  : MEDIUM');
    expect(body).toContain('Window    : 2024-05-01 10:00 to 10:15 UTC');
    expect(body).toContain('Findings  : 2 (1 new, 1 still ongoing)');
    expect(body).toContain('1. srcaddr 203.0.113.9  [NEW]');
    expect(body).toContain('2. srcaddr 203.0.113.7  [STILL ONGOING since 2024-05-01T02:00:00Z]');
    expect(body).toContain('bytes: 9007199254740993 (8.0 PiB)');
    expect(body).toContain('first_seen: 2024-05-01T10:00:10Z');
    expect(body).toMatch(/What to do\n----------\nLook up the source: an internal address/);
    expect(body).toContain('Athena saved query: flowwatch-investigate-rejected-connections');
    expect(body).toContain('MITRE ATT&CK: T1046 Network Service Discovery');
    // AND no line is longer than a text mail client shows, and no tabs or control characters
    for (const line of body.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: checking there are none
    expect(body).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('caps the list with a "+N more" line', () => {
    const fs = Array.from({ length: 45 }, (_, i) => finding(i));
    const { body } = formatEmail(fs, { maxShown: 20 });
    expect(body).toContain('20. srcaddr');
    expect(body).not.toContain('21. srcaddr');
    expect(body).toContain('+25 more not shown. Run the saved query below to see all of them.');
  });
});

describe('snsSubject', () => {
  it('keeps subjects ASCII, single-line and under 100 characters', () => {
    const s = snsSubject(`\u{1F6A8} Alert\nfrom caf\u00e9 ${'x'.repeat(200)}`);
    expect(s.startsWith('Alert from cafe xxx')).toBe(true);
    expect(s.length).toBe(99);
    expect(s).toMatch(/^[\x20-\x7e]+\.\.\.$/);
  });
});

describe('formatSlack', () => {
  it('builds Block Kit with the severity colour, key fields, window and saved query', () => {
    // GIVEN a finding whose key contains characters Slack treats as markup
    const f = { ...finding(1), keys: { srcaddr: '<!channel>&x' } } as AlertFinding;
    const payload = formatSlack([f]);
    const blocks = payload.attachments[0]!.blocks;
    // THEN the colour bar is the medium colour and the header names severity and title
    expect(payload.attachments[0]!.color).toBe('#DAA038');
    expect(blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: 'MEDIUM: Unusual number of rejected connections from one source',
        emoji: true,
      },
    });
    const text = JSON.stringify(blocks);
    expect(text).toContain('*Window*\\n2024-05-01 10:00 to 10:15 UTC');
    expect(text).toContain('`flowwatch-investigate-rejected-connections`');
    // AND the user-controlled value cannot ping the channel
    expect(text).toContain('&lt;!channel&gt;&amp;x');
    expect(text).not.toContain('<!channel>');
    expect(payload.text).toMatch(/^:warning: FlowWatch MEDIUM: Unusual number/);
  });

  it('lists at most 10 findings and stays within 50 blocks', () => {
    const payload = formatSlack(Array.from({ length: 300 }, (_, i) => finding(i)));
    const blocks = payload.attachments[0]!.blocks;
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(blocks.filter((b) => JSON.stringify(b).includes('203.0.113.'))).toHaveLength(10);
    expect(JSON.stringify(blocks)).toContain('+290 more not shown');
  });
});

describe('formatChatbot', () => {
  it('follows the Chatbot custom notification schema', () => {
    const n = formatChatbot([{ ...finding(3), alert: { reason: 'new' } }]);
    expect(n.version).toBe('1.0');
    expect(n.source).toBe('custom');
    expect(n.content.textType).toBe('client-markdown');
    expect(n.content.title).toBe(
      ':warning: FlowWatch MEDIUM: Unusual number of rejected connections from one source',
    );
    expect(n.content.description).toContain('• srcaddr 203.0.113.3 _NEW_');
    expect(n.content.description).toContain('Window: 2024-05-01 10:00 to 10:15 UTC');
    expect(n.content.nextSteps[1]).toContain('flowwatch-investigate-rejected-connections');
    expect(n.content.keywords).toEqual(['MEDIUM', 'rejected-connections', 'T1046']);
    expect(n.metadata.relatedResources).toEqual(['203.0.113.3']);
  });
});

describe('buildSnsMessage', () => {
  it('gives each protocol its own form: text for email, JSON for machines, Chatbot schema on https', () => {
    const msg = buildSnsMessage([finding(1), finding(2)], { chatbot: true });
    expect(msg.MessageStructure).toBe('json');
    const s = JSON.parse(msg.Message) as Record<string, string>;
    expect(Object.keys(s).sort()).toEqual([
      'default',
      'email',
      'email-json',
      'firehose',
      'http',
      'https',
      'lambda',
      'sqs',
    ]);
    expect(s.email).toBe(s.default);
    expect(s.email).toContain('Detection : rejected-connections');
    // bigint byte counts stay exact in the machine document
    expect(s.sqs).toContain('"bytes":9007199254740993');
    const doc = JSON.parse(s.sqs!);
    expect(doc).toMatchObject({
      schema: 'flowwatch.alert.v1',
      detections: ['rejected-connections'],
      total: 2,
      included: 2,
    });
    expect(doc.findings[0].saved_query).toBe('flowwatch-investigate-rejected-connections');
    expect(JSON.parse(s.lambda!).slack.attachments[0].color).toBe('#DAA038');
    expect(JSON.parse(s.https!)).toMatchObject({ version: '1.0', source: 'custom' });
    // without Chatbot, https subscribers get the alert document
    expect(
      JSON.parse(JSON.parse(buildSnsMessage([finding(1)], { chatbot: false }).Message).https).schema,
    ).toBe('flowwatch.alert.v1');
  });

  it('shrinks lists until the whole message fits in 256 KB', () => {
    // GIVEN 3,000 findings with wide rows (far more than 256 KB if all were listed)
    const fs = Array.from({ length: 3000 }, (_, i) => finding(i, { note: `n${i}-${'z'.repeat(200)}` }));
    // WHEN shaped
    const msg = buildSnsMessage(fs, { chatbot: true });
    // THEN it fits, counts every finding, lists fewer and says how many more exist
    expect(Buffer.byteLength(msg.Message)).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
    const s = JSON.parse(msg.Message) as Record<string, string>;
    const doc = JSON.parse(s.sqs!);
    expect(doc.total).toBe(3000);
    expect(doc.included).toBe(msg.included);
    expect(doc.findings).toHaveLength(msg.included);
    expect(msg.included).toBeLessThan(3000);
    expect(s.email).toMatch(/\+\d+ more not shown/);
  });
});

describe('findings that name an entity', () => {
  const tim = loadDetectionFile(join(DETECTIONS_DIR, 'threat-intel-match.sql'));
  const row = (entity: Record<string, string | null>) =>
    rowToFinding(
      tim,
      {
        listed_addr: '198.51.100.66',
        peer_addr: '10.0.1.5',
        action: 'ACCEPT',
        severity: 'high',
        list_source: 'feodotracker',
        bytes: 52000,
        ...entity,
      },
      window,
    );

  it('puts the instance and its Name tag in the subject, email, Slack and Chatbot forms', () => {
    // GIVEN a threat-intel finding whose interface the inventory attributes to an instance
    const f = row({
      entity_type: 'ec2_instance',
      entity_id: 'i-0victim00000001',
      entity_name: 'build-runner',
    });
    // WHEN formatted for each channel
    const email = formatEmail([f]);
    const slack = JSON.stringify(formatSlack([f]));
    const chatbot = JSON.stringify(formatChatbot([f]));
    // THEN each names the entity as a responder reads it, once, not as raw columns
    const label = 'EC2 instance i-0victim00000001 "build-runner"';
    expect(email.body).toContain(`     entity: ${label}`);
    expect(email.body).not.toContain('entity_name');
    expect(email.subject).toContain('EC2 instance i-0victim00000001');
    expect(slack).toContain(`*EC2 instance i-0victim00000001 \\"build-runner\\"*`);
    expect(chatbot).toContain('EC2 instance i-0victim00000001');
    // AND the severity is the row's (the detection grades ACCEPT above REJECT)
    expect(email.body).toContain('Severity  : HIGH');
  });

  it('labels load balancers and RDS interfaces by kind, and says nothing when no entity is known', () => {
    const alb = formatEmail([row({ entity_type: 'elb_alb', entity_id: 'shop-alb', entity_name: null })]);
    expect(alb.body).toContain('entity: ALB shop-alb\n');
    const rds = formatEmail([row({ entity_type: 'rds', entity_id: null, entity_name: null })]);
    expect(rds.body).toContain('entity: RDS database\n');
    const none = formatEmail([row({ entity_type: null, entity_id: null, entity_name: null })]);
    expect(none.body).not.toContain('entity:');
  });
});

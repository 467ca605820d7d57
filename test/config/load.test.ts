import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowWatchConfigError, loadConfig, mergeConfig, parseConfig } from '../../lib/config/load';
import type { FlowWatchConfigInput } from '../../lib/config/schema';
import { DEFAULT_INTERNAL_CIDRS } from '../../lib/detection/cidr';
import { FLOWWATCH_FIELDS } from '../../lib/detection/fields';
import { loadDetections } from '../../lib/detection/registry';

const detections = loadDetections();
const first = detections[0]!;
const withThreshold = detections.find((d) => Object.keys(d.meta.thresholds).length > 0)!;
const thresholdName = Object.keys(withThreshold.meta.thresholds)[0]!;
const other = detections.find((d) => d !== withThreshold)!;
const withPortList = detections.find((d) => Object.values(d.meta.lists).some((l) => l.items === 'port'));

const BASE: FlowWatchConfigInput = {
  source: { mode: 'create', targets: ['vpc-0abc12345def67890'] },
  alerts: { emails: ['secops@example.com'] },
};

/** The problems a bad config is rejected with (fails the test if it is accepted). */
function problems(input: unknown): string[] {
  try {
    parseConfig(input, 'flowwatch.config.json', detections);
  } catch (e) {
    expect(e).toBeInstanceOf(FlowWatchConfigError);
    expect((e as Error).message).toContain('flowwatch.config.json');
    return [...(e as FlowWatchConfigError).problems];
  }
  throw new Error('config was accepted');
}

function withOverrides(over: Record<string, unknown>): unknown {
  return mergeConfig(BASE, over);
}

describe('defaults', () => {
  test('a minimal config gets every default', () => {
    // GIVEN only the targets and an email WHEN parsed
    const c = parseConfig(BASE, 'test', detections);
    // THEN the rest is filled in
    expect(c.stackName).toBe('FlowWatch');
    expect(c.internalCidrs).toEqual([...DEFAULT_INTERNAL_CIDRS]);
    expect(c.enabledDetections.map((d) => d.id)).toEqual(detections.map((d) => d.meta.id));
    expect(c.enabledDetections.every((d, i) => d.schedule === detections[i]!.meta.schedule)).toBe(true);
    expect(c.athena).toMatchObject({
      workgroupName: 'flowwatch',
      bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
    });
    expect(c.retention).toMatchObject({ flowLogDays: 365, queryResultDays: 7, lambdaLogDays: 90 });
    expect(c.removalPolicy).toBe('retain');
    expect(c.partitionGranularity).toBe('hour');
    expect(c.format).toBe('parquet');
    expect(c.fileFields.map((f) => f.name)).toEqual([...FLOWWATCH_FIELDS, 'reject-reason']);
    if (c.source.mode !== 'create') throw new Error('expected create');
    expect(c.source).toMatchObject({
      trafficType: 'ALL',
      maxAggregationIntervalSeconds: 60,
      encryption: 'kms',
    });
  });
});

describe('bad values name the key and the fix', () => {
  test.each([
    [
      'invalid CIDR',
      { internalCidrs: ['10.0.0.0/33'] },
      /internalCidrs\[0\]: invalid CIDR '10.0.0.0\/33': IPv4 prefix must be 0-32/,
    ],
    [
      'CIDR without prefix',
      { internalCidrs: ['10.0.0.1'] },
      /internalCidrs\[0\]: invalid CIDR '10.0.0.1': expected address\/prefix/,
    ],
    [
      'invalid email',
      { alerts: { emails: ['bob@'] } },
      /alerts\.emails\[0\]: not an email address .* \(got "bob@"\)/,
    ],
    [
      'invalid target',
      { source: { targets: ['i-0123abcd'] } },
      /source\.targets\[0\]: a VPC, subnet or network interface id/,
    ],
    ['invalid account id', { accounts: ['12345'] }, /accounts\[0\]: an AWS account id is 12 digits/],
    ['invalid region', { regions: ['useast1'] }, /regions\[0\]: an AWS region code/],
    [
      'aggregation interval',
      { source: { maxAggregationIntervalSeconds: 300 } },
      /source\.maxAggregationIntervalSeconds: must be 60 or 600/,
    ],
    [
      'cutoff below 10 MB',
      { athena: { bytesScannedCutoffPerQuery: 1000 } },
      /athena\.bytesScannedCutoffPerQuery: Athena's minimum is 10 MB/,
    ],
    [
      'log retention CloudWatch rejects',
      { retention: { lambdaLogDays: 10 } },
      /retention\.lambdaLogDays: CloudWatch accepts 1, 3, 5/,
    ],
    ['unknown key', { alerts: { email: ['a@example.com'] } }, /alerts: unknown key\(s\) 'email'/],
    ['unknown source mode', { source: { mode: 'import' } }, /source\.mode/],
    [
      'missing Slack secret name',
      { alerts: { slack: {} } },
      /alerts\.slack\.webhookSecretName: missing Slack secret name: set alerts\.slack\.webhookSecretName/,
    ],
    [
      'bad chatbot channel',
      { alerts: { slack: { chatbot: { workspaceId: 'T012ABCDEF', channelId: '#alerts' } } } },
      /alerts\.slack\.chatbot\.channelId: a Slack channel id/,
    ],
  ])('%s', (_name, over, message) => {
    const p = problems(withOverrides(over));
    expect(p.join('\n')).toMatch(message);
  });

  test('no alert destination at all', () => {
    expect(problems({ ...BASE, alerts: { emails: [] } }).join('\n')).toMatch(
      /alerts\.emails: no alert destination: add at least one address/,
    );
  });

  test('every problem is reported at once', () => {
    const p = problems(
      withOverrides({ internalCidrs: ['nope'], alerts: { emails: ['x'] }, regions: ['mars'] }),
    );
    expect(p).toHaveLength(3);
  });

  test('invalid schedule expression', () => {
    const p = problems(withOverrides({ detections: { [first.meta.id]: { schedule: 'every 5 minutes' } } }));
    expect(p.join('\n')).toMatch(
      new RegExp(
        `detections\\.${first.meta.id}\\.schedule: an EventBridge schedule expression such as rate\\(15 minutes\\)`,
      ),
    );
  });

  test('a rate() schedule slower than the lookback would leave gaps', () => {
    const d = detections.find((x) => x.lookbackSeconds === 900)!;
    const p = problems(withOverrides({ detections: { [d.meta.id]: { schedule: 'rate(1 hour)' } } }));
    expect(p).toEqual([
      `detections.${d.meta.id}.schedule: 'rate(1 hour)' runs every 1h but the detection looks back 15m, so part of every interval would never be examined; use a schedule of at most 15m`,
    ]);
    // Faster than the lookback is fine (overlapping windows, more cost).
    expect(() =>
      parseConfig(
        withOverrides({ detections: { [d.meta.id]: { schedule: 'rate(5 minutes)' } } }),
        't',
        detections,
      ),
    ).not.toThrow();
  });

  test('unknown detection id lists the known ones', () => {
    const p = problems(withOverrides({ detections: { 'port-scna': { enabled: false } } }));
    expect(p).toEqual([
      `detections.port-scna: unknown detection id 'port-scna' (known: ${detections.map((d) => d.meta.id).join(', ')})`,
    ]);
  });

  test('every detection disabled is refused, naming the key', () => {
    // GIVEN a config that disables all shipped detections
    const off = Object.fromEntries(detections.map((d) => [d.meta.id, { enabled: false }]));
    // WHEN validated THEN one problem says so (a deployment without detections never alerts)
    expect(problems(withOverrides({ detections: off }))).toEqual([
      `detections: every detection is disabled; enable at least one (e.g. remove "enabled": false from detections.${detections[0]!.meta.id})`,
    ]);
    // AND one enabled detection is enough
    const oneOn = { ...off, [detections[0]!.meta.id]: { enabled: true } };
    expect(parseConfig(withOverrides({ detections: oneOn }), 't', detections).enabledDetections).toHaveLength(
      1,
    );
  });

  test('unknown threshold name, non-number and negative thresholds', () => {
    const id = withThreshold.meta.id;
    expect(problems(withOverrides({ detections: { [id]: { thresholds: { nope: 1 } } } })).join()).toContain(
      `detections.${id}.thresholds.nope: '${id}' has no threshold 'nope' (it has: ${Object.keys(withThreshold.meta.thresholds).join(', ')})`,
    );
    expect(
      problems(withOverrides({ detections: { [id]: { thresholds: { [thresholdName]: '100' } } } })).join(),
    ).toMatch(new RegExp(`detections\\.${id}\\.thresholds\\.${thresholdName}: thresholds are numbers`));
    expect(
      problems(withOverrides({ detections: { [id]: { thresholds: { [thresholdName]: -5 } } } })).join(),
    ).toMatch(/must not be negative \(got -5\)/);
  });

  (withPortList ? test : test.skip)('list items are checked against the list type', () => {
    const d = withPortList!;
    const [name] = Object.entries(d.meta.lists).find(([, l]) => l.items === 'port')!;
    const p = problems(
      withOverrides({ detections: { [d.meta.id]: { lists: { [name]: [22, 70000, 'ssh'] } } } }),
    );
    expect(p).toEqual([
      `detections.${d.meta.id}.lists.${name}[1]: expected a port 0-65535 (got 70000)`,
      `detections.${d.meta.id}.lists.${name}[2]: expected a port 0-65535 (got "ssh")`,
    ]);
  });

  test('existing text flow logs need their field list; unknown fields are named', () => {
    const existing = { mode: 'existing', bucketName: 'my-logs', format: 'text' };
    expect(problems({ ...BASE, source: existing }).join()).toMatch(
      /source\.fields: required for text flow logs/,
    );
    expect(
      problems({ ...BASE, source: { ...existing, fields: 'version account-id srcaddrr' } }).join(),
    ).toMatch(/source\.fields: field list: unknown flow log field 'srcaddrr'/);
    expect(
      problems({
        ...BASE,
        source: { ...existing, fields: 'version', hiveCompatiblePartitions: true },
      }).join(),
    ).toMatch(/source\.hiveCompatiblePartitions: hive-compatible prefixes are not supported/);
  });

  test('extra fields must be real and beyond v5', () => {
    const p = problems(withOverrides({ source: { extraFields: ['srcaddr', 'ecs-task'] } }));
    expect(p).toEqual([
      "source.extraFields[0]: 'srcaddr' is already part of the v2-v5 set",
      "source.extraFields[1]: unknown flow log field 'ecs-task'",
    ]);
  });

  test('duplicates are named', () => {
    const p = problems(
      withOverrides({
        accounts: ['111111111111', '111111111111'],
        source: { targets: ['vpc-0abc12345def67890', 'vpc-0abc12345def67890'] },
      }),
    );
    expect(p).toEqual([
      "accounts[1]: '111111111111' is listed twice",
      "source.targets[1]: 'vpc-0abc12345def67890' is listed twice",
    ]);
  });

  test('the deployment account must be among the accounts', () => {
    const p = problems(withOverrides({ env: { account: '111111111111' }, accounts: ['222222222222'] }));
    expect(p).toEqual([
      'accounts: must include the deployment account 111111111111 (its flow logs land in the bucket)',
    ]);
  });
});

describe('overrides', () => {
  test('enable/disable, schedule, thresholds reach the deployed detections', () => {
    const c = parseConfig(
      withOverrides({
        detections: {
          [other.meta.id]: { enabled: false },
          [withThreshold.meta.id]: { schedule: 'cron(0/5 * * * ? *)', thresholds: { [thresholdName]: 7 } },
        },
      }),
      'test',
      detections,
    );
    expect(c.enabledDetections.map((d) => d.id)).not.toContain(other.meta.id);
    const d = c.enabledDetections.find((x) => x.id === withThreshold.meta.id);
    expect(d?.schedule).toBe('cron(0/5 * * * ? *)');
    expect(d?.settings.thresholds).toEqual({ [thresholdName]: 7 });
    expect(c.enabledDetections).toHaveLength(detections.length - 1);
  });
});

describe('loading: context and file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowwatch-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('the file wins over cdk.json context key by key; arrays are replaced', () => {
    // GIVEN context with emails and a stack name, and a file with other emails
    writeFileSync(
      join(dir, 'flowwatch.config.json'),
      JSON.stringify({ alerts: { emails: ['file@example.com'] }, athena: { workgroupName: 'from-file' } }),
    );
    const context = {
      ...BASE,
      stackName: 'FromContext',
      alerts: { emails: ['ctx@example.com', 'ctx2@example.com'] },
    };
    // WHEN loaded
    const c = loadConfig({ context, cwd: dir }, detections);
    // THEN file values win, the rest comes from context
    expect(c.alerts.emails).toEqual(['file@example.com']);
    expect(c.athena.workgroupName).toBe('from-file');
    expect(c.stackName).toBe('FromContext');
    expect(c.origin).toContain('flowwatch.config.json');
    expect(c.origin).toContain("cdk context 'flowwatch'");
  });

  test('context alone, also as a JSON string from -c', () => {
    expect(loadConfig({ context: JSON.stringify(BASE), cwd: dir }, detections).alerts.emails).toEqual([
      'secops@example.com',
    ]);
  });

  test('no config, a missing explicit file and bad JSON are clear errors', () => {
    expect(() => loadConfig({ cwd: dir }, detections)).toThrow(/no config: create flowwatch.config.json/);
    expect(() => loadConfig({ cwd: dir, file: 'prod.json' }, detections)).toThrow(
      /prod\.json[\s\S]*file not found/,
    );
    writeFileSync(join(dir, 'flowwatch.config.json'), '{ "alerts": ');
    expect(() => loadConfig({ cwd: dir }, detections)).toThrow(
      /flowwatch\.config\.json[\s\S]*not valid JSON/,
    );
  });

  test('a validation error names the file it came from', () => {
    writeFileSync(
      join(dir, 'flowwatch.config.json'),
      JSON.stringify({ ...BASE, internalCidrs: ['10.0.0.0/99'] }),
    );
    expect(() => loadConfig({ cwd: dir }, detections)).toThrow(
      new RegExp(
        `invalid FlowWatch config \\(${dir.replace(/[/.]/g, '\\$&')}/flowwatch.config.json\\):\\n  - internalCidrs\\[0\\]`,
      ),
    );
  });
});

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ipv4ToIntSql } from '../../lib/context/threat-intel';
import { jsonLines, runCli } from './cli-helpers';

/**
 * `flowwatch inventory` and the --inventory / --threat-intel options of scan and query, through
 * the real command. Fixtures are written here: describe-network-interfaces dumps shaped like the
 * API's output (ids invented), a v2 flow log file, and threat-intel lists.
 */

const ACCOUNT = '111122223333';
const INSTANCE_ENI = 'eni-0ec2000000000001';
const ALB_ENI = 'eni-0a1b000000000002';
const EU_ENI = 'eni-0e0e000000000003';

function ni(id: string, ip: string, az: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    NetworkInterfaceId: id,
    OwnerId: ACCOUNT,
    AvailabilityZone: az,
    SubnetId: 'subnet-0aaa1111',
    VpcId: 'vpc-0abc1234',
    Status: 'in-use',
    PrivateIpAddress: ip,
    PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: ip }],
    Groups: [],
    TagSet: [],
    InterfaceType: 'interface',
    RequesterManaged: false,
    Description: '',
    ...extra,
  };
}

const US_DUMP = {
  NetworkInterfaces: [
    ni(INSTANCE_ENI, '10.0.1.10', 'us-east-1a', {
      Description: 'Primary network interface',
      Attachment: { InstanceId: 'i-0web0000000000001', InstanceOwnerId: ACCOUNT, DeviceIndex: 0 },
      TagSet: [{ Key: 'Name', Value: 'web-1' }],
    }),
    ni(ALB_ENI, '10.0.2.20', 'us-east-1b', {
      Description: 'ELB app/orders-alb/50dc6c495c0c9188',
      RequesterId: 'amazon-elb',
      RequesterManaged: true,
      Attachment: { InstanceOwnerId: 'amazon-elb', DeviceIndex: 1 },
    }),
  ],
};
const EU_DUMP = {
  NetworkInterfaces: [
    ni(EU_ENI, '10.8.0.30', 'eu-west-1a', {
      Description: 'Interface for NAT Gateway nat-0a8b0e0d28266841f',
      InterfaceType: 'nat_gateway',
      RequesterManaged: true,
    }),
  ],
};

// 2026-01-15T08:00:00Z; the snapshot was taken five minutes before.
const T0 = 1768464000;
const SNAPSHOT = '2026-01-15T07:55:00Z';
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

let dir: string;
let logs: string;

function flow(
  eni: string,
  src: string,
  dst: string,
  dstport: number,
  offset: number,
  action = 'ACCEPT',
): string {
  return `2 ${ACCOUNT} ${eni} ${src} ${dst} 44321 ${dstport} 6 10 5000 ${T0 + offset} ${T0 + offset + 60} ${action} OK`;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cli-context-'));
  writeFileSync(join(dir, 'us.json'), JSON.stringify(US_DUMP, null, 2));
  writeFileSync(join(dir, 'eu.json'), JSON.stringify(EU_DUMP));
  logs = join(dir, 'flows.log');
  writeFileSync(
    logs,
    [
      HEADER,
      // web-1 talks to a listed C2 address (twice) and to an unlisted one; the ALB receives a request.
      flow(INSTANCE_ENI, '10.0.1.10', '203.0.113.9', 443, 0),
      flow(INSTANCE_ENI, '10.0.1.10', '203.0.113.9', 443, 120, 'REJECT'),
      flow(INSTANCE_ENI, '10.0.1.10', '198.51.100.77', 443, 60),
      flow(ALB_ENI, '192.0.2.44', '10.0.2.20', 443, 30),
      '',
    ].join('\n'),
  );
  // A Feodo-style plain list and a CSV list, one of its lines broken.
  writeFileSync(join(dir, 'c2.txt'), '# botnet C2\n203.0.113.9\n');
  writeFileSync(
    join(dir, 'own.csv'),
    [
      'ip_or_cidr,description',
      '198.51.100.0/24,test range',
      '10.1.2.3/8,typo: host bits set', // line 3: refused
      '',
    ].join('\n'),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `flowwatch inventory` on both dumps into a fresh folder; the written paths from stdout. */
async function makeInventory(
  format: string,
  name = `inv-${format}`,
): Promise<{ out: string; files: string[] }> {
  const out = join(dir, name);
  const r = await runCli([
    'inventory',
    join(dir, 'us.json'),
    join(dir, 'eu.json'),
    '--out',
    out,
    '--snapshot-time',
    SNAPSHOT,
    '--format',
    format,
  ]);
  expect(r.stderr).toContain('3 interfaces from 2 dumps -> 2 inventory files');
  expect(r.code).toBe(0);
  const files = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('  ')[0]!);
  return { out, files };
}

describe('flowwatch inventory', () => {
  test('writes one file per account and region in the documented layout', async () => {
    const { out, files } = await makeInventory('jsonl.gz');
    // THEN the paths follow <root>/eni-inventory/<account>/<region>/yyyy/MM/dd/HH/
    expect(files.map((f) => relative(out, f)).sort()).toEqual([
      `eni-inventory/${ACCOUNT}/eu-west-1/2026/01/15/07/eni-inventory-${ACCOUNT}-eu-west-1-20260115T075500Z.jsonl.gz`,
      `eni-inventory/${ACCOUNT}/us-east-1/2026/01/15/07/eni-inventory-${ACCOUNT}-us-east-1-20260115T075500Z.jsonl.gz`,
    ]);
    // AND each file holds its region's interfaces, stamped with the snapshot time
    const us = files.find((f) => f.includes('us-east-1'))!;
    const rows = jsonLines(gunzipSync(readFileSync(us)).toString('utf8'));
    expect(rows.map((x) => x.interface_id).sort()).toEqual([ALB_ENI, INSTANCE_ENI].sort());
    expect(rows.every((x) => x.snapshot_time === Date.parse(SNAPSHOT) / 1000)).toBe(true);
  });

  for (const format of ['jsonl.gz', 'parquet']) {
    test(`query --inventory reads what inventory wrote (${format}): owner of an ELB ENI vs an instance ENI`, async () => {
      // GIVEN inventory files made from the dumps
      const { out } = await makeInventory(format);
      // WHEN flows are joined to the inventory by interface id
      const r = await runCli([
        'query',
        'SELECT DISTINCT f.interface_id, e.owner_type, e.owner_id, e.instance_id, e.name_tag, e.region FROM flow_logs f JOIN eni_inventory e ON e.interface_id = f.interface_id ORDER BY 1',
        logs,
        '--inventory',
        out,
        '--format',
        'json',
      ]);
      // THEN the ALB's interface is the ALB (by name), the instance's is the instance
      expect(r.stderr).toBe(
        'inventory: 3 interfaces in 2 account/region snapshots from 2 files, taken 2026-01-15 07:55:00Z (tables eni_inventory, eni_ips)\n',
      );
      expect(r.code).toBe(0);
      expect(jsonLines(r.stdout)).toEqual([
        {
          interface_id: ALB_ENI,
          owner_type: 'elb_alb',
          owner_id: 'orders-alb',
          instance_id: null,
          name_tag: null,
          region: 'us-east-1',
        },
        {
          interface_id: INSTANCE_ENI,
          owner_type: 'ec2_instance',
          owner_id: 'i-0web0000000000001',
          instance_id: 'i-0web0000000000001',
          name_tag: 'web-1',
          region: 'us-east-1',
        },
      ]);
    });
  }

  test('--region overrides the region derived from the availability zone', async () => {
    const out = join(dir, 'inv-region');
    const r = await runCli([
      'inventory',
      join(dir, 'eu.json'),
      '--out',
      out,
      '--snapshot-time',
      SNAPSHOT,
      '--region',
      'eu-central-1',
    ]);
    expect(r.code).toBe(0);
    expect(existsSync(join(out, 'eni-inventory', ACCOUNT, 'eu-central-1'))).toBe(true);
    expect(existsSync(join(out, 'eni-inventory', ACCOUNT, 'eu-west-1'))).toBe(false);
  });

  test('an empty dump with --account and --region writes an empty snapshot that supersedes the last', async () => {
    // GIVEN an inventory from the dumps, and a later dump of us-east-1 with no interfaces left
    const { out } = await makeInventory('jsonl.gz', 'inv-superseded');
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, JSON.stringify({ NetworkInterfaces: [] }));
    const later = ['inventory', empty, '--out', out, '--snapshot-time', '2026-01-15T09:00:00Z'];
    // WHEN it is converted without an account: nothing to write, and a warning says why
    const noAccount = await runCli([...later, '--region', 'us-east-1']);
    expect(noAccount.code).toBe(0);
    expect(noAccount.stdout).toBe('');
    expect(noAccount.stderr).toContain(`warning: ${empty}: no network interfaces in the dump`);
    // WHEN it is converted with --account and --region
    const r = await runCli([...later, '--region', 'us-east-1', '--account', ACCOUNT]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`eni-inventory-${ACCOUNT}-us-east-1-20260115T090000Z.jsonl.gz  0 interfaces`);
    // THEN the latest us-east-1 snapshot is empty; eu-west-1 keeps its interface
    const q = await runCli([
      'query',
      'SELECT region, count(*) AS n FROM eni_inventory GROUP BY region ORDER BY region',
      logs,
      '--inventory',
      out,
      '--format',
      'json',
      '--quiet',
    ]);
    expect(q.code).toBe(0);
    expect(jsonLines(q.stdout)).toEqual([{ region: 'eu-west-1', n: 1 }]);
  });

  test('bad JSON exits 2 naming the file, and writes nothing', async () => {
    const bad = join(dir, 'broken.json');
    writeFileSync(bad, '{"NetworkInterfaces": [');
    const out = join(dir, 'inv-bad');
    const r = await runCli(['inventory', join(dir, 'us.json'), bad, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^flowwatch: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`),
    );
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  test('a field of the wrong type exits 2 naming the file and the field', async () => {
    const bad = join(dir, 'wrong-type.json');
    const dump = structuredClone(US_DUMP);
    (dump.NetworkInterfaces[1]!.PrivateIpAddresses as { PrivateIpAddress: unknown }[])[0]!.PrivateIpAddress =
      10;
    writeFileSync(bad, JSON.stringify(dump));
    const r = await runCli(['inventory', bad, '--out', join(dir, 'inv-wrong')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}: NetworkInterfaces[1].PrivateIpAddresses[0].PrivateIpAddress:`);
  });

  test('bad options exit 2 before reading anything', async () => {
    const missing = join(dir, 'no-such-dump.json');
    const cases: [string[], string][] = [
      [['--format', 'csv'], "--format: 'csv' is not an inventory format"],
      [['--region', 'mars-1'], "--region: 'mars-1' is not an AWS region"],
      [['--snapshot-time', 'yesterday'], "--snapshot-time: 'yesterday' is not an ISO-8601 time"],
      [['--account', '1234'], "--account: '1234' is not an AWS account id"],
    ];
    for (const [opts, message] of cases) {
      const r = await runCli(['inventory', missing, '--out', join(dir, 'inv-opts'), ...opts]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }
    const r = await runCli(['inventory', missing, '--out', join(dir, 'inv-opts')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${missing}: cannot read`);
  });
});

describe('--threat-intel', () => {
  // Flows to listed addresses, naming the instance: the README's example query.
  const THREAT_SQL = `SELECT f.srcaddr, f.dstaddr, f.action, i.owner_type, i.owner_id, i.name_tag, t.cidr, t.source
FROM flow_logs f
JOIN threat_intel t ON t.family = 4 AND ${ipv4ToIntSql('f.dstaddr')} BETWEEN t.ip_start AND t.ip_end
LEFT JOIN eni_ips i ON i.ip = f.srcaddr AND i.ip_kind = 'private'
ORDER BY f.start`;

  test('query joins flow_logs to threat_intel and eni_ips: flows to listed addresses, naming the instance', async () => {
    const { out } = await makeInventory('jsonl.gz');
    const r = await runCli([
      'query',
      THREAT_SQL,
      logs,
      '--inventory',
      out,
      '--threat-intel',
      join(dir, 'c2.txt'),
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    // THEN both flows to the listed address are found, ACCEPT and REJECT, and only those
    const named = { owner_type: 'ec2_instance', owner_id: 'i-0web0000000000001', name_tag: 'web-1' };
    expect(jsonLines(r.stdout)).toEqual([
      {
        srcaddr: '10.0.1.10',
        dstaddr: '203.0.113.9',
        action: 'ACCEPT',
        ...named,
        cidr: '203.0.113.9/32',
        source: 'c2',
      },
      {
        srcaddr: '10.0.1.10',
        dstaddr: '203.0.113.9',
        action: 'REJECT',
        ...named,
        cidr: '203.0.113.9/32',
        source: 'c2',
      },
    ]);
    expect(r.stderr).toContain('threat intel: 1 entry from 1 list (table threat_intel)');
  });

  test('a malformed line is a warning naming file:line; the rest of the list still matches', async () => {
    const csv = join(dir, 'own.csv');
    const r = await runCli([
      'query',
      'SELECT t.source, t.cidr, count(*) AS flows FROM flow_logs f JOIN threat_intel t ON t.family = 4 AND ' +
        `${ipv4ToIntSql('f.dstaddr')} BETWEEN t.ip_start AND t.ip_end GROUP BY ALL ORDER BY 1`,
      logs,
      '--threat-intel',
      join(dir, 'c2.txt'),
      '--threat-intel',
      csv,
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: ${csv}:3: '10.1.2.3/8': host bits are set`);
    expect(r.stderr).toContain('warning: 1 malformed threat-intel line skipped');
    expect(r.stderr).toContain('threat intel: 2 entries from 2 lists');
    expect(jsonLines(r.stdout)).toEqual([
      { source: 'c2', cidr: '203.0.113.9/32', flows: 2 },
      { source: 'own', cidr: '198.51.100.0/24', flows: 1 },
    ]);
  });

  test('--strict turns a malformed threat-intel line into exit 2 (scan and query)', async () => {
    const csv = join(dir, 'own.csv');
    const scan = await runCli(['scan', logs, '--threat-intel', csv, '--strict', '--format', 'json']);
    expect(scan.stderr).toContain(`warning: ${csv}:3:`);
    expect(scan.stderr).toContain('error: --strict');
    expect(scan.code).toBe(2);
    const query = await runCli([
      'query',
      'SELECT count(*) AS n FROM threat_intel',
      logs,
      '--threat-intel',
      csv,
      '--strict',
    ]);
    expect(query.code).toBe(2);
    expect(query.stdout).toBe('');
    // AND a clean list passes --strict
    const clean = await runCli(['scan', logs, '--threat-intel', join(dir, 'c2.txt'), '--strict', '--quiet']);
    expect(clean.stderr).toBe('');
    expect(clean.code).toBe(0);
  });

  test('a list file that cannot be read exits 2 naming it', async () => {
    const missing = join(dir, 'no-such-list.txt');
    const r = await runCli(['query', 'SELECT 1 AS x', logs, '--threat-intel', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`flowwatch: ${missing}: cannot read`);
    expect(r.stdout).toBe('');
  });
});

describe('scan with context tables', () => {
  test('--help names the detections that use them; a scan with them adds threat-intel findings naming the entity', async () => {
    const help = await runCli(['scan', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      'threat-intel-match reports traffic with listed addresses',
    );
    const { out } = await makeInventory('jsonl.gz');
    const withCtx = await runCli([
      'scan',
      logs,
      '--inventory',
      out,
      '--threat-intel',
      join(dir, 'c2.txt'),
      '--format',
      'json',
    ]);
    const without = await runCli(['scan', logs, '--format', 'json']);
    expect(withCtx.code).toBe(0);
    expect(withCtx.stderr).toContain('inventory: 3 interfaces');
    expect(withCtx.stderr).toContain('threat intel: 1 entry');
    const parse = (text: string) =>
      text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const withFindings = parse(withCtx.stdout);
    // THEN without a list nothing matches, and with one the flows to the listed address are
    // reported, ACCEPT above REJECT, naming the instance from the inventory
    expect(parse(without.stdout).filter((f) => f.detection === 'threat-intel-match')).toEqual([]);
    const matches = withFindings.filter((f) => f.detection === 'threat-intel-match');
    expect(
      matches.map((f) => [f.listed_addr, f.action, f.severity, f.entity_type, f.entity_id, f.entity_name]),
    ).toEqual([
      ['203.0.113.9', 'ACCEPT', 'high', 'ec2_instance', 'i-0web0000000000001', 'web-1'],
      ['203.0.113.9', 'REJECT', 'medium', 'ec2_instance', 'i-0web0000000000001', 'web-1'],
    ]);
    // AND the other detections' findings are the ones a scan without context gives
    expect(
      withFindings.filter((f) => f.detection !== 'threat-intel-match').map((f) => f.fingerprint),
    ).toEqual(parse(without.stdout).map((f) => f.fingerprint));
  });

  test('an --inventory folder without inventory files exits 2', async () => {
    const empty = join(dir, 'empty-inv');
    mkdirSync(empty, { recursive: true });
    const r = await runCli(['scan', logs, '--inventory', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no inventory files (.jsonl, .jsonl.gz, .parquet) found in ${empty}`);
  });
});

describe('--inventory-as-of', () => {
  const NAMES_SQL = 'SELECT name_tag FROM eni_inventory WHERE name_tag IS NOT NULL';
  let history: string;

  /** web-1 at 07:55 (both regions), renamed web-1-renamed in a us-east-1 snapshot at 09:00. */
  beforeAll(async () => {
    ({ out: history } = await makeInventory('jsonl.gz', 'inv-history'));
    const renamed = structuredClone(US_DUMP);
    renamed.NetworkInterfaces[0]!.TagSet = [{ Key: 'Name', Value: 'web-1-renamed' }];
    writeFileSync(join(dir, 'us-renamed.json'), JSON.stringify(renamed));
    const r = await runCli([
      'inventory',
      join(dir, 'us-renamed.json'),
      '--out',
      history,
      '--snapshot-time',
      '2026-01-15T09:00:00Z',
    ]);
    expect(r.code).toBe(0);
  });

  const names = async (...extra: string[]) => {
    const r = await runCli(['query', NAMES_SQL, logs, '--inventory', history, '--format', 'json', ...extra]);
    expect(r.code).toBe(0);
    return { names: jsonLines(r.stdout).map((x) => x.name_tag), stderr: r.stderr };
  };

  test('query: the latest snapshot by default, the one in force at the time with --inventory-as-of', async () => {
    // WHEN no time is given THEN us-east-1 comes from the 09:00 snapshot (eu-west-1 has only 07:55)
    const latest = await names();
    expect(latest.names).toEqual(['web-1-renamed']);
    expect(latest.stderr).toBe(
      'inventory: 3 interfaces in 2 account/region snapshots from 3 files, taken 2026-01-15 07:55:00Z, 2026-01-15 09:00:00Z (tables eni_inventory, eni_ips)\n',
    );
    // WHEN a time between the snapshots is given THEN the older one is loaded, and the line says so
    const between = await names('--inventory-as-of', '2026-01-15T08:30:00Z');
    expect(between.names).toEqual(['web-1']);
    expect(between.stderr).toBe(
      'inventory: 3 interfaces in 2 account/region snapshots from 3 files, taken 2026-01-15 07:55:00Z (as of 2026-01-15 08:30:00Z) (tables eni_inventory, eni_ips)\n',
    );
    // AND a snapshot taken exactly at the time is in force; an offset zone is honoured (09:30+01:00 is 08:30Z)
    expect((await names('--inventory-as-of', '2026-01-15T09:00:00Z')).names).toEqual(['web-1-renamed']);
    expect((await names('--inventory-as-of', '2026-01-15T09:30:00+01:00')).names).toEqual(['web-1']);
  });

  test("scan: a finding's entity_name comes from the snapshot in force", async () => {
    const entityNames = async (...extra: string[]) => {
      const r = await runCli([
        'scan',
        logs,
        '--inventory',
        history,
        '--threat-intel',
        join(dir, 'c2.txt'),
        '--detections',
        'threat-intel-match',
        '--format',
        'json',
        '--quiet',
        ...extra,
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return jsonLines(r.stdout).map((f) => f.entity_name);
    };
    expect(await entityNames()).toEqual(['web-1-renamed', 'web-1-renamed']);
    expect(await entityNames('--inventory-as-of', '2026-01-15T08:00:00Z')).toEqual(['web-1', 'web-1']);
  });

  test('a time before every snapshot is an error naming the earliest; an account/region without one is a warning', async () => {
    const early = await runCli([
      'query',
      NAMES_SQL,
      logs,
      '--inventory',
      history,
      '--inventory-as-of',
      '2026-01-15T07:00:00Z',
    ]);
    expect(early.code).toBe(2);
    expect(early.stdout).toBe('');
    expect(early.stderr).toContain(
      'flowwatch: --inventory-as-of 2026-01-15 07:00:00Z: no inventory snapshot at or before it; the earliest is 2026-01-15 07:55:00Z',
    );
    // GIVEN us-east-1 snapshotted at 07:00 and eu-west-1 only at 07:55
    const out = join(dir, 'inv-partial');
    for (const [dump, at] of [
      ['us.json', '2026-01-15T07:00:00Z'],
      ['eu.json', '2026-01-15T07:55:00Z'],
    ] as const) {
      const r = await runCli(['inventory', join(dir, dump), '--out', out, '--snapshot-time', at]);
      expect(r.code).toBe(0);
    }
    // WHEN loaded as of 07:30 THEN us-east-1 loads and eu-west-1 is named as missing
    const r = await runCli([
      'query',
      'SELECT DISTINCT region FROM eni_inventory',
      logs,
      '--inventory',
      out,
      '--inventory-as-of',
      '2026-01-15T07:30:00Z',
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([{ region: 'us-east-1' }]);
    expect(r.stderr).toContain(
      `warning: inventory ${ACCOUNT}/eu-west-1: no snapshot at or before 2026-01-15 07:30:00Z (the earliest is 2026-01-15 07:55:00Z); its interfaces are not in eni_inventory`,
    );
  });

  test('bad uses exit 2 with a message naming the option', async () => {
    for (const command of [
      ['scan', logs],
      ['query', 'SELECT 1 AS x', logs],
    ]) {
      const r = await runCli([...command, '--inventory-as-of', '2026-01-15T08:00:00Z']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('flowwatch: --inventory-as-of needs --inventory');
    }
    const cases: [string, string][] = [
      ['2026-01-15T08:00:00', "--inventory-as-of: '2026-01-15T08:00:00' is not an ISO-8601 time with a zone"],
      ['2026-01-15', "--inventory-as-of: '2026-01-15' is not an ISO-8601 time with a zone"],
      ['yesterday', "--inventory-as-of: 'yesterday' is not an ISO-8601 time with a zone"],
      ['2026-02-30T08:00:00Z', "--inventory-as-of: '2026-02-30T08:00:00Z' is not a valid date and time"],
    ];
    for (const [value, message] of cases) {
      const r = await runCli([
        'query',
        'SELECT 1 AS x',
        logs,
        '--inventory',
        history,
        '--inventory-as-of',
        value,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stdout).toBe('');
    }
  });
});

describe('--threat-intel-format', () => {
  test('a CSV without an address column: refused when forced to csv, read as a plain list when detected', async () => {
    // GIVEN a CSV whose address column is called 'host' (not a recognised name)
    const file = join(dir, 'hosts.csv');
    writeFileSync(file, 'host,description\n203.0.113.9,c2 box\n');
    const sql = 'SELECT count(*) AS n FROM threat_intel';
    // WHEN the format is forced to csv THEN the file is refused before anything loads
    for (const command of [
      ['query', sql, logs],
      ['scan', logs],
    ]) {
      const forced = await runCli([...command, '--threat-intel', file, '--threat-intel-format', 'csv']);
      expect(forced.code).toBe(2);
      expect(forced.stdout).toBe('');
      expect(forced.stderr).toContain(`flowwatch: ${file}:1: CSV header has no address column`);
    }
    // WHEN it is detected THEN it is a plain list whose two lines are warnings, nothing loaded
    const detected = await runCli(['query', sql, logs, '--threat-intel', file, '--format', 'json']);
    expect(detected.code).toBe(0);
    expect(detected.stderr).toContain(`warning: ${file}:1:`);
    expect(detected.stderr).toContain(`warning: ${file}:2:`);
    expect(detected.stderr).toContain('warning: 2 malformed threat-intel lines skipped');
    expect(jsonLines(detected.stdout)).toEqual([{ n: 0 }]);
  });

  test('a forced format is the one used for every list', async () => {
    // GIVEN a Feodo-like extract without all of Feodo's columns (detected as a generic CSV)
    const file = join(dir, 'feodo-extract.csv');
    writeFileSync(file, 'dst_ip,dst_port,malware\n203.0.113.9,8080,Dridex\n');
    const sql = 'SELECT cidr, port, source, description FROM threat_intel ORDER BY source';
    const run = (...extra: string[]) =>
      runCli(['query', sql, logs, '--threat-intel', file, '--format', 'json', '--quiet', ...extra]);
    const detected = await run();
    expect(detected.code).toBe(0);
    expect(jsonLines(detected.stdout)).toEqual([
      { cidr: '203.0.113.9/32', port: 8080, source: 'feodo-extract', description: null },
    ]);
    // WHEN forced to feodo THEN it is read as Feodo Tracker's list (source and C2 description)
    const forced = await run('--threat-intel-format', 'feodo');
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(jsonLines(forced.stdout)).toEqual([
      {
        cidr: '203.0.113.9/32',
        port: 8080,
        source: 'feodotracker',
        description: 'Dridex botnet C2 (status unknown, last online unknown)',
      },
    ]);
    // AND forced to plain, the same file's lines are all malformed (the format applies to it)
    const plain = await runCli([
      'query',
      sql,
      logs,
      '--threat-intel',
      file,
      '--threat-intel-format',
      'plain',
    ]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('warning: 2 malformed threat-intel lines skipped');
  });

  test('an unknown format, or the option without --threat-intel, exits 2', async () => {
    const bad = await runCli([
      'scan',
      logs,
      '--threat-intel',
      join(dir, 'c2.txt'),
      '--threat-intel-format',
      'xml',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("argument 'xml' is invalid. Allowed choices are plain, csv, feodo, jsonl.");
    const alone = await runCli(['query', 'SELECT 1 AS x', logs, '--threat-intel-format', 'csv']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('flowwatch: --threat-intel-format needs --threat-intel');
  });
});

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEMO_ALB_NAME,
  DEMO_LISTED,
  type DemoInterface,
  demoThreatIntelList,
  describeDemoInterfaces,
} from '../../lib/cli/demo-context';
import { parseDescribeNetworkInterfaces } from '../../lib/context/eni-inventory';
import { parseThreatIntel } from '../../lib/context/threat-intel';
import { ATTACK_KINDS, ATTACKERS, generateFlowLogs } from '../../lib/local/synth';
import { gzFiles, runCli } from './cli-helpers';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cli-demo-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readDump(out: string): DemoInterface[] {
  const text = readFileSync(join(out, 'context', 'enis.json'), 'utf8');
  return (JSON.parse(text) as { NetworkInterfaces: DemoInterface[] }).NetworkInterfaces;
}

function nameTag(ni: DemoInterface | undefined): string | undefined {
  return ni?.TagSet.find((t) => t.Key === 'Name')?.Value;
}

/** Every file under a folder, relative to it. */
function filesUnder(root: string): string[] {
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();
}

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('flowwatch demo', () => {
  test('generates data and context, finds every injected attack, names the instances behind threat-intel findings, previews the alert', async () => {
    // WHEN the demo runs into a given folder
    const out = join(dir, 'demo');
    const r = await runCli(['demo', out, '--records', '3000', '--hours', '1']);
    // THEN
    expect(r.code).toBe(0);
    expect(gzFiles(join(out, 'AWSLogs')).length).toBeGreaterThan(0);
    const inventory = join(out, 'context', 'inventory');
    const list = join(out, 'context', 'demo-blocklist.txt');
    expect(r.stdout).toContain(
      `$ flowwatch scan ${join(out, 'AWSLogs')} --inventory ${inventory} --threat-intel ${list}`,
    );
    expect(r.stdout).toMatch(/^SEVERITY\s+DETECTION/m);
    for (const kind of ATTACK_KINDS) expect(r.stdout).toMatch(new RegExp(`^\\s+found\\s+${kind}\\s`, 'm'));
    expect(r.stdout).not.toContain('MISSED');

    // The dump became one inventory file per account and region, and the scan loaded every interface.
    const dump = readDump(out);
    const accounts = new Set(dump.map((ni) => ni.OwnerId));
    expect(accounts.size).toBe(2);
    expect(filesUnder(inventory).filter((f) => f.endsWith('.jsonl.gz'))).toHaveLength(accounts.size);
    expect(r.stderr).toContain(
      `inventory: ${dump.length} interfaces in ${accounts.size} account/region snapshots from ${accounts.size} files`,
    );
    expect(r.stderr).toContain(`threat intel: ${DEMO_LISTED.length} entries from 1 list`);

    // The exfiltration destination is listed: an ACCEPT threat-intel finding naming the instance
    // that sent to it, as the dump describes the instance at that address.
    const exfil = new RegExp(
      `^HIGH\\s+threat-intel-match\\s+\\S+ \\S+\\s+listed_addr=${reEscape(ATTACKERS.exfilDrop)} peer_addr=(\\S+) action=ACCEPT\\s+EC2 instance (i-[0-9a-f]+) "([^"]+)"`,
      'm',
    ).exec(r.stdout);
    expect(exfil).not.toBeNull();
    const [, peer, instance, name] = exfil!;
    const ni = dump.find((i) => i.PrivateIpAddress === peer);
    expect(ni?.Attachment?.InstanceId).toBe(instance);
    expect(nameTag(ni)).toBe(name);
    // The port scanner is listed too: its refused probes are a low finding naming the scanned instance.
    expect(r.stdout).toMatch(
      new RegExp(
        `^LOW\\s+threat-intel-match\\s+\\S+ \\S+\\s+listed_addr=${reEscape(ATTACKERS.scanner)} peer_addr=\\S+ action=REJECT\\s+EC2 instance i-[0-9a-f]+ "web-\\d+"`,
        'm',
      ),
    );
    for (const l of DEMO_LISTED)
      expect(r.stdout).toMatch(
        new RegExp(
          `^\\s+found\\s+threat-intel-match\\s+${reEscape(l.address)} ${l.action}: EC2 instance i-`,
          'm',
        ),
      );
    // Other findings name their entity too: the database is RDS, the bypassed instance has its Name.
    expect(r.stdout).toMatch(/^HIGH\s+database-egress\s.*\sRDS database bytes=/m);
    expect(r.stdout).toMatch(/^HIGH\s+direct-to-ec2-bypass\s.*\sEC2 instance i-[0-9a-f]+ "web-\d+" bytes=/m);

    // The alert preview is the threat-intel-match run's: the email names the entity.
    expect(r.stdout).toMatch(/^Subject: FlowWatch HIGH: threat-intel-match /m);
    expect(r.stdout).toContain('--- Email (SNS email subscription) ---');
    expect(r.stdout).toContain(`     entity: EC2 instance ${instance} "${name}"`);
    expect(r.stdout).toContain('--- Slack (incoming webhook) ---');
    expect(r.stdout).toContain('Athena saved query: flowwatch-investigate-threat-intel-match');
    expect(r.stdout).toContain(
      'aws ec2 describe-network-interfaces > enis.json; flowwatch inventory enis.json --out inv; flowwatch scan logs --inventory inv --threat-intel list.txt',
    );
  });

  test('rerunning into the same folder replaces the earlier data set and context', async () => {
    const out = join(dir, 'demo');
    const before = filesUnder(out);
    const r = await runCli(['demo', out, '--records', '3000', '--hours', '1', '--quiet']);
    expect(r.code).toBe(0);
    expect(filesUnder(out)).toEqual(before);
  });

  test('refuses a folder holding other files (exit 2)', async () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    const r = await runCli(['demo', other]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not empty');
  });

  test('--slack-json prints the webhook payload', async () => {
    const r = await runCli(['demo', join(dir, 'json'), '--records', '2000', '--hours', '1', '--slack-json']);
    expect(r.code).toBe(0);
    const marker = '--- Slack (incoming webhook) ---\n';
    expect(r.stdout).toContain(marker);
    const start = r.stdout.indexOf(marker) + marker.length;
    const end = r.stdout.indexOf('\n}\n', start) + 2;
    const payload = JSON.parse(r.stdout.slice(start, end)) as {
      text: string;
      attachments: { blocks: unknown[] }[];
    };
    expect(payload.text).toContain('FlowWatch HIGH');
    expect(payload.attachments[0]!.blocks.length).toBeGreaterThan(0);
  });
});

describe('demo context files', () => {
  test('the dump describes every interface the generator writes, in formats the inventory derives owners from', async () => {
    const data = await generateFlowLogs({
      outDir: join(dir, 'topology'),
      totalRecords: 100,
      accounts: ['111122223333', '444455556666'],
    });
    const dump = describeDemoInterfaces(data.topology);
    // Same topology, same dump (ids derived from the generator's, no clock or randomness).
    expect(describeDemoInterfaces(data.topology)).toEqual(dump);
    const records = parseDescribeNetworkInterfaces(JSON.stringify(dump), { snapshotTime: data.span.start });
    expect(records.map((r) => r.interface_id).sort()).toEqual(
      data.topology.flatMap((s) => s.all.map((e) => e.id)).sort(),
    );
    for (const s of data.topology) {
      const mine = records.filter((r) => r.account_id === s.account);
      const of = (ids: readonly { id: string }[]) =>
        mine.filter((r) => ids.some((e) => e.id === r.interface_id));
      expect(of(s.elb).map((r) => [r.owner_type, r.owner_id])).toEqual(
        s.elb.map(() => ['elb_alb', DEMO_ALB_NAME]),
      );
      expect(of(s.nat).map((r) => r.owner_type)).toEqual(['nat_gateway', 'nat_gateway']);
      expect(of(s.nat).every((r) => /^nat-[0-9a-f]{17}$/.test(r.owner_id ?? ''))).toBe(true);
      expect(of(s.db).map((r) => [r.owner_type, r.requester_id])).toEqual(
        s.db.map(() => ['rds', 'amazon-rds']),
      );
      expect(of(s.resolvers).map((r) => r.owner_type)).toEqual(['other', 'other']);
      // Instances: their own ids, a Name tag each, and the subnet and VPC the flow records carry.
      for (const e of [...s.web, s.admin, s.idle]) {
        const r = mine.find((x) => x.interface_id === e.id)!;
        expect([r.owner_type, r.owner_id, r.instance_id]).toEqual([
          'ec2_instance',
          e.instanceId,
          e.instanceId,
        ]);
        expect(r.name_tag).toMatch(/^(web-\d+|admin|idle)$/);
        expect(` ${r.vpc_id} ${r.subnet_id} ${e.instanceId} `).toBe(e.ctx);
        expect(r.private_ips).toEqual([e.ip]);
      }
      expect(new Set(of(s.web).map((r) => r.name_tag)).size).toBe(s.web.length);
    }
  });

  test('the list names addresses the injected attacks contact, and parses without issues', () => {
    const parsed = parseThreatIntel(demoThreatIntelList(), { file: 'demo-blocklist.txt' });
    expect(parsed.issues).toEqual([]);
    expect(parsed.records.map((r) => r.cidr)).toEqual(DEMO_LISTED.map((l) => `${l.address}/32`));
    const attackers: readonly string[] = Object.values(ATTACKERS);
    for (const l of DEMO_LISTED) expect(attackers).toContain(l.address);
    expect(demoThreatIntelList()).toMatch(/RFC 5737/);
  });
});

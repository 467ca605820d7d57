import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Finding } from '../detection/finding';
import type { InjectedAttack } from '../local/synth';
import type { DemoInterface, DemoListedAddress } from './demo-context';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from './errors';
import { colorsFor, formatCount, formatSeconds } from './format';
import type { Io } from './io';
import { parseScanFlags, printScan, scanPaths } from './scan';

export interface DemoFlags {
  records?: string;
  hours?: string;
  seed?: string;
  slackJson?: boolean;
  quiet?: boolean;
}

function positiveInt(option: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`${option}: '${text}' must be a whole number from 1 to ${max}`);
  return n;
}

/** What a demo folder holds: the flow logs, and the context files (dump, list, inventory). */
const DEMO_ENTRIES = ['AWSLogs', 'context'];

/** Folder for the demo data: a fresh temp folder, or the given one if empty or an earlier demo's. */
async function demoDir(dir: string | undefined): Promise<string> {
  if (dir === undefined) return mkdtemp(join(tmpdir(), 'flowwatch-demo-'));
  const abs = resolve(dir);
  const entries = await readdir(abs).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw new UsageError(`demo: cannot use ${abs}: ${e.message}`);
  });
  const foreign = entries.filter((e) => !DEMO_ENTRIES.includes(e));
  if (foreign.length > 0)
    throw new UsageError(
      `demo: ${abs} is not empty (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}); give an empty or new folder`,
    );
  // Only an earlier demo's files are there: replace them so the scan sees this run's data only.
  for (const e of DEMO_ENTRIES) await rm(join(abs, e), { recursive: true, force: true });
  return abs;
}

/** Does this finding report that attack? Every key the finding's row carries must match. */
export function findingMatches(f: Finding, a: InjectedAttack, detection: string = a.detection): boolean {
  if (f.detection !== detection) return false;
  const shared = Object.entries(a.keys).filter(([k]) => Object.hasOwn(f.row, k));
  return shared.length > 0 && shared.every(([k, v]) => String(f.row[k]) === String(v));
}

type Block = Record<string, unknown>;

function textOf(x: unknown): string {
  return typeof x === 'object' && x !== null && typeof (x as Block).text === 'string'
    ? ((x as Block).text as string)
    : '';
}

/** Slack Block Kit rendered as plain text, so a terminal shows roughly what the channel shows. */
export function renderSlackText(payload: { text: string; attachments: { blocks: Block[] }[] }): string {
  const lines = [payload.text, ''];
  for (const a of payload.attachments)
    for (const b of a.blocks) {
      if (b.type === 'header') lines.push(`*${textOf(b.text)}*`);
      else if (b.type === 'divider') lines.push('  ----');
      else if (b.type === 'section') {
        if (b.text)
          lines.push(
            ...textOf(b.text)
              .split('\n')
              .map((l) => `  ${l}`),
          );
        if (Array.isArray(b.fields))
          lines.push(`  ${b.fields.map((f) => textOf(f).replace('\n', ' ')).join(' | ')}`);
      } else if (b.type === 'context' && Array.isArray(b.elements))
        lines.push(...b.elements.map((e) => `  _${textOf(e)}_`));
    }
  return lines.join('\n');
}

/** A threat-intel entry's expected finding: the action, and the peer when the attack's keys name it. */
function listedFinding(
  findings: readonly Finding[],
  listed: DemoListedAddress,
  attack: InjectedAttack | undefined,
): Finding | undefined {
  const peer = [attack?.keys.srcaddr, attack?.keys.dstaddr].find(
    (v) => v !== undefined && String(v) !== listed.address,
  );
  return findings.find(
    (f) =>
      f.detection === 'threat-intel-match' &&
      f.row.listed_addr === listed.address &&
      f.row.action === listed.action &&
      (peer === undefined || f.row.peer_addr === String(peer)),
  );
}

/**
 * Does the finding name the instance the dump describes at its peer address? The finding's
 * entity comes from the inventory by interface id; this looks the address up in the dump itself.
 */
export function namesDumpedInstance(
  f: Finding,
  account: string,
  interfaces: readonly DemoInterface[],
): boolean {
  const ni = interfaces.find((i) => i.OwnerId === account && i.PrivateIpAddress === f.row.peer_addr);
  const name = ni?.TagSet.find((t) => t.Key === 'Name')?.Value;
  return (
    ni?.Attachment?.InstanceId !== undefined &&
    name !== undefined &&
    f.row.entity_type === 'ec2_instance' &&
    f.row.entity_id === ni.Attachment.InstanceId &&
    f.row.entity_name === name
  );
}

/**
 * `flowwatch demo [dir]`: generate a realistic data set with injected attacks, describe its
 * network as a `describe-network-interfaces` dump and turn that into an ENI inventory (the
 * `flowwatch inventory` code path), write a threat-intel list naming two attacker addresses,
 * scan with every detection and both context tables, check each injected attack was found and
 * each listed address reported with the instance behind it, and preview the email and Slack
 * alerts of the threat-intel-match run.
 */
export async function demoCommand(dir: string | undefined, flags: DemoFlags, io: Io): Promise<number> {
  const recordsPerHour = positiveInt('--records', flags.records, 20000, 10_000_000);
  const hours = positiveInt('--hours', flags.hours, 2, 72);
  const seed = positiveInt('--seed', flags.seed, 1, 2 ** 31 - 1);
  const c = colorsFor(io.stdout);
  const outDir = await demoDir(dir);

  const { generateFlowLogs } = await import('../local/synth');
  const t0 = performance.now();
  const data = await generateFlowLogs({
    outDir,
    hours,
    recordsPerHour,
    seed,
    accounts: ['111122223333', '444455556666'],
  });
  const logs = join(outDir, 'AWSLogs');
  io.out(c.bold('FlowWatch demo'));
  io.out(
    `Generated ${formatCount(data.records)} flow log records (${data.attacks.length} injected attacks) in ${formatCount(data.files.length)} files, ${formatSeconds(performance.now() - t0)}:`,
  );
  io.out(`  ${logs}/{account}/vpcflowlogs/{region}/yyyy/MM/dd/HH/*.log.gz`);
  io.out(
    `  ${data.accounts.length} accounts, ${data.regions.join(', ')}, ${hours} h, v5 fields, seed ${seed}`,
  );
  io.out('');

  // Context: the network the records come from, as AWS describes it, and a list naming attackers.
  const { writeDemoContext, DEMO_ALB_NAME, DEMO_LISTED } = await import('./demo-context');
  const ctx = await writeDemoContext(join(outDir, 'context'), data.topology);
  io.out(c.bold('Context for the findings (docs/CONTEXT.md):'));
  io.out(
    `  ${ctx.dump}: the simulated network as \`aws ec2 describe-network-interfaces\` prints it, ${formatCount(ctx.interfaces.length)} interfaces`,
  );
  io.out(
    `    (EC2 instances with Name tags, ALB ${DEMO_ALB_NAME}, NAT gateways, RDS, Route 53 Resolver endpoints)`,
  );
  io.out(`  ${ctx.list}: a threat-intel list naming ${DEMO_LISTED.map((l) => l.address).join(' and ')}`);
  io.out('    (RFC 5737 documentation addresses standing in for a real feed such as Feodo Tracker)');
  io.out('');
  // The snapshot is dated at the data's start: the network as it was when the flows happened.
  const snapshot = new Date(data.span.start * 1000).toISOString().replace('.000Z', 'Z');
  io.out(c.bold(`$ flowwatch inventory ${ctx.dump} --out ${ctx.inventory} --snapshot-time ${snapshot}`));
  const { inventoryCommand } = await import('./inventory');
  await inventoryCommand([ctx.dump], { out: ctx.inventory, snapshotTime: snapshot }, io);
  io.out('');

  io.out(c.bold(`$ flowwatch scan ${logs} --inventory ${ctx.inventory} --threat-intel ${ctx.list}`));
  const parsed = await parseScanFlags({ inventory: [ctx.inventory], threatIntel: [ctx.list] });
  const result = await scanPaths([logs], parsed, io, flags.quiet);
  printScan(result, 'table', io, flags.quiet);
  io.out('');

  const { entityLabel } = await import('../alerting/common');
  io.out(c.bold('Injected attacks and the findings that report them:'));
  let missed = 0;
  const mark = (hit: boolean) => (hit ? c.green('found ') : c.red('MISSED'));
  for (const a of data.attacks) {
    const hit = result.findings.some((f) => findingMatches(f, a));
    if (!hit) missed++;
    io.out(`  ${mark(hit)}  ${a.detection.padEnd(22)} ${a.description}`);
  }
  io.out('');
  io.out(c.bold('Listed addresses and the instances the threat-intel findings name:'));
  for (const l of DEMO_LISTED) {
    const attack = data.attacks.find((a) => a.detection === l.attack);
    const f = listedFinding(result.findings, l, attack);
    const hit =
      f !== undefined && attack !== undefined && namesDumpedInstance(f, attack.account, ctx.interfaces);
    if (!hit) missed++;
    const who = f ? `${entityLabel(f) ?? 'no entity'} (${String(f.row.peer_addr)})` : 'no finding';
    io.out(
      `  ${mark(hit)}  ${'threat-intel-match'.padEnd(22)} ${l.address} ${l.action}: ${who}, ${l.description}`,
    );
  }
  io.out('');

  if (result.findings.length > 0) {
    // Each detection runs on its own schedule in AWS and alerts for its own findings, so the
    // preview is one run's alert: threat-intel-match's (it shows the context tables at work),
    // else the most severe detection's (the others look alike).
    const { formatEmail, formatSlack } = await import('../alerting');
    const { severityRank } = await import('../detection/metadata');
    const top =
      result.findings.find((f) => f.detection === 'threat-intel-match') ??
      result.findings.reduce((a, f) => (severityRank(f.severity) > severityRank(a.severity) ? f : a));
    const alerted = result.findings.filter((f) => f.detection === top.detection);
    const others = new Set(result.findings.map((f) => f.detection)).size - 1;
    io.out(
      c.bold(
        `Alerts: each detection's scheduled run alerts for its own findings. The ${top.detection} alert would read:`,
      ),
    );
    io.out('');
    const email = formatEmail(alerted);
    io.out(c.bold('--- Email (SNS email subscription) ---'));
    io.out(`Subject: ${email.subject}`);
    io.out('');
    io.out(email.body);
    io.out('');
    io.out(c.bold('--- Slack (incoming webhook) ---'));
    const slack = formatSlack(alerted);
    io.out(flags.slackJson ? JSON.stringify(slack, null, 2) : renderSlackText(slack));
    io.out('');
    if (others > 0)
      io.out(`(${others} other detection${others === 1 ? '' : 's'} would send alerts of the same shape.)`);
    io.out('');
  }
  io.out(c.bold('Next:'));
  io.out(
    `  npx flowwatch scan ${logs} --inventory ${ctx.inventory} --threat-intel ${ctx.list} --format json   # one JSON finding per line`,
  );
  io.out(`  npx flowwatch query "SELECT action, count(*) AS flows FROM flow_logs GROUP BY action" ${logs}`);
  io.out('  npx flowwatch detections                          # what each detection looks for');
  io.out(c.bold('With your own network and lists:'));
  io.out(
    '  aws ec2 describe-network-interfaces > enis.json; flowwatch inventory enis.json --out inv; flowwatch scan logs --inventory inv --threat-intel list.txt',
  );
  if (missed > 0) {
    io.err(`error: ${missed} injected attack(s) or listed address(es) were not detected`);
    return EXIT_FINDINGS;
  }
  return EXIT_OK;
}

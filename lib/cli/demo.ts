import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Finding } from '../detection/finding';
import type { InjectedAttack } from '../local/synth';
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

/** Folder for the demo data: a fresh temp folder, or the given one if empty or an earlier demo's. */
async function demoDir(dir: string | undefined): Promise<string> {
  if (dir === undefined) return mkdtemp(join(tmpdir(), 'flowwatch-demo-'));
  const abs = resolve(dir);
  const entries = await readdir(abs).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw new UsageError(`demo: cannot use ${abs}: ${e.message}`);
  });
  const foreign = entries.filter((e) => e !== 'AWSLogs');
  if (foreign.length > 0)
    throw new UsageError(
      `demo: ${abs} is not empty (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}); give an empty or new folder`,
    );
  // Only an earlier demo's AWSLogs tree is there: replace it so the scan sees this run's data only.
  await rm(join(abs, 'AWSLogs'), { recursive: true, force: true });
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

/**
 * `flowwatch demo [dir]`: generate a realistic data set with injected attacks, scan it with
 * every detection, show the findings, check each injected attack was found, and preview the
 * email and Slack alerts those findings would send.
 */
export async function demoCommand(dir: string | undefined, flags: DemoFlags, io: Io): Promise<number> {
  const recordsPerHour = positiveInt('--records', flags.records, 20000, 10_000_000);
  const hours = positiveInt('--hours', flags.hours, 2, 72);
  const seed = positiveInt('--seed', flags.seed, 1, 2 ** 31 - 1);
  const parsed = await parseScanFlags({});
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
  io.out(c.bold('FlowWatch demo'));
  io.out(
    `Generated ${formatCount(data.records)} flow log records (${data.attacks.length} injected attacks) in ${formatCount(data.files.length)} files, ${formatSeconds(performance.now() - t0)}:`,
  );
  io.out(`  ${outDir}/AWSLogs/{account}/vpcflowlogs/{region}/yyyy/MM/dd/HH/*.log.gz`);
  io.out(
    `  ${data.accounts.length} accounts, ${data.regions.join(', ')}, ${hours} h, v5 fields, seed ${seed}`,
  );
  io.out('');
  io.out(c.bold(`$ flowwatch scan ${outDir}`));
  const result = await scanPaths([outDir], parsed, io, flags.quiet);
  printScan(result, 'table', io, flags.quiet);
  io.out('');

  io.out(c.bold('Injected attacks and the findings that report them:'));
  let missed = 0;
  for (const a of data.attacks) {
    const hit = result.findings.some((f) => findingMatches(f, a));
    if (!hit) missed++;
    io.out(`  ${hit ? c.green('found ') : c.red('MISSED')}  ${a.detection.padEnd(22)} ${a.description}`);
  }
  io.out('');

  if (result.findings.length > 0) {
    // Each detection runs on its own schedule in AWS and alerts for its own findings, so the
    // preview is one run's alert: the most severe detection's (the others look alike).
    const { formatEmail, formatSlack } = await import('../alerting');
    const { severityRank } = await import('../detection/metadata');
    const top = result.findings.reduce((a, f) =>
      severityRank(f.severity) > severityRank(a.severity) ? f : a,
    );
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
  io.out(`  npx flowwatch scan ${outDir} --format json      # one JSON finding per line`);
  io.out(`  npx flowwatch query "SELECT action, count(*) AS flows FROM flow_logs GROUP BY action" ${outDir}`);
  io.out('  npx flowwatch detections                          # what each detection looks for');
  if (missed > 0) {
    io.err(`error: ${missed} injected attack(s) were not detected`);
    return EXIT_FINDINGS;
  }
  return EXIT_OK;
}

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ATTACK_KINDS } from '../../lib/local/synth';
import { gzFiles, runCli } from './cli-helpers';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cli-demo-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowwatch demo', () => {
  test('generates data, finds every injected attack and previews the email and Slack alerts', async () => {
    // WHEN the demo runs into a given folder
    const out = join(dir, 'demo');
    const r = await runCli(['demo', out, '--records', '3000', '--hours', '1']);
    // THEN
    expect(r.code).toBe(0);
    expect(gzFiles(out).length).toBeGreaterThan(0);
    expect(r.stdout).toContain(`$ flowwatch scan ${out}`);
    expect(r.stdout).toMatch(/^SEVERITY\s+DETECTION/m);
    for (const kind of ATTACK_KINDS) expect(r.stdout).toMatch(new RegExp(`^\\s+found\\s+${kind}\\s`, 'm'));
    expect(r.stdout).not.toContain('MISSED');
    // The alert preview is one detection run's alert: the most severe detection's.
    expect(r.stdout).toMatch(/^Subject: FlowWatch HIGH: /m);
    expect(r.stdout).toContain('--- Email (SNS email subscription) ---');
    expect(r.stdout).toContain('--- Slack (incoming webhook) ---');
    expect(r.stdout).toContain('Athena saved query: flowwatch-investigate-');
  });

  test('rerunning into the same folder replaces the earlier data set', async () => {
    const out = join(dir, 'demo');
    const before = gzFiles(out).length;
    const r = await runCli(['demo', out, '--records', '3000', '--hours', '1', '--quiet']);
    expect(r.code).toBe(0);
    expect(gzFiles(out).length).toBe(before);
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

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadDetections } from '../../lib/detection/registry';
import { generateFlowLogs, type InjectedAttack, type SynthResult } from '../../lib/local/synth';
import { gzFiles, iso, jsonLines, readRecords, runCli } from './cli-helpers';

const SEVERITIES = ['low', 'medium', 'high', 'critical'];

/** A finding record reports the attack when every attack key the record carries has the same value. */
function reports(rec: Record<string, unknown>, a: InjectedAttack): boolean {
  if (rec.detection !== a.detection) return false;
  const shared = Object.entries(a.keys).filter(([k]) => k in rec);
  return shared.length > 0 && shared.every(([k, v]) => String(rec[k]) === String(v));
}

let dir: string;
let data: SynthResult;

beforeAll(async () => {
  // GIVEN one hour of generated flow logs, two accounts, every attack injected
  dir = mkdtempSync(join(tmpdir(), 'fw-cli-scan-'));
  data = await generateFlowLogs({
    outDir: join(dir, 'logs'),
    hours: 1,
    recordsPerHour: 4000,
    accounts: ['111122223333', '444455556666'],
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowwatch scan --format json', () => {
  let out: Awaited<ReturnType<typeof runCli>>;
  let findings: Record<string, unknown>[];
  beforeAll(async () => {
    // WHEN the whole folder is scanned with JSON output
    out = await runCli(['scan', join(dir, 'logs'), '--format', 'json']);
    findings = jsonLines(out.stdout);
  });

  test('exits 0 and prints one JSON object per finding with the contract fields', () => {
    // THEN
    expect(out.code).toBe(0);
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(typeof f.detection).toBe('string');
      expect(SEVERITIES).toContain(f.severity);
      expect(typeof f.title).toBe('string');
      expect(f.fingerprint).toMatch(/^[0-9a-f]{32}$/);
      const w = f.window as { start: string; end: string };
      expect(w.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(w.end).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
  });

  test('reports every injected attack under its detection id with the key fields', () => {
    const missed = data.attacks.filter((a) => !findings.some((f) => reports(f, a)));
    expect(missed.map((a) => a.detection)).toEqual([]);
    // Key fields use flow-log column names and keep their types.
    const ssh = findings.find((f) => f.detection === 'ssh-rdp-from-internet')!;
    expect(ssh).toMatchObject({ srcaddr: '198.51.100.200', dstport: 22 });
    const exfil = findings.find((f) => f.detection === 'exfiltration-volume')!;
    expect(exfil.bytes).toBe(3 * 1024 ** 3);
  });

  test('finds nothing beyond the attacks (the benign background stays quiet)', () => {
    const unexplained = findings.filter(
      (f) =>
        !data.attacks.some(
          (a) =>
            reports(f, a) ||
            (a.alsoDetectedBy.includes(f.detection as never) && f.srcaddr === a.keys.srcaddr),
        ),
    );
    expect(unexplained).toEqual([]);
  });

  test('uses the whole input span as the window: first start .. last end + 1', () => {
    const rows = readRecords(join(dir, 'logs'));
    const starts = rows.map((r) => Number(r[10]));
    const ends = rows.map((r) => Number(r[11]));
    const expected = { start: iso(Math.min(...starts)), end: iso(Math.max(...ends) + 1) };
    for (const f of findings) expect(f.window).toEqual(expected);
  });

  test('prints a summary on stderr, not on stdout', () => {
    expect(out.stderr).toMatch(/findings? .* \| .*records/);
    expect(out.stdout).not.toMatch(/ \| .*records/);
    // stderr is not a terminal here: no progress bar, just the summary line.
    expect(out.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('flowwatch scan options', () => {
  test('--detections runs only the listed detections', async () => {
    const r = await runCli([
      'scan',
      join(dir, 'logs'),
      '--format',
      'json',
      '--detections',
      'port-scan,ssh-rdp-from-internet',
    ]);
    expect(r.code).toBe(0);
    const ids = new Set(jsonLines(r.stdout).map((f) => f.detection));
    expect([...ids].sort()).toEqual(['port-scan', 'ssh-rdp-from-internet']);
  });

  test('--memory-limit caps DuckDB without changing findings, and rejects a non-size', async () => {
    // GIVEN the default run's findings WHEN the same scan runs under a small memory cap
    const base = await runCli(['scan', join(dir, 'logs'), '--format', 'json']);
    const capped = await runCli(['scan', join(dir, 'logs'), '--format', 'json', '--memory-limit', '64MB']);
    // THEN the findings are identical
    expect(capped.code).toBe(0);
    const fps = (out: string) =>
      jsonLines(out)
        .map((f) => `${f.detection}/${f.fingerprint}`)
        .sort();
    expect(fps(capped.stdout)).toEqual(fps(base.stdout));
    // AND a value that is not a size is a usage error naming the option
    const bad = await runCli(['scan', join(dir, 'logs'), '--memory-limit', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--memory-limit: 'lots' is not a size");
  });

  test('--since/--until narrow the window to one attack', async () => {
    // GIVEN a window around the SSH attack only
    const ssh = data.attacks.find((a) => a.detection === 'ssh-rdp-from-internet')!;
    const since = iso(ssh.start - 30);
    const until = iso(ssh.end + 30);
    // WHEN
    const r = await runCli([
      'scan',
      join(dir, 'logs'),
      '--format',
      'json',
      '--since',
      since,
      '--until',
      until,
    ]);
    // THEN only findings from that period, with the given window
    expect(r.code).toBe(0);
    const found = jsonLines(r.stdout);
    expect(found.map((f) => f.detection)).toContain('ssh-rdp-from-internet');
    expect(found.map((f) => f.detection)).not.toContain('exfiltration-volume');
    for (const f of found) expect(f.window).toEqual({ start: since, end: until });
  });

  test('--fail-on exits 1 when a finding is at or above the severity, 0 otherwise', async () => {
    const high = await runCli([
      'scan',
      join(dir, 'logs'),
      '--format',
      'json',
      '--fail-on',
      'high',
      '--quiet',
    ]);
    expect(high.code).toBe(1);
    expect(jsonLines(high.stdout).length).toBeGreaterThan(0);
    // --quiet: nothing on stderr at all.
    expect(high.stderr).toBe('');
    // No shipped detection is critical: nothing reaches the bar.
    const critical = await runCli([
      'scan',
      join(dir, 'logs'),
      '--format',
      'json',
      '--fail-on',
      'critical',
      '--quiet',
    ]);
    expect(critical.code).toBe(0);
    // Findings below the bar do not count either: only medium detections selected.
    const medium = await runCli([
      'scan',
      join(dir, 'logs'),
      '--detections',
      'port-scan',
      '--fail-on',
      'high',
      '--quiet',
    ]);
    expect(medium.code).toBe(0);
  });

  test('table output is aligned, uncoloured when piped, and ends with a summary line', async () => {
    const r = await runCli(['scan', join(dir, 'logs')]);
    expect(r.code).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes
    expect(r.stdout).not.toMatch(/\u001b\[/);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEVERITY\s+DETECTION\s+FIRST SEEN\s+KEY\s+DETAILS$/);
    // Columns line up: DETECTION starts at the same offset on every row.
    const col = lines[0]!.indexOf('DETECTION');
    const rows = lines.slice(1).filter((l) => /^(LOW|MEDIUM|HIGH|CRITICAL) /.test(l));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row[col - 1]).toBe(' ');
    for (const row of rows) expect(row.slice(col)).toMatch(/^[a-z0-9-]+ /);
    const summary = lines[lines.length - 1]!;
    expect(summary).toMatch(
      new RegExp(
        `${rows.length} findings .* from ${loadDetections().length} detections \\| \\d+ files \\| [\\d,]+ records \\| 0 skipped`,
      ),
    );
    expect(summary).toContain(`${data.records.toLocaleString('en-US')} records`);
  });
});

describe('flowwatch scan bad input', () => {
  test('a missing path exits 2 and names it', async () => {
    const r = await runCli(['scan', join(dir, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(join(dir, 'nope'));
    expect(r.stdout).toBe('');
  });

  test('an unknown field in --fields exits 2 and names the field', async () => {
    const r = await runCli(['scan', join(dir, 'logs'), '--fields', 'version account-id bogus-field']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown flow log field 'bogus-field'");
  });

  test.each([
    [['--since', 'yesterday'], "--since: 'yesterday' is not an ISO-8601 time"],
    [['--until', '2026-02-30T00:00:00Z'], "--until: '2026-02-30T00:00:00Z' is not a valid date"],
    [['--since', '2026-01-15T10:00:00Z', '--until', '2026-01-15T09:00:00Z'], 'must be after --since'],
    [['--detections', 'port-scan,no-such-detection'], "unknown detection 'no-such-detection'"],
    [['--fail-on', 'severe'], "--fail-on: 'severe' is not a severity"],
    [['--format', 'xml'], "--format: 'xml' is not a format"],
    [['--no-such-option'], "unknown option '--no-such-option'"],
  ])('%j exits 2 with a clear message', async (args, message) => {
    const r = await runCli(['scan', join(dir, 'logs'), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  test('scan without a path is a usage error', async () => {
    const r = await runCli(['scan']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'path'");
  });

  describe('corrupt and malformed files', () => {
    let bad: string;
    beforeAll(() => {
      // GIVEN the data set plus a truncated gzip and a text file with one malformed line
      bad = join(dir, 'bad');
      mkdirSync(bad, { recursive: true });
      const files = gzFiles(join(dir, 'logs'));
      for (const f of files.slice(0, 4)) copyFileSync(f, join(bad, basename(f)));
      const whole = readFileSync(files[5]!);
      writeFileSync(join(bad, 'truncated.log.gz'), whole.subarray(0, Math.floor(whole.length / 2)));
      const text = gzipSync(
        [
          'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
          '2 111122223333 eni-0a1b2c3d 10.0.0.1 10.0.0.2 443 49152 6 10 840 1768464000 1768464060 ACCEPT OK',
          '2 111122223333 eni-0a1b2c3d 10.0.0.1 10.0.0.2 443 only-twelve-fields',
          '2 111122223333 eni-0a1b2c3d 10.0.0.1 10.0.0.2 https 49152 6 10 840 1768464000 1768464060 ACCEPT OK',
          '',
        ].join('\n'),
      );
      writeFileSync(join(bad, 'malformed.log.gz'), text);
    });

    test('without --strict: warns with file and line, scans the rest, exits 0', async () => {
      const r = await runCli(['scan', bad, '--format', 'json']);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(join(bad, 'truncated.log.gz'));
      expect(r.stderr).toMatch(new RegExp(`${join(bad, 'malformed.log.gz').replace(/[.]/g, '\\.')}:3: `));
      expect(r.stderr).toMatch(/malformed.log.gz:4: /);
      // The two bad lines, plus whatever the cut gzip left half-written.
      const skipped = Number(/(\d+) malformed lines? skipped, 1 corrupt file/.exec(r.stderr)?.[1]);
      expect(skipped).toBeGreaterThanOrEqual(2);
      expect(() => jsonLines(r.stdout)).not.toThrow();
    });

    test('with --strict: still reports, then exits 2', async () => {
      const r = await runCli(['scan', bad, '--format', 'json', '--strict']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--strict');
      expect(r.stderr).toContain(join(bad, 'truncated.log.gz'));
    });

    test('with --strict on clean input: exits 0', async () => {
      const r = await runCli([
        'scan',
        join(dir, 'logs'),
        '--strict',
        '--quiet',
        '--detections',
        'log-delivery-gaps',
      ]);
      expect(r.code).toBe(0);
    });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSavedQueries } from '../../lib/infra/saved-queries';
import { ATTACKERS, generateFlowLogs, type SynthResult } from '../../lib/local/synth';
import { iso, jsonLines, readRecords, runCli } from './cli-helpers';

// Columns of the generated files (their header): srcaddr, start and pkt-srcaddr.
const SRCADDR = 3;
const START = 10;
const PKT_SRCADDR = 19;

let dir: string;
let logs: string;
let data: SynthResult;
let records: string[][];

beforeAll(async () => {
  // GIVEN a small generated data set with the injected attacks
  dir = mkdtempSync(join(tmpdir(), 'fw-cli-saved-'));
  logs = join(dir, 'logs');
  data = await generateFlowLogs({ outDir: logs, hours: 1, recordsPerHour: 2000 });
  records = readRecords(logs);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fromSource = (addr: string) => records.filter((r) => r[SRCADDR] === addr || r[PKT_SRCADDR] === addr);

describe('flowwatch query --saved', () => {
  test('traffic-from-source returns the flows of the given source and no others', async () => {
    const attacker = ATTACKERS.bruteForcer;
    const expected = fromSource(attacker);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(1000); // the query's LIMIT
    // WHEN running it by file id and by Athena name
    for (const name of ['traffic-from-source', 'flowwatch-traffic-from-source']) {
      const r = await runCli([
        'query',
        '--saved',
        name,
        '--param',
        `source_addr=${attacker}`,
        logs,
        '--format',
        'json',
        '--quiet',
      ]);
      // THEN every record of that source comes back (the whole input is the default window)
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const rows = jsonLines(r.stdout);
      expect(rows).toHaveLength(expected.length);
      for (const row of rows) expect([row.srcaddr, row.pkt_srcaddr]).toContain(attacker);
    }
  });

  test("a result cut by the query's own LIMIT says so on stderr; a complete one does not", async () => {
    // GIVEN the port scanner, whose 1000 probes fill traffic-from-source's LIMIT 1000
    expect(fromSource(ATTACKERS.scanner).length).toBeGreaterThanOrEqual(1000);
    const run = (addr: string) =>
      runCli([
        'query',
        '--saved',
        'traffic-from-source',
        '--param',
        `source_addr=${addr}`,
        logs,
        '--format',
        'json',
        '--quiet',
      ]);
    const capped = await run(ATTACKERS.scanner);
    // THEN 1000 rows come back with a warning naming the limit
    expect(capped.code).toBe(0);
    expect(jsonLines(capped.stdout)).toHaveLength(1000);
    expect(capped.stderr).toContain("warning: 1000 rows is the saved query's own LIMIT 1000");
    // AND a source with fewer rows gets no warning
    expect((await run(ATTACKERS.bruteForcer)).stderr).toBe('');
  });

  test('--since/--until narrow the window to records starting in it', async () => {
    const attacker = ATTACKERS.bruteForcer;
    const attack = data.attacks.find((a) => a.keys.srcaddr === attacker)!;
    const since = attack.start + 60;
    const until = attack.start + 120;
    const expected = fromSource(attacker).filter(
      (r) => Number(r[START]) >= since && Number(r[START]) < until,
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(fromSource(attacker).length);
    const r = await runCli([
      'query',
      '--saved',
      'traffic-from-source',
      '--param',
      `source_addr=${attacker}`,
      '--since',
      iso(since),
      '--until',
      iso(until),
      logs,
      '--format',
      'json',
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    const rows = jsonLines(r.stdout);
    expect(rows).toHaveLength(expected.length);
    for (const row of rows) {
      const t = Date.parse(String(row.start_time)) / 1000;
      expect(t).toBeGreaterThanOrEqual(since);
      expect(t).toBeLessThan(until);
    }
  });

  test('a value is bound, not spliced: a quote in it matches nothing and breaks nothing', async () => {
    const r = await runCli([
      'query',
      '--saved',
      'traffic-to-destination',
      '--param',
      "destination_addr=x' OR '1'='1",
      logs,
      '--format',
      'json',
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  test('threat-intel-traffic with --threat-intel names the listed address and the local side', async () => {
    const exfil = data.attacks.find((a) => a.keys.dstaddr === ATTACKERS.exfilDrop)!;
    const list = join(dir, 'intel.txt');
    writeFileSync(list, `${ATTACKERS.exfilDrop}\n`);
    const r = await runCli([
      'query',
      '--saved',
      'threat-intel-traffic',
      '--threat-intel',
      list,
      logs,
      '--format',
      'json',
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    const rows = jsonLines(r.stdout);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.listed_addr).toBe(ATTACKERS.exfilDrop);
    expect(rows).toContainEqual(
      expect.objectContaining({ direction: 'to_listed', action: 'ACCEPT', local_addr: exfil.keys.srcaddr }),
    );
    // Without the list the same query finds nothing (the table is empty, not missing).
    const none = await runCli([
      'query',
      '--saved',
      'threat-intel-traffic',
      logs,
      '--format',
      'json',
      '--quiet',
    ]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
  });

  test.each([
    [['--saved', 'no-such-query'], /unknown saved query 'no-such-query' \(known: .*traffic-from-source/],
    [['--saved', 'traffic-from-source'], /needs --param source_addr=.*\(its params: source_addr\)/],
    [
      ['--saved', 'traffic-from-source', '--param', 'source_addr=1.2.3.4', '--param', 'port=22'],
      /has no parameter 'port' \(its params: source_addr\)/,
    ],
    [
      ['--saved', 'rejected-traffic', '--param', 'source_addr=1.2.3.4'],
      /has no parameter 'source_addr' \(it takes no --param\)/,
    ],
    [
      ['SELECT count(*) FROM flow_logs', '--saved', 'rejected-traffic'],
      /either SQL text or --saved <name>, not both/,
    ],
    [['SELECT count(*) FROM flow_logs', '--since', '2026-01-15'], /--since only applies to a saved query/],
  ])('usage error %j exits 2 with the reason', async (args, message) => {
    const r = await runCli(['query', ...args, logs]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('flowwatch queries / query --list-saved', () => {
  test('lists every saved query with its description and params', async () => {
    const shipped = loadSavedQueries();
    const r = await runCli(['queries']);
    expect(r.code).toBe(0);
    for (const q of shipped) {
      expect(r.stdout).toContain(`${q.name.replace(/^flowwatch-/, '')}  (Athena: ${q.name})`);
      for (const p of Object.keys(q.parameters)) expect(r.stdout).toContain(`--param ${p}=<value>`);
    }
    const again = await runCli(['query', '--list-saved']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(r.stdout);
  });

  test('--format json gives id, name, description and parameters', async () => {
    const r = await runCli(['queries', '--format', 'json']);
    expect(r.code).toBe(0);
    const listed = jsonLines(r.stdout);
    expect(listed.map((q) => q.name)).toEqual(loadSavedQueries().map((q) => q.name));
    expect(listed.find((q) => q.id === 'traffic-from-source')).toMatchObject({
      parameters: { source_addr: expect.any(String) },
    });
  });
});

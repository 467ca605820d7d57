import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateFlowLogs, type SynthResult } from '../../lib/local/synth';
import { jsonLines, readRecords, runCli } from './cli-helpers';

let dir: string;
let data: SynthResult;

beforeAll(async () => {
  // GIVEN a small generated data set
  dir = mkdtempSync(join(tmpdir(), 'fw-cli-query-'));
  data = await generateFlowLogs({ outDir: join(dir, 'logs'), hours: 1, recordsPerHour: 2000 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowwatch query', () => {
  test('--format json prints one object per row keyed by column name', async () => {
    // WHEN counting flows per action
    const r = await runCli([
      'query',
      'SELECT action, count(*) AS flows FROM flow_logs GROUP BY action ORDER BY action NULLS LAST',
      join(dir, 'logs'),
      '--format',
      'json',
    ]);
    // THEN the counts match the files, NODATA/SKIPDATA rows having no action
    expect(r.code).toBe(0);
    const rows = jsonLines(r.stdout);
    const records = readRecords(join(dir, 'logs'));
    const expected = ['ACCEPT', 'REJECT', null].map((a) => ({
      action: a,
      flows: records.filter((x) => (x[12] === '-' ? null : x[12]) === a).length,
    }));
    expect(rows).toEqual(expected);
    expect(rows.reduce((n, x) => n + (x.flows as number), 0)).toBe(data.records);
  });

  test('columns are the field names with - turned into _, and Trino functions work', async () => {
    const r = await runCli([
      'query',
      "SELECT log_status, pkt_dst_aws_service, flow_direction, traffic_path, from_unixtime(min(start)) AS first FROM flow_logs WHERE pkt_dst_aws_service = 'S3' GROUP BY 1, 2, 3, 4",
      join(dir, 'logs'),
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    const rows = jsonLines(r.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      log_status: 'OK',
      pkt_dst_aws_service: 'S3',
      flow_direction: 'egress',
      traffic_path: 7,
    });
    expect(String(rows[0]!.first)).toMatch(/^2026-01-15/);
  });

  test('--fields gives the field order of headerless files (AWS format string or a plain list)', async () => {
    // GIVEN a headerless text file in a custom field order, with a byte count above 2^53
    const file = join(dir, 'custom.log');
    writeFileSync(
      file,
      [
        '1768464000 1768464060 10.0.0.5 203.0.113.7 ACCEPT 9007199254740993 OK',
        '1768464010 1768464070 10.0.0.6 - REJECT - OK',
        '',
      ].join('\n'),
    );
    const sql = 'SELECT srcaddr, dstaddr, action, bytes, start FROM flow_logs ORDER BY start';
    for (const fields of [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: AWS's own ${field} format string
      '${start} ${end} ${srcaddr} ${dstaddr} ${action} ${bytes} ${log-status}',
      'start end srcaddr dstaddr action bytes log-status',
    ]) {
      // WHEN
      const r = await runCli(['query', sql, file, '--fields', fields, '--format', 'json']);
      // THEN values land in the named columns, '-' is NULL, big integers stay exact
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('"bytes":9007199254740993');
      expect(jsonLines(r.stdout).map((x) => [x.srcaddr, x.dstaddr, x.action])).toEqual([
        ['10.0.0.5', '203.0.113.7', 'ACCEPT'],
        ['10.0.0.6', null, 'REJECT'],
      ]);
    }
  });

  test('table format shows a header and a row count', async () => {
    const r = await runCli(['query', 'SELECT count(*) AS n FROM flow_logs', join(dir, 'logs')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`n\n${data.records}\n(1 row)\n`);
  });

  test('a SQL error exits 2 with the engine message', async () => {
    const r = await runCli(['query', 'SELECT no_such_column FROM flow_logs', join(dir, 'logs')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no_such_column');
  });
});

describe('flowwatch detections', () => {
  test('lists every shipped detection with severity, schedule and MITRE id', async () => {
    const r = await runCli(['detections']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^ID\s+SEVERITY\s+SCHEDULE\s+LOOKBACK\s+MITRE\s+TITLE$/);
    expect(r.stdout).toMatch(/^port-scan\s+medium\s+rate\(15 minutes\)\s+15m\s+T1046/m);
  });

  test('--format json agrees with the files in sql/detections', async () => {
    const { loadDetections } = await import('../../lib/detection/registry');
    const r = await runCli(['detections', '--format', 'json']);
    expect(r.code).toBe(0);
    const listed = jsonLines(r.stdout);
    const shipped = loadDetections();
    expect(listed.map((d) => d.id)).toEqual(shipped.map((d) => d.meta.id));
    for (const d of shipped) {
      const l = listed.find((x) => x.id === d.meta.id)!;
      expect(l).toMatchObject({
        severity: d.meta.severity,
        schedule: d.meta.schedule,
        mitre: d.meta.mitre.map((m) => m.technique),
      });
    }
  });
});

describe('flowwatch help and version', () => {
  test('--help lists the four commands and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['scan', 'demo', 'detections', 'query']) expect(r.stdout).toContain(c);
  });

  test('an unknown command exits 2', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });
});

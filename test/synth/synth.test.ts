import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { FLOWWATCH_FIELDS } from '../../lib/detection/fields';
import { ATTACK_KINDS, ATTACKERS, generateFlowLogs, type SynthResult } from '../../lib/local/synth';

const FILE_RE =
  /^AWSLogs\/(\d{12})\/vpcflowlogs\/([a-z0-9-]+)\/(\d{4})\/(\d\d)\/(\d\d)\/(\d\d)\/(\d{12})_vpcflowlogs_([a-z0-9-]+)_fl-[0-9a-f]{17}_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)Z_[0-9a-f]{8}\.log\.gz$/;
const DOC_RANGES = /(^|\s)(192\.0\.2|198\.51\.100|203\.0\.113)\./;

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fw-synth-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function lines(file: string): string[] {
  return gunzipSync(readFileSync(file)).toString('utf8').split('\n').slice(0, -1);
}

function digest(r: SynthResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of r.files)
    out[relative(r.outDir, f)] = createHash('sha256').update(readFileSync(f)).digest('hex');
  return out;
}

describe('generateFlowLogs', () => {
  let data: SynthResult;
  beforeAll(async () => {
    // GIVEN two accounts x two regions, three hours crossing midnight, every attack
    data = await generateFlowLogs({
      outDir: join(root, 'a'),
      start: new Date('2026-03-01T22:00:00Z'),
      hours: 3,
      recordsPerHour: 3000,
      accounts: ['111122223333', '444455556666'],
      regions: ['us-east-1', 'eu-west-1'],
    });
  });

  test('writes the AWS S3 layout: account/region/yyyy/MM/dd/HH, AWS file names, .log.gz', () => {
    const streams = new Set<string>();
    for (const f of data.files) {
      const rel = relative(data.outDir, f).split(sep).join('/');
      const m = FILE_RE.exec(rel);
      expect(m).not.toBeNull();
      const [, acct, region, y, mo, d, h, acct2, region2, fy, fmo, fd, fh] = m!;
      expect(acct2).toBe(acct);
      expect(region2).toBe(region);
      // The folder is the hour of the file's delivery timestamp.
      expect([fy, fmo, fd, fh]).toEqual([y, mo, d, h]);
      streams.add(`${acct}/${region}`);
    }
    expect([...streams].sort()).toEqual([
      '111122223333/eu-west-1',
      '111122223333/us-east-1',
      '444455556666/eu-west-1',
      '444455556666/us-east-1',
    ]);
    // One file per 5-minute slot per (account, region); the last slots spill into the next day.
    expect(data.files).toHaveLength(3 * 12 * 4);
    expect(data.files.some((f) => f.includes(`${sep}2026${sep}03${sep}02${sep}01${sep}`))).toBe(true);
  });

  test('every file starts with the v5 header; every record has the 29 fields', () => {
    let records = 0;
    for (const f of data.files) {
      const [header, ...rest] = lines(f);
      expect(header).toBe(FLOWWATCH_FIELDS.join(' '));
      for (const l of rest) expect(l.split(' ')).toHaveLength(29);
      records += rest.length;
    }
    expect(FLOWWATCH_FIELDS).toHaveLength(29);
    expect(records).toBe(data.records);
    expect(data.records).toBe(data.backgroundRecords + data.attackRecords);
    expect(data.backgroundRecords).toBe(3 * 3000);
  });

  test('records are delivered after they end, into their end hour or the next, never later', () => {
    const problems: string[] = [];
    for (const f of data.files) {
      const m = /_(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)Z_/.exec(f)!;
      const delivered = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!) / 1000;
      const hour = Math.floor(delivered / 3600);
      for (const l of lines(f).slice(1)) {
        const v = l.split(' ');
        const start = Number(v[10]);
        const end = Number(v[11]);
        // The name has minute precision, so "after" allows the minute the file was written in.
        if (!(end > start && delivered + 60 > end))
          problems.push(`${f}: delivered before the record ended: ${l}`);
        if (hour < Math.floor(end / 3600) || hour > Math.floor(start / 3600) + 1)
          problems.push(`${f}: record filed in the wrong hour: ${l}`);
        // Account and region columns agree with the path.
        if (!f.includes(`${sep}${v[1]}${sep}vpcflowlogs${sep}${v[21]}${sep}`))
          problems.push(`${f}: wrong folder for ${l}`);
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });

  test('the manifest lists every attack once, and the injected records are exactly the attack records', () => {
    expect(data.attacks.map((a) => a.detection).sort()).toEqual([...ATTACK_KINDS].sort());
    let attackLines = 0;
    for (const f of data.files)
      for (const l of lines(f).slice(1)) {
        const v = l.split(' ');
        if (v[13] === 'SKIPDATA' || DOC_RANGES.test(` ${v[3]} ${v[4]}`)) {
          attackLines++;
          const start = Number(v[10]);
          // Each injected record lies inside the time span of an attack in its account and region.
          expect(
            data.attacks.some(
              (a) => a.account === v[1] && a.region === v[21] && start >= a.start && start < a.end,
            ),
          ).toBe(true);
        }
      }
    expect(attackLines).toBe(data.attackRecords);
    expect(data.attacks.reduce((n, a) => n + a.records, 0)).toBe(data.attackRecords);
    // Attacks are spread over the accounts and regions.
    expect(new Set(data.attacks.map((a) => `${a.account}/${a.region}`)).size).toBe(4);
    const ssh = data.attacks.find((a) => a.detection === 'ssh-rdp-from-internet')!;
    expect(ssh.keys).toMatchObject({ srcaddr: ATTACKERS.sshClient, dstport: 22 });
  });

  test('background is SKIP-free, uses ELB ENIs without instance-id for the ALB and has NODATA', () => {
    const all = data.files.flatMap((f) =>
      lines(f)
        .slice(1)
        .map((l) => l.split(' ')),
    );
    const bg = all.filter((v) => v[13] !== 'SKIPDATA' && !DOC_RANGES.test(` ${v[3]} ${v[4]}`));
    expect(bg.some((v) => v[13] === 'SKIPDATA')).toBe(false);
    expect(bg.some((v) => v[13] === 'NODATA')).toBe(true);
    const toAlb = bg.filter(
      (v) => v[6] === '443' && v[27] === 'ingress' && !v[4]!.includes(':') && v[4]!.endsWith('.10'),
    );
    expect(toAlb.length).toBeGreaterThan(0);
    for (const v of toAlb) expect(v[16]).toBe('-');
    // IPv6 clients, S3 through a gateway endpoint (AWS service fields), UDP DNS.
    expect(bg.some((v) => v[18] === 'IPv6')).toBe(true);
    expect(bg.some((v) => v[26] === 'S3' && v[28] === '7')).toBe(true);
    expect(bg.some((v) => v[6] === '53' && v[7] === '17')).toBe(true);
  });
});

describe('determinism and options', () => {
  test('the same seed writes byte-identical files; another seed does not', async () => {
    const opts = { hours: 1, recordsPerHour: 1500 };
    const a = await generateFlowLogs({ outDir: join(root, 'd1'), ...opts });
    const b = await generateFlowLogs({ outDir: join(root, 'd2'), ...opts });
    const c = await generateFlowLogs({ outDir: join(root, 'd3'), ...opts, seed: 2 });
    expect(digest(b)).toEqual(digest(a));
    expect(b.attacks).toEqual(a.attacks);
    expect(digest(c)).not.toEqual(digest(a));
  });

  test('totalRecords sets the background size; attacks: false injects nothing', async () => {
    const r = await generateFlowLogs({
      outDir: join(root, 'quiet'),
      hours: 2,
      totalRecords: 1234,
      attacks: false,
    });
    expect(r.attacks).toEqual([]);
    expect(r.records).toBe(1234);
    const text = r.files.map((f) => lines(f).slice(1).join('\n')).join('\n');
    expect(text).not.toMatch(/SKIPDATA/);
    expect(text).not.toMatch(DOC_RANGES);
  });

  test('a list of attacks injects only those', async () => {
    const r = await generateFlowLogs({
      outDir: join(root, 'one'),
      totalRecords: 100,
      attacks: ['port-scan'],
    });
    expect(r.attacks.map((a) => a.detection)).toEqual(['port-scan']);
    expect(r.attacks[0]!.alsoDetectedBy).toEqual(['rejected-connections']);
  });

  test.each([
    [{ accounts: ['1', '2', '3'] }, 'accounts must list 1 or 2'],
    [{ accounts: ['12345'] }, "account id '12345' is not 12 digits"],
    [{ hours: 0 }, 'hours must be an integer'],
    [{ recordsPerHour: -5 }, 'recordsPerHour must be a non-negative integer'],
    [{ attacks: ['nope'] }, "unknown attack 'nope'"],
    [{ regions: ['moon'] }, "invalid AWS region 'moon'"],
  ])('rejects bad options %j', async (bad, message) => {
    await expect(generateFlowLogs({ outDir: join(root, 'bad'), ...(bad as object) })).rejects.toThrow(
      message,
    );
  });

  test('parquetDir writes the same records as Parquet, typed and named like the Glue table', async () => {
    const r = await generateFlowLogs({
      outDir: join(root, 'pt'),
      parquetDir: join(root, 'pq'),
      hours: 1,
      recordsPerHour: 1000,
    });
    expect(r.parquetFiles).toHaveLength(r.files.length);
    for (const [i, p] of r.parquetFiles.entries())
      expect(relative(join(root, 'pq'), p)).toBe(
        relative(join(root, 'pt'), r.files[i]!).replace('.log.gz', '.log.parquet'),
      );
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const glob = join(root, 'pq', 'AWSLogs', '**', '*.parquet');
      const count = await conn.runAndReadAll(
        'SELECT count(*)::INTEGER AS n, sum(bytes)::VARCHAR AS b FROM read_parquet($1)',
        [glob],
      );
      const textBytes = r.files
        .flatMap((f) => lines(f).slice(1))
        .reduce((n, l) => n + BigInt(l.split(' ')[9] === '-' ? 0 : l.split(' ')[9]!), 0n);
      expect(count.getRowObjectsJson()[0]).toEqual({ n: r.records, b: textBytes.toString() });
      const cols = await conn.runAndReadAll(
        'SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($1))',
        [glob],
      );
      const types = Object.fromEntries(cols.getRows().map(([n, t]) => [String(n), String(t)]));
      expect(types).toMatchObject({
        account_id: 'VARCHAR',
        bytes: 'BIGINT',
        dstport: 'INTEGER',
        log_status: 'VARCHAR',
        traffic_path: 'INTEGER',
      });
      expect(Object.keys(types)).toHaveLength(29);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});

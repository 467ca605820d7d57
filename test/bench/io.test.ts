import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { dtOfPath, gzipUncompressedSize, listFiles, totalBytes } from '../../bench/files';
import { argBatches, parquetColumnBytes, parquetFileBytes, parquetFloor, zcatFloor } from '../../bench/floor';
import { aggregateFiles, NaiveAggregator } from '../../bench/naive-baseline';
import { GNU_TIME, median, parseGnuTimeReport, runMeasured } from '../../bench/proc';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fw-bench-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const rec = (src: string, action: string, status = 'OK') =>
  `2 123456789012 eni-1 ${src} 10.0.0.1 1234 22 6 1 60 1700000000 1700000060 ${action} ${status}`;

describe('file helpers', () => {
  it('reads the uncompressed size from the gzip trailer and lists files by suffix', () => {
    // GIVEN a gzip of a known text in an hourly AWS folder, and an unrelated file
    const sub = join(dir, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/01/15/08');
    mkdirSync(sub, { recursive: true });
    const text = `${HEADER}\n${rec('1.2.3.4', 'REJECT')}\n`;
    writeFileSync(join(sub, 'a.log.gz'), gzipSync(text));
    writeFileSync(join(sub, 'notes.txt'), 'x');
    // WHEN listed and measured THEN only the .log.gz is found and its size is the text's length
    const files = listFiles(dir, ['.log.gz']);
    expect(files).toEqual([join(sub, 'a.log.gz')]);
    expect(gzipUncompressedSize(files[0]!)).toBe(Buffer.byteLength(text));
    expect(totalBytes(files)).toBeGreaterThan(18);
    expect(() => gzipUncompressedSize(join(sub, 'notes.txt'))).toThrow(/notes\.txt: too short/);
  });

  it('derives the dt partition from both AWS layouts', () => {
    expect(dtOfPath('/x/AWSLogs/1/vpcflowlogs/eu-west-1/2026/01/15/08/f.log.gz')).toBe('2026/01/15/08');
    expect(dtOfPath('/x/AWSLogs/1/vpcflowlogs/eu-west-1/2026/01/15/f.log.gz')).toBe('2026/01/15');
    expect(
      dtOfPath(
        '/x/AWSLogs/aws-account-id=1/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=01/day=15/hour=08/f.parquet',
      ),
    ).toBe('2026/01/15/08');
    expect(dtOfPath('/x/f.log.gz')).toBeUndefined();
  });

  it('splits long file lists into bounded command lines', () => {
    const b = argBatches(['aaaa', 'bbbb', 'cccc'], 10);
    expect(b).toEqual([['aaaa', 'bbbb'], ['cccc']]);
  });
});

describe('naive baseline', () => {
  it('counts OK REJECT flows per source, following a repeated header with another field order', async () => {
    // GIVEN one file whose second half has a header with srcaddr and action in other positions
    const reordered = 'action log-status srcaddr version';
    const text = [
      HEADER,
      rec('1.1.1.1', 'REJECT'),
      rec('1.1.1.1', 'ACCEPT'),
      rec('2.2.2.2', 'REJECT', 'SKIPDATA'),
      reordered,
      'REJECT OK 1.1.1.1 2',
      'REJECT OK 3.3.3.3 2',
    ].join('\n');
    const f = join(dir, 'naive.log.gz');
    writeFileSync(f, gzipSync(`${text}\n`));
    // WHEN aggregated with a threshold of 2
    const agg = await aggregateFiles([f]);
    // THEN 5 records, 3 counted rejections, one source at the threshold
    expect(agg.result(2)).toEqual({ records: 5, rejected: 3, sources: 2, reported: 1 });
    expect(agg.counts.get('1.1.1.1')).toBe(2);
  });

  it('names the line when data comes before any header', () => {
    expect(() => new NaiveAggregator().line(rec('1.1.1.1', 'REJECT'), 'f.log:1')).toThrow(
      /f\.log:1: data before any header line/,
    );
    const a = new NaiveAggregator();
    expect(() => a.line('version srcaddr', 'f.log:1')).toThrow(/f\.log:1: header lacks/);
  });
});

describe('process measurement', () => {
  const hog = 'const b=Buffer.alloc(96*1024*1024,1);setTimeout(()=>console.log(b[5]),400)';

  it('parses the peak RSS from GNU time -v output and keeps the child stderr apart', () => {
    const stderr =
      'child says hi\n\tCommand being timed: "node x"\n\tMaximum resident set size (kbytes): 123456\n\tExit status: 0\n';
    expect(parseGnuTimeReport(stderr)).toEqual({
      peakRssBytes: 123456 * 1024,
      childStderr: 'child says hi\n',
    });
  });

  it('reads the peak RSS of a child that touches 96 MiB, by /proc polling', async () => {
    // GIVEN a child that fills 96 MiB and lives a while WHEN measured without GNU time
    const r = await runMeasured(process.execPath, ['-e', hog], { useGnuTime: false });
    // THEN its high-water mark is at least the buffer it filled
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('1');
    expect(r.rssSource).toBe('proc-vmhwm');
    expect(r.peakRssBytes).toBeGreaterThanOrEqual(96 * 1024 * 1024);
  });

  (existsSync(GNU_TIME) ? it : it.skip)('reads the same through GNU time -v', async () => {
    const r = await runMeasured(process.execPath, ['-e', hog]);
    expect(r.rssSource).toBe('gnu-time');
    expect(r.peakRssBytes).toBeGreaterThanOrEqual(96 * 1024 * 1024);
    expect(r.stderr).not.toMatch(/Maximum resident/);
  });

  it('reports a failing command with its exit code', async () => {
    const r = await runMeasured(process.execPath, ['-e', 'process.exit(3)']);
    expect(r.exitCode).toBe(3);
  });

  it('takes the median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});

describe('floors', () => {
  it('decompresses with zcat', async () => {
    const f = join(dir, 'z.log.gz');
    writeFileSync(f, gzipSync(`${HEADER}\n`));
    const t = await zcatFloor([f]);
    expect(t.wallMs).toBeGreaterThan(0);
    await expect(zcatFloor([join(dir, 'missing.gz')])).rejects.toThrow(/zcat .*exited/);
  });

  it('counts Parquet rows and reads per-column compressed sizes from the footers', async () => {
    // GIVEN a Parquet file of 1000 rows with a small and a wide column
    const f = join(dir, 'p.parquet');
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    try {
      await conn.run(
        'COPY (SELECT (range % 7)::INTEGER AS dstport, md5(range::VARCHAR) AS srcaddr FROM range(1000)) TO $1 (FORMAT parquet)',
        [f],
      );
      // WHEN the floors run and the footers are read
      const floor = await parquetFloor(conn, [f], ['dstport', 'srcaddr']);
      const cols = await parquetColumnBytes(conn, [f]);
      const perFile = await parquetFileBytes(conn, [f]);
      // THEN the row count is exact and the wide column weighs more than the small one
      expect(floor.rows).toBe(1000);
      expect(cols.get('srcaddr')!).toBeGreaterThan(cols.get('dstport')!);
      expect(perFile.get(f)!.get('srcaddr')).toBe(cols.get('srcaddr'));
      await expect(parquetFloor(conn, [f], ['bad name'])).rejects.toThrow(/bad column name/);
    } finally {
      conn.closeSync();
      inst.closeSync();
    }
  });
});

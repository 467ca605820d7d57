import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { constants, gzipSync } from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parseFieldList } from '../../lib/detection/fields';
import { findFlowLogFiles, InputError, loadFlowLogs } from '../../lib/local/loader';
import { openDb, rows, tempDir, V2_HEADER, v2Line } from './helpers';

let conn: DuckDBConnection;
let close: () => void;
let tmp: ReturnType<typeof tempDir>;
beforeEach(async () => {
  ({ conn, close } = await openDb());
  tmp = tempDir('loader');
});
afterEach(() => {
  close();
  tmp.remove();
});

const count = async (where = 'true') =>
  Number((await rows(conn, `SELECT count(*) AS n FROM flow_logs WHERE ${where}`))[0].n);

/** n distinct v2 lines (srcport = 1000 + i) so tests can tell which lines loaded. */
const lines = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => v2Line({ srcport: 1000 + from + i }));

describe('AWS S3 layouts give the partition columns', () => {
  test('plain and Hive-compatible, daily and hourly, and a file outside any layout', async () => {
    // GIVEN the same record (start = 2023-11-14T22:13:20Z) in each layout
    const body = `${V2_HEADER}\n${v2Line({ account: '999999999999', start: 1700000000 })}\n`;
    const p = {
      plainDaily:
        'AWSLogs/111111111111/vpcflowlogs/eu-west-1/2024/03/05/111111111111_vpcflowlogs_eu-west-1_fl-1_20240305T0000Z_a.log.gz',
      plainHourly:
        'AWSLogs/222222222222/vpcflowlogs/us-east-2/2024/03/05/07/222222222222_vpcflowlogs_us-east-2_fl-1_20240305T0700Z_b.log.gz',
      hiveDaily:
        'prefix/AWSLogs/aws-account-id=333333333333/aws-service=vpcflowlogs/aws-region=ap-south-1/year=2024/month=03/day=06/c.log.gz',
      hiveHourly:
        'AWSLogs/aws-account-id=444444444444/aws-service=vpcflowlogs/aws-region=us-gov-west-1/year=2024/month=3/day=7/hour=9/d.log.gz',
      loose: 'elsewhere/e.log',
    };
    for (const [k, rel] of Object.entries(p)) tmp.write(rel, body, k !== 'loose');
    // WHEN the whole tree is loaded
    const report = await loadFlowLogs(conn, [tmp.dir]);
    expect(report).toMatchObject({ files: 5, rows: 5, skippedLines: 0, issues: [], corruptFiles: [] });
    // THEN account/region come from the path in AWS layouts, dt from the path only when hourly
    const got = await rows(
      conn,
      'SELECT aws_account_id, aws_region, dt FROM flow_logs ORDER BY aws_account_id',
    );
    expect(got).toEqual([
      { aws_account_id: '111111111111', aws_region: 'eu-west-1', dt: '2023/11/14/22' },
      { aws_account_id: '222222222222', aws_region: 'us-east-2', dt: '2024/03/05/07' },
      { aws_account_id: '333333333333', aws_region: 'ap-south-1', dt: '2023/11/14/22' },
      { aws_account_id: '444444444444', aws_region: 'us-gov-west-1', dt: '2024/03/07/09' },
      // outside a layout: the record's account id, no region in v2, dt from start
      { aws_account_id: '999999999999', aws_region: null, dt: '2023/11/14/22' },
    ]);
  });
});

describe('values', () => {
  test('bytes/packets/start/end beyond 2^31 and 2^53 are exact; - is NULL; unknown account kept', async () => {
    // GIVEN a line with 64-bit counters and one with `unknown` account and `-` values
    const big = v2Line({
      packets: '3000000000',
      bytes: '9007199254740993',
      start: '4102444800',
      end: '4102444859',
    });
    const unknown = v2Line({ account: 'unknown', srcaddr: '-', srcport: '-', bytes: '-' });
    tmp.write('a.log', `${big}\n${unknown}\n`);
    const report = await loadFlowLogs(conn, [tmp.dir]);
    expect(report).toMatchObject({ rows: 2, skippedLines: 0 });
    // THEN
    const got = await rows(
      conn,
      'SELECT account_id, srcaddr, srcport, packets, bytes, start, "end", dt FROM flow_logs ORDER BY account_id',
    );
    expect(got[0]).toEqual({
      account_id: '123456789012',
      srcaddr: '10.0.0.1',
      srcport: 49152,
      packets: 3000000000n,
      bytes: 9007199254740993n,
      start: 4102444800n,
      end: 4102444859n,
      dt: '2100/01/01/00',
    });
    expect(got[1]).toMatchObject({
      account_id: 'unknown',
      srcaddr: null,
      srcport: null,
      bytes: null,
      packets: 10n,
    });
  });

  test('headerless files take the --fields order (an AWS format string)', async () => {
    // GIVEN a custom format and a file without header
    const fields = parseFieldList(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: AWS's literal format-string syntax
      '${instance-id} ${srcaddr} ${dstaddr} ${dstport} ${bytes} ${start} ${action}',
    );
    tmp.write(
      'custom.log.gz',
      'i-0abc 10.0.0.5 8.8.8.8 53 5000000000 1700003600 ACCEPT\n- 10.0.0.6 1.1.1.1 - - 1700003600 REJECT\n',
      true,
    );
    const report = await loadFlowLogs(conn, [tmp.dir], { fields });
    expect(report).toMatchObject({ rows: 2, skippedLines: 0, issues: [] });
    const got = await rows(
      conn,
      'SELECT instance_id, srcaddr, dstaddr, dstport, bytes, start, action, version, dt FROM flow_logs ORDER BY srcaddr',
    );
    expect(got).toEqual([
      {
        instance_id: 'i-0abc',
        srcaddr: '10.0.0.5',
        dstaddr: '8.8.8.8',
        dstport: 53,
        bytes: 5000000000n,
        start: 1700003600n,
        action: 'ACCEPT',
        version: null,
        dt: '2023/11/14/23',
      },
      {
        instance_id: null,
        srcaddr: '10.0.0.6',
        dstaddr: '1.1.1.1',
        dstport: null,
        bytes: null,
        start: 1700003600n,
        action: 'REJECT',
        version: null,
        dt: '2023/11/14/23',
      },
    ]);
  });
});

describe('headers mid-file', () => {
  const orderB =
    'srcaddr dstaddr bytes packets version account-id interface-id srcport dstport protocol start end action log-status';
  const lineB = (srcport: number) =>
    `10.9.9.9 52.9.9.9 6000000000 7 2 123456789012 eni-b ${srcport} 22 6 1700000000 1700000060 REJECT OK`;

  test.each([
    ['plain', false],
    ['gzip', true],
  ])(
    '%s: a header with a new field order applies to the lines after it; identical repeats are dropped',
    async (_n, gz) => {
      // GIVEN a concatenation: v2 header + 2 lines, header B + 1 line, header B again + 1 line, v2 header + 1 line
      const body = [
        V2_HEADER,
        ...lines(2),
        orderB,
        lineB(7001),
        orderB,
        lineB(7002),
        V2_HEADER,
        ...lines(1, 2),
      ].join('\n');
      const f = tmp.write(`concat.log${gz ? '.gz' : ''}`, `${body}\n`, gz);
      // AND a normal file in the same group, which must load once (not twice) through the fast path
      tmp.write(`normal.log${gz ? '.gz' : ''}`, `${V2_HEADER}\n${lines(3, 10).join('\n')}\n`, gz);
      // WHEN
      const report = await loadFlowLogs(conn, [tmp.dir]);
      // THEN nothing is skipped and each line's values are in the columns its header names
      expect(report).toMatchObject({ files: 2, rows: 8, skippedLines: 0, issues: [], corruptFiles: [] });
      const got = await rows(
        conn,
        'SELECT srcaddr, bytes, packets, interface_id, srcport FROM flow_logs ORDER BY srcport',
      );
      expect(got.map((r) => r.srcport)).toEqual([1000, 1001, 1002, 1010, 1011, 1012, 7001, 7002]);
      expect(got[6]).toEqual({
        srcaddr: '10.9.9.9',
        bytes: 6000000000n,
        packets: 7n,
        interface_id: 'eni-b',
        srcport: 7001,
      });
      expect(got[2]).toEqual({
        srcaddr: '10.0.0.1',
        bytes: 1000n,
        packets: 10n,
        interface_id: 'eni-0123456789abcdef0',
        srcport: 1002,
      });
      expect(f).toContain('concat');
    },
  );
});

describe('bad input: skipped, reported with file and line, counted; good lines still load', () => {
  test('wrong number of fields, non-numeric port, 32-bit overflow', async () => {
    // GIVEN a header, 2 good lines, then three broken ones among good ones
    const body = [
      V2_HEADER,
      v2Line({ srcport: 1 }),
      v2Line({ srcport: 2 }),
      `${v2Line({ srcport: 3 })} extra`, // line 4: 15 fields
      v2Line({ dstport: 'https' }), // line 5
      v2Line({ srcport: 5 }),
      v2Line({ srcport: '99999999999' }), // line 7: does not fit INTEGER
      '2 123456789012 eni-x 10.0.0.1', // line 8: 4 fields
      v2Line({ srcport: 9 }),
    ].join('\n');
    const f = tmp.write(
      'AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/02/bad.log.gz',
      `${body}\n`,
      true,
    );
    const report = await loadFlowLogs(conn, [tmp.dir]);
    // THEN
    expect(report).toMatchObject({ files: 1, rows: 4, skippedLines: 4, corruptFiles: [] });
    expect(report.issues.map((i) => [i.file, i.line])).toEqual([
      [f, 4],
      [f, 5],
      [f, 7],
      [f, 8],
    ]);
    expect(report.issues[0].message).toBe(`${f}:4: wrong number of fields: expected 14, found 15`);
    expect(report.issues[1].message).toBe(`${f}:5: invalid value 'https' for numeric field dstport`);
    expect(report.issues[2].message).toBe(
      `${f}:7: value '99999999999' out of range for field srcport (32-bit integer)`,
    );
    expect(report.issues[3].message).toBe(`${f}:8: wrong number of fields: expected 14, found 4`);
    expect(
      (await rows(conn, 'SELECT srcport FROM flow_logs ORDER BY srcport')).map((r) => r.srcport),
    ).toEqual([1, 2, 5, 9]);
  });

  test('a corrupt gzip keeps the lines before the damage; the other files in its group load', async () => {
    // GIVEN a gzip large enough for several deflate blocks, with a byte flipped in the middle
    const n = 40000;
    const good = gzipSync(`${V2_HEADER}\n${lines(n).join('\n')}\n`);
    const broken = Buffer.from(good);
    broken[Math.floor(broken.length / 2)] ^= 0xff;
    const bad = tmp.write('a-corrupt.log.gz', broken);
    tmp.write('b-good.log.gz', `${V2_HEADER}\n${lines(5, 100000).join('\n')}\n`, true);
    // WHEN
    const report = await loadFlowLogs(conn, [tmp.dir]);
    // THEN the file is reported corrupt, by name, and a prefix of its lines is loaded
    expect(report.corruptFiles).toEqual([bad]);
    const escaped = bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(report.issues.map((i) => i.message)).toContainEqual(
      expect.stringMatching(new RegExp(`^${escaped}: corrupt or truncated gzip`)),
    );
    // the lines before the damage load; bytes decoded wrongly just before the break may make
    // a few malformed lines (skipped and reported like any other), never a shuffled order
    const ports = (
      await rows(conn, 'SELECT srcport FROM flow_logs WHERE srcport < 100000 ORDER BY srcport')
    ).map((r) => Number(r.srcport));
    expect(ports.length).toBeGreaterThan(1000);
    expect(ports.length).toBeLessThan(n);
    expect(ports.slice(0, 1000)).toEqual(Array.from({ length: 1000 }, (_, i) => 1000 + i));
    const kept = ports.length;
    expect(await count('srcport >= 100000')).toBe(5);
    expect(report.files).toBe(2);
    expect(report.rows).toBe(kept + 5);
  });

  test('a truncated gzip is reported and keeps its complete lines', async () => {
    // GIVEN a gzip cut short in the middle of its data
    const n = 20000;
    const whole = gzipSync(`${V2_HEADER}\n${lines(n).join('\n')}\n`);
    const cut = tmp.write('trunc.log.gz', whole.subarray(0, Math.floor(whole.length * 0.6)));
    const report = await loadFlowLogs(conn, [cut]);
    // THEN
    expect(report.corruptFiles).toEqual([cut]);
    expect(
      report.issues.some(
        (i) => i.file === cut && /^.*trunc\.log\.gz: corrupt or truncated gzip/.test(i.message),
      ),
    ).toBe(true);
    const kept = await count();
    expect(kept).toBe(report.rows);
    expect(kept).toBeGreaterThan(n / 4);
    expect(kept).toBeLessThan(n);
    const ports = (await rows(conn, 'SELECT srcport FROM flow_logs ORDER BY srcport')).map((r) => r.srcport);
    expect(ports).toEqual(Array.from({ length: kept }, (_, i) => 1000 + i));
  });

  test('a gzip cut exactly at a line boundary is still reported (trailer check)', async () => {
    // GIVEN a deflate stream sync-flushed after the last line but never finished: no final
    // block, no CRC/size trailer — every line is complete, so no line is rejected
    const n = 5000;
    const body = `${V2_HEADER}\n${lines(n).join('\n')}\n`;
    const cut = tmp.write('cut.log.gz', gzipSync(body, { finishFlush: constants.Z_SYNC_FLUSH }));
    tmp.write('whole.log.gz', body, true);
    const report = await loadFlowLogs(conn, [tmp.dir]);
    // THEN all its lines load and the file is reported as truncated
    expect(report).toMatchObject({ files: 2, rows: 2 * n, skippedLines: 0, corruptFiles: [cut] });
    expect(report.issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/cut\.log\.gz: corrupt or truncated gzip \(unexpected end of file\)/),
    ]);
  });

  test('a header naming an unknown field: clear issue naming file and field, file skipped, others load', async () => {
    const bad = tmp.write(
      'a.log',
      `version account-id interface-id srcaddr dstaddr bogus-field\n2 1 eni-1 1.1.1.1 2.2.2.2 x\n`,
    );
    tmp.write('b.log', `${V2_HEADER}\n${v2Line()}\n`);
    const report = await loadFlowLogs(conn, [tmp.dir]);
    expect(report).toMatchObject({ files: 1, rows: 1, corruptFiles: [] });
    expect(report.issues).toEqual([
      {
        file: bad,
        line: 1,
        message: `${bad}:1: header line has unknown flow log field 'bogus-field'; file skipped`,
      },
    ]);
  });

  test('a mid-file header with an unknown field: lines up to the next valid header skipped, counted, reported', async () => {
    // GIVEN good lines, a header naming a bogus field, two lines under it, the v2 header again, one line
    const body = [
      V2_HEADER,
      ...lines(2),
      'version srcaddr colour',
      '2 1.1.1.1 red',
      '2 1.1.1.2 blue',
      V2_HEADER,
      ...lines(1, 5),
    ];
    const f = tmp.write('mixed.log', `${body.join('\n')}\n`);
    const report = await loadFlowLogs(conn, [f]);
    // THEN the lines under the bad header are skipped and the issue names file, line and field
    expect(report).toMatchObject({ files: 1, rows: 3, skippedLines: 2, corruptFiles: [] });
    expect(report.issues).toEqual([
      {
        file: f,
        line: 4,
        message: `${f}:4: header line has unknown flow log field 'colour'; lines up to the next valid header are skipped`,
      },
    ]);
    expect(
      (await rows(conn, 'SELECT srcport FROM flow_logs ORDER BY srcport')).map((r) => r.srcport),
    ).toEqual([1000, 1001, 1005]);
  });

  test('compression is judged by content, not name; CRLF and blank lines are fine', async () => {
    // GIVEN gzip data named .log, plain text named .log.gz, and a CRLF file with a blank line
    tmp.write('gz-named-plain.log', `${V2_HEADER}\n${v2Line({ srcport: 1 })}\n`, true);
    tmp.write('plain-named-gz.log.gz', `${V2_HEADER}\n${v2Line({ srcport: 2 })}\n`);
    tmp.write('crlf.log', `${V2_HEADER}\r\n${v2Line({ srcport: 3 })}\r\n\r\n${v2Line({ srcport: 4 })}\r\n`);
    const report = await loadFlowLogs(conn, [tmp.dir]);
    expect(report).toMatchObject({ files: 3, rows: 4, skippedLines: 0, issues: [], corruptFiles: [] });
    expect(await rows(conn, 'SELECT srcport, log_status FROM flow_logs ORDER BY srcport')).toEqual(
      [1, 2, 3, 4].map((srcport) => ({ srcport, log_status: 'OK' })),
    );
  });

  test('the stored issue list is capped but the skipped count is not', async () => {
    const body = [V2_HEADER, ...Array.from({ length: 1500 }, () => 'garbage 1 2'), v2Line()].join('\n');
    tmp.write('many.log', `${body}\n`);
    const report = await loadFlowLogs(conn, [tmp.dir]);
    expect(report.skippedLines).toBe(1500);
    expect(report.rows).toBe(1);
    expect(report.issues.length).toBeLessThanOrEqual(1001);
    expect(report.issues.length).toBeGreaterThanOrEqual(1000);
    expect(report.issues[0].line).toBe(2);
  });

  test('fatal input errors throw InputError', async () => {
    await expect(loadFlowLogs(conn, [path.join(tmp.dir, 'missing')])).rejects.toThrow(InputError);
    await expect(loadFlowLogs(conn, [path.join(tmp.dir, 'missing')])).rejects.toThrow(
      /does not exist: .*missing/,
    );
    tmp.write('notes/readme.md', 'not a flow log');
    await expect(loadFlowLogs(conn, [tmp.dir])).rejects.toThrow(/no flow log files/);
  });
});

describe('parquet', () => {
  test('AWS-typed parquet with missing columns; union of files; corrupt parquet skipped', async () => {
    // GIVEN two parquet files in a Hive hourly layout written by DuckDB with AWS's types,
    // one with v2 columns only and one with a few v3-v5 columns
    const dir = path.join(
      tmp.dir,
      'AWSLogs/aws-account-id=555555555555/aws-service=vpcflowlogs/aws-region=eu-central-1/year=2024/month=02/day=29/hour=23',
    );
    const a = tmp.write(path.relative(tmp.dir, path.join(dir, 'a.parquet')), '');
    const b = tmp.write(path.relative(tmp.dir, path.join(dir, 'b.parquet')), '');
    await conn.run(
      `COPY (SELECT 2::INTEGER AS version, '555555555555' AS account_id, 'eni-a' AS interface_id, '10.0.0.1' AS srcaddr,
         '8.8.8.8' AS dstaddr, 40000::INTEGER AS srcport, 53::INTEGER AS dstport, 17::INTEGER AS protocol,
         4000000000::BIGINT AS packets, 9000000000::BIGINT AS bytes, 1709247600::BIGINT AS "start", 1709247660::BIGINT AS "end",
         'ACCEPT' AS action, 'OK' AS log_status) TO '${a}' (FORMAT parquet)`,
    );
    await conn.run(
      `COPY (SELECT 5::INTEGER AS version, 'i-0b' AS instance_id, 'egress' AS flow_direction, 3::INTEGER AS traffic_path,
         NULL::INTEGER AS srcport, 1709247601::BIGINT AS "start") TO '${b}' (FORMAT parquet)`,
    );
    const broken = tmp.write(
      'c.parquet',
      Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(100, 7), Buffer.from('PAR1')]),
    );
    // WHEN
    const report = await loadFlowLogs(conn, [tmp.dir]);
    // THEN both good files load, the broken one is reported and skipped
    expect(report).toMatchObject({ files: 2, rows: 2, skippedLines: 0, corruptFiles: [broken] });
    expect(report.issues[0].message).toMatch(/c\.parquet: unreadable parquet file, skipped/);
    const got = await rows(
      conn,
      'SELECT version, account_id, srcport, packets, bytes, "end", instance_id, flow_direction, traffic_path, aws_account_id, aws_region, dt FROM flow_logs ORDER BY version',
    );
    expect(got).toEqual([
      {
        version: 2,
        account_id: '555555555555',
        srcport: 40000,
        packets: 4000000000n,
        bytes: 9000000000n,
        end: 1709247660n,
        instance_id: null,
        flow_direction: null,
        traffic_path: null,
        aws_account_id: '555555555555',
        aws_region: 'eu-central-1',
        dt: '2024/02/29/23',
      },
      {
        version: 5,
        account_id: null,
        srcport: null,
        packets: null,
        bytes: null,
        end: null,
        instance_id: 'i-0b',
        flow_direction: 'egress',
        traffic_path: 3,
        aws_account_id: '555555555555',
        aws_region: 'eu-central-1',
        dt: '2024/02/29/23',
      },
    ]);
  });
});

describe('files and progress', () => {
  test('findFlowLogFiles is recursive, filters by extension in folders, sorted', async () => {
    const want = [
      tmp.write('z/b.log.gz', 'x'),
      tmp.write('a.log', 'x'),
      tmp.write('z/y/c.parquet', 'x'),
      tmp.write('d.txt', 'x'),
    ];
    tmp.write('z/notes.md', 'x');
    tmp.write('z/.hidden.log', 'x');
    const explicit = tmp.write('other/flows.dat', 'x');
    expect(await findFlowLogFiles([tmp.dir])).toEqual([...want].sort());
    // a file named explicitly is taken whatever its extension
    expect(await findFlowLogFiles([explicit])).toEqual([explicit]);
    // a file reached twice is listed once
    expect(await findFlowLogFiles([tmp.dir, want[1], path.join(tmp.dir, 'z', '..', 'a.log')])).toEqual(
      [...want].sort(),
    );
  });

  test('onProgress reports files as they complete, ending at the total', async () => {
    tmp.write('a.log', `${V2_HEADER}\n${v2Line()}\n`);
    tmp.write('b.log.gz', `${v2Line()}\n`, true);
    const calls: [number, number][] = [];
    await loadFlowLogs(conn, [tmp.dir], { onProgress: (d, t) => calls.push([d, t]) });
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[calls.length - 1]).toEqual([2, 2]);
    expect(calls.map((c) => c[0])).toEqual([...calls.map((c) => c[0])].sort((x, y) => x - y));
  });

  test('paths are literal: no Hive key=value columns, no glob expansion', async () => {
    // GIVEN a folder named like a Hive partition of a real column, and a file name with glob characters
    const h = 'version account-id region srcaddr';
    tmp.write('region=zz-fake-1/a.log', `${h}\n4 123456789012 us-east-1 10.0.0.1\n`);
    tmp.write('region=zz-fake-1/b[1].log', `${h}\n4 123456789012 eu-west-1 10.0.0.2\n`);
    tmp.write('region=zz-fake-1/b1.log', `${h}\n4 123456789012 ap-east-1 10.0.0.3\n`);
    const report = await loadFlowLogs(conn, [tmp.dir]);
    // THEN each file loads once with the region its lines hold
    expect(report).toMatchObject({ files: 3, rows: 3, skippedLines: 0, issues: [] });
    expect(await rows(conn, 'SELECT srcaddr, region, aws_region FROM flow_logs ORDER BY srcaddr')).toEqual([
      { srcaddr: '10.0.0.1', region: 'us-east-1', aws_region: 'us-east-1' },
      { srcaddr: '10.0.0.2', region: 'eu-west-1', aws_region: 'eu-west-1' },
      { srcaddr: '10.0.0.3', region: 'ap-east-1', aws_region: 'ap-east-1' },
    ]);
  });

  test('loading twice into the same table appends (table created once)', async () => {
    const f = tmp.write('a.log', `${V2_HEADER}\n${v2Line()}\n`);
    await loadFlowLogs(conn, [f]);
    await loadFlowLogs(conn, [f]);
    expect(await count()).toBe(2);
    // AND the connection's insertion-order setting, relaxed while loading, is restored
    expect(await rows(conn, "SELECT current_setting('preserve_insertion_order') AS v")).toEqual([
      { v: true },
    ]);
    expect(readFileSync(f, 'utf8')).toContain(V2_HEADER);
    writeFileSync(f, '');
    expect((await loadFlowLogs(conn, [f])).rows).toBe(0);
  });
});

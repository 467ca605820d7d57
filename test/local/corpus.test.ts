import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { FLOW_LOG_FIELDS, FLOWWATCH_FIELDS, parseFieldList } from '../../lib/detection/fields';
import { type LoadReport, loadFlowLogs } from '../../lib/local/loader';
import { openDb, type Row, rows } from './helpers';

// The external corpus lives in shared/ beside the checkout (locally /work/shared, in CI a copy
// beside the fresh clone).
const CORPUS = path.join(__dirname, '../../../shared/corpus/elastic-vpcflow');
const present = existsSync(CORPUS);
if (!present) console.warn(`corpus tests skipped: ${CORPUS} is absent (shared/ not beside the checkout)`);
const describeCorpus = present ? describe : describe.skip;

const file = (name: string) => path.join(CORPUS, name);

/** A full row: every catalogue column, NULL where the line sets nothing. */
function full(expected: Record<string, unknown>): Row {
  for (const k of Object.keys(expected)) {
    if (!FLOW_LOG_FIELDS.some((f) => f.column === k)) throw new Error(`test bug: no column ${k}`);
  }
  return Object.fromEntries(
    FLOW_LOG_FIELDS.map((f) => [f.column, f.column in expected ? expected[f.column] : null]),
  );
}

const key = (r: Row) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
const byKey = (a: Row, b: Row) => key(a).localeCompare(key(b));

/** The table holds exactly these rows (row order across a load is not part of the contract). */
function expectRows(got: Row[], want: Row[]): void {
  const onlyFields = got.map((r) => Object.fromEntries(FLOW_LOG_FIELDS.map((f) => [f.column, r[f.column]])));
  expect(onlyFields.sort(byKey)).toEqual([...want].sort(byKey));
}

describeCorpus('elastic-vpcflow corpus: every line loads with the right values in the right columns', () => {
  let conn: DuckDBConnection;
  let close: () => void;
  beforeEach(async () => {
    ({ conn, close } = await openDb());
  });
  afterEach(() => close());

  const clean = (r: LoadReport, n: number) => {
    expect(r.issues).toEqual([]);
    expect(r).toMatchObject({ files: 1, rows: n, skippedLines: 0, corruptFiles: [] });
  };

  test('test-extra-samples.log: default v2 format, IPv6, NODATA, SKIPDATA, ICMP', async () => {
    // GIVEN the headerless v2 file WHEN it is loaded with the default field list
    const report = await loadFlowLogs(conn, [file('test-extra-samples.log')]);
    clean(report, 7);
    const got = await rows(conn, 'SELECT * FROM flow_logs');
    const want: Row[] = [];
    // THEN each of the 7 lines is a row with its tokens in the v2 columns
    const common = { version: 2, account_id: '123456789010' };
    want.push(
      full({
        ...common,
        interface_id: 'eni-1235b8ca123456789',
        srcaddr: '2001:db8:1234:a100:8d6e:3477:df66:f105',
        dstaddr: '2001:db8:1234:a102:3304:8879:34cf:4071',
        srcport: 34892,
        dstport: 22,
        protocol: 6,
        packets: 54n,
        bytes: 8855n,
        start: 1477913708n,
        end: 1477913820n,
        action: 'ACCEPT',
        log_status: 'OK',
      }),
    );
    // NODATA / SKIPDATA rows are kept with every `-` as NULL
    want.push(
      full({
        ...common,
        interface_id: 'eni-1235b8ca123456789',
        start: 1431280876n,
        end: 1431280934n,
        log_status: 'NODATA',
      }),
    );
    want.push(
      full({
        ...common,
        interface_id: 'eni-11111111aaaaaaaaa',
        start: 1431280876n,
        end: 1431280934n,
        log_status: 'SKIPDATA',
      }),
    );
    const v4 = { ...common, interface_id: 'eni-1235b8ca123456789', protocol: 6, packets: 20n, bytes: 4249n };
    want.push(
      full({
        ...v4,
        srcaddr: '78.24.182.42',
        dstaddr: '158.109.0.1',
        srcport: 20641,
        dstport: 22,
        start: 1418530010n,
        end: 1418530070n,
        action: 'ACCEPT',
        log_status: 'OK',
      }),
    );
    want.push(
      full({
        ...v4,
        srcaddr: '78.24.182.42',
        dstaddr: '158.109.0.1',
        srcport: 49761,
        dstport: 3389,
        start: 1418530010n,
        end: 1418530070n,
        action: 'REJECT',
        log_status: 'OK',
      }),
    );
    const icmp = {
      ...common,
      interface_id: 'eni-1235b8ca123456789',
      srcport: 0,
      dstport: 0,
      protocol: 1,
      packets: 4n,
      bytes: 336n,
    };
    want.push(
      full({
        ...icmp,
        srcaddr: '203.0.113.12',
        dstaddr: '172.31.16.139',
        start: 1432917027n,
        end: 1432917142n,
        action: 'ACCEPT',
        log_status: 'OK',
      }),
    );
    want.push(
      full({
        ...icmp,
        srcaddr: '172.31.16.139',
        dstaddr: '203.0.113.12',
        start: 1432917094n,
        end: 1432917142n,
        action: 'REJECT',
        log_status: 'OK',
      }),
    );
    expectRows(got, want);
    // AND outside an AWS layout the partitions come from the record (v2 has no region)
    const parts = await rows(conn, 'SELECT aws_account_id, aws_region, dt FROM flow_logs ORDER BY dt');
    expect(parts.map((p) => p.dt)).toEqual([
      '2014/12/14/04',
      '2014/12/14/04',
      '2015/05/10/18',
      '2015/05/10/18',
      '2015/05/29/16',
      '2015/05/29/16',
      '2016/10/31/11',
    ]);
    expect(new Set(parts.map((p) => p.aws_account_id))).toEqual(new Set(['123456789010']));
    expect(new Set(parts.map((p) => p.aws_region))).toEqual(new Set([null]));
  });

  test('test-tcp-flag-sequence.log: header order honoured (bytes before packets), identical repeats dropped', async () => {
    // GIVEN a file whose header (repeated before every line) names a custom v3 order
    const report = await loadFlowLogs(conn, [file('test-tcp-flag-sequence.log')]);
    // THEN the three data lines load and the repeated headers are not counted as skipped
    clean(report, 3);
    const got = await rows(conn, 'SELECT * FROM flow_logs');
    const want: Row[] = [];
    const ids = {
      version: 3,
      vpc_id: 'vpc-abcdefab012345678',
      subnet_id: 'subnet-aaaaaaaa012345678',
      instance_id: 'i-01234567890123456',
      interface_id: 'eni-1235b8ca123456789',
      account_id: '123456789010',
      start: 1566848875n,
      end: 1566848933n,
    };
    want.push(
      full({
        ...ids,
        type: 'IPv4',
        srcaddr: '52.213.180.42',
        dstaddr: '10.0.0.62',
        srcport: 43416,
        dstport: 5001,
        pkt_srcaddr: '52.213.180.42',
        pkt_dstaddr: '10.0.0.62',
        protocol: 6,
        bytes: 568n,
        packets: 8n,
        action: 'ACCEPT',
        tcp_flags: 2,
        log_status: 'OK',
      }),
    );
    want.push(full({ ...ids, log_status: 'SKIPDATA' }));
    want.push(full({ ...ids, log_status: 'NODATA' }));
    expectRows(got, want);
    const dts = await rows(conn, 'SELECT DISTINCT dt FROM flow_logs');
    expect(dts).toEqual([{ dt: '2019/08/26/19' }]);
  });

  test('test-v5-all-fields.log: all 29 v2-v5 fields', async () => {
    // GIVEN the v5 line and its format: every v2-v5 field in AWS's order
    const raw = readFileSync(file('test-v5-all-fields.log'), 'utf8').trim();
    expect(raw.split(' ')).toHaveLength(29);
    expect(FLOWWATCH_FIELDS).toHaveLength(29);
    const report = await loadFlowLogs(conn, [file('test-v5-all-fields.log')], {
      fields: parseFieldList(FLOWWATCH_FIELDS.join(' ')),
    });
    clean(report, 1);
    const [row] = await rows(conn, 'SELECT * FROM flow_logs');
    expectRows(
      [row],
      [
        full({
          version: 5,
          account_id: '64111117617',
          interface_id: 'eni-069xxxxxb7a490',
          srcaddr: '89.160.20.156',
          dstaddr: '10.200.0.0',
          srcport: 50041,
          dstport: 33004,
          protocol: 17,
          packets: 52n,
          bytes: 1n,
          start: 164000066n,
          end: 1640000297n,
          action: 'REJECT',
          log_status: 'OK',
          vpc_id: 'vpc-09676f97xxxxxb8a7',
          subnet_id: 'subnet-02d645xxxxxxxdbc0',
          instance_id: 'i-0axxxxxx1ad77',
          tcp_flags: 1,
          type: 'IPv4',
          pkt_srcaddr: '89.160.20.156',
          pkt_dstaddr: '10.200.0.80',
          region: 'us-east-1',
          az_id: 'use1-az5',
          pkt_src_aws_service: 'AMAZON',
          pkt_dst_aws_service: 'CLOUDFRONT',
          flow_direction: 'ingress',
          traffic_path: 1,
        }),
      ],
    );
    // AND the region partition comes from the record when the path is no AWS layout
    expect(await rows(conn, 'SELECT aws_account_id, aws_region, dt FROM flow_logs')).toEqual([
      { aws_account_id: '64111117617', aws_region: 'us-east-1', dt: '1975/03/14/03' },
    ]);
  });

  test('test-v8-samples.log: v2, v3-v5, ten ecs-* fields and reject-reason, in catalogue order', async () => {
    // GIVEN the supplied order: v2 fields, all v3-v5 fields, the ten ecs-* fields, reject-reason
    const format = [
      ...FLOW_LOG_FIELDS.filter((f) => f.version <= 5),
      ...FLOW_LOG_FIELDS.filter((f) => f.name.startsWith('ecs-')),
      ...FLOW_LOG_FIELDS.filter((f) => f.name === 'reject-reason'),
    ];
    expect(format).toHaveLength(40);
    const raw = readFileSync(file('test-v8-samples.log'), 'utf8').trim();
    expect(raw.split(' ')).toHaveLength(format.length);
    const report = await loadFlowLogs(conn, [file('test-v8-samples.log')], {
      fields: parseFieldList(format.map((f) => `\${${f.name}}`).join(' ')),
    });
    clean(report, 1);
    const [row] = await rows(conn, 'SELECT * FROM flow_logs');
    expectRows(
      [row],
      [
        full({
          version: 3,
          account_id: '000000000000',
          srcaddr: '2a02:cf40::',
          dstaddr: '1.128.0.0',
          srcport: 42910,
          dstport: 80,
          protocol: 17,
          packets: 51n,
          bytes: 33615n,
          start: 1755678754n,
          end: 1755678775n,
          action: 'REJECT',
          log_status: 'NODATA',
          flow_direction: 'ingress',
          ecs_cluster_arn: 'arn:aws:ecs:us-east-1:000000000000:cluster/backend-cluster',
          ecs_cluster_name: 'backend-cluster',
          ecs_container_instance_arn:
            'arn:aws:ecs:us-east-1:000000000000:container-instance/backend-cluster/i-18de3682c033431da',
          ecs_container_instance_id: 'i-18de3682c033431da',
          ecs_container_id: '601a6500-efa',
          ecs_second_container_id: 'dea79277-480',
          ecs_service_name: 'payments-service',
          ecs_task_definition_arn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/orders:12',
          ecs_task_arn: 'arn:aws:ecs:us-east-1:000000000000:task/backend-cluster/e504f037-35c',
          ecs_task_id: 'e504f037-35c',
          reject_reason: 'BPA',
        }),
      ],
    );
  });
});

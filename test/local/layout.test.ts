import { dtFromStart, partitionsFromPath } from '../../lib/local/layout';
import { parseHeaderLine } from '../../lib/local/sniff';

describe('partitionsFromPath', () => {
  test.each([
    [
      '/data/AWSLogs/123456789012/vpcflowlogs/us-east-1/2024/01/31/123456789012_vpcflowlogs_us-east-1_fl-0a_20240131T2355Z_hash.log.gz',
      { accountId: '123456789012', region: 'us-east-1', dt: null, layout: 'plain' },
    ],
    [
      'AWSLogs/123456789012/vpcflowlogs/eu-west-3/2024/01/31/23/f.log.gz',
      { accountId: '123456789012', region: 'eu-west-3', dt: '2024/01/31/23', layout: 'plain' },
    ],
    [
      's3copy/AWSLogs/aws-account-id=210987654321/aws-service=vpcflowlogs/aws-region=cn-north-1/year=2025/month=12/day=01/f.parquet',
      { accountId: '210987654321', region: 'cn-north-1', dt: null, layout: 'hive' },
    ],
    [
      'AWSLogs/aws-account-id=210987654321/aws-service=vpcflowlogs/aws-region=us-gov-east-1/year=2025/month=2/day=3/hour=4/f.log',
      { accountId: '210987654321', region: 'us-gov-east-1', dt: '2025/02/03/04', layout: 'hive' },
    ],
    [
      'C:\\logs\\AWSLogs\\123456789012\\vpcflowlogs\\ap-northeast-1\\2024\\02\\29\\07\\f.log.gz',
      { accountId: '123456789012', region: 'ap-northeast-1', dt: '2024/02/29/07', layout: 'plain' },
    ],
    // not an AWS layout: no partitions from the path
    ['/tmp/logs/2024/01/31/f.log.gz', { accountId: null, region: null, dt: null, layout: null }],
    [
      'AWSLogs/123456789012/elasticloadbalancing/us-east-1/2024/01/31/f.log.gz',
      { accountId: null, region: null, dt: null, layout: null },
    ],
  ])('%s', (p, want) => {
    expect(partitionsFromPath(p)).toEqual(want);
  });
});

describe('dtFromStart', () => {
  test('UTC hour of the start second; null when absent or out of range', () => {
    expect(dtFromStart(1700000000n)).toBe('2023/11/14/22');
    expect(dtFromStart(0n)).toBe('1970/01/01/00');
    expect(dtFromStart(null)).toBeNull();
    expect(dtFromStart(-1n)).toBeNull();
    expect(dtFromStart(99999999999999n)).toBeNull();
  });
});

describe('parseHeaderLine', () => {
  test('AWS header, underscored names, data lines, unknown and repeated fields', () => {
    const h = parseHeaderLine('version account-id interface-id log-status\r');
    expect(h.kind === 'header' && h.fields.map((f) => f.column)).toEqual([
      'version',
      'account_id',
      'interface_id',
      'log_status',
    ]);
    const u = parseHeaderLine('version account_id tcp_flags');
    expect(u.kind === 'header' && u.fields.map((f) => f.name)).toEqual([
      'version',
      'account-id',
      'tcp-flags',
    ]);
    expect(parseHeaderLine('2 123456789012 eni-1 - - - - - - - 1 2 - NODATA')).toEqual({ kind: 'data' });
    expect(parseHeaderLine('ACCEPT OK')).toEqual({ kind: 'data' });
    expect(parseHeaderLine('version srcaddr colour')).toEqual({
      kind: 'bad-header',
      unknown: ['colour'],
      duplicate: [],
    });
    expect(parseHeaderLine('srcaddr dstaddr srcaddr')).toEqual({
      kind: 'bad-header',
      unknown: [],
      duplicate: ['srcaddr'],
    });
  });
});

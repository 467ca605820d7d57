import { gunzipSync, gzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ENV } from '../../lib/constants/env';
import { THREAT_INTEL_COLUMNS, type ThreatIntelRecord } from '../../lib/context/threat-intel';
import { listKeyOfTableKey, tableKeyOfListKey } from '../../lib/context/threat-intel-layout';
import {
  FORMAT_METADATA,
  loadThreatIntelSyncConfig,
  MAX_ISSUES_LOGGED,
  SOURCE_ETAG_METADATA,
  syncOptionsOf,
  syncThreatIntel,
  TABLE_FORMAT_VERSION,
  ThreatIntelSyncError,
} from '../../lib/runtime/threat-intel-sync';
import { type Moto, startMoto } from '../helpers/moto';
import { recordingLog } from './aws-fixture';

/** The threat-intel sync against moto's S3: lists in, table files out. */
let moto: Moto;
let s3: S3Client;
const BUCKET = 'flowwatch-context';
const config = { bucket: BUCKET };

// Shaped like abuse.ch Feodo Tracker ipblocklist.csv (one bad port, one short row).
const FEODO = `################################################################
# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #
# Last updated: 2026-01-15 08:00:00 UTC                        #
################################################################
#
"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
"2025-12-30 13:56:31","192.0.2.45","443","online","2026-01-15","QakBot"
"2022-06-04 21:24:53","192.0.2.46","8080","offline","2026-01-10","Emotet"
"2026-01-02 00:00:00","192.0.2.47","99999","online","2026-01-15","Dridex"
"2026-01-02 00:00:00","192.0.2.48","443","online"
# END 4 entries
`;

// Shaped like Spamhaus DROP drop.txt (one bad line, one repeated entry, one IPv6 block).
const DROP = `; Spamhaus DROP List 2026/01/15 - (c) 2026 The Spamhaus Project SLU
; Last-Modified: Thu, 15 Jan 2026 08:00:00 GMT
1.10.16.0/20 ; SBL256894
203.0.113.0/24 ; SBL999001
198.51.100.7/24 ; SBL2
203.0.113.0/24 ; SBL999001
2001:db8::/32 ; SBL3
`;

// A "list" whose format changed under us: no line is an address.
const BROKEN = `<html><body>
Service moved
</body></html>
`;

const key = (name: string) => `threat-intel/lists/${name}`;

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client({ ...moto.clientConfig, forcePathStyle: true });
});

afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

async function put(k: string, body: string | Buffer): Promise<void> {
  // ContentLength given: the SDK cannot tell an empty string's length from a stream's.
  await s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: k, Body: body, ContentLength: Buffer.byteLength(body) }),
  );
}

async function keys(prefix: string): Promise<string[]> {
  const r = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key!).sort();
}

async function readTable(k: string): Promise<{ raw: string; records: ThreatIntelRecord[] }> {
  const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: k }));
  const raw = gunzipSync(Buffer.from(await obj.Body!.transformToByteArray())).toString('utf8');
  const records = raw
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ThreatIntelRecord);
  return { raw, records };
}

async function sync(force = false) {
  const log = recordingLog();
  try {
    return { log, result: await syncThreatIntel({ s3, log }, config, { force }), error: undefined };
  } catch (e) {
    if (!(e instanceof ThreatIntelSyncError)) throw e;
    return { log, result: e.result, error: e };
  }
}

test('Feodo CSV and Spamhaus drop.txt become JSON-lines table files with the table columns', async () => {
  // GIVEN a Feodo CSV and a gzipped Spamhaus drop.txt (gzip detected by content, not name)
  await put(key('feodo-ipblocklist.csv'), FEODO);
  await put(key('drop.txt'), gzipSync(DROP));

  // WHEN the sync runs
  const { log, result, error } = await sync();

  // THEN both are written, with per-list counts
  expect(error).toBeUndefined();
  const byList = Object.fromEntries(result.lists.map((l) => [l.list, l]));
  expect(byList[key('feodo-ipblocklist.csv')]).toMatchObject({
    status: 'written',
    format: 'feodo',
    entries: 2,
    skipped: 2,
    duplicates: 0,
  });
  expect(byList[key('drop.txt')]).toMatchObject({
    status: 'written',
    format: 'plain',
    entries: 3,
    skipped: 1,
    duplicates: 1,
  });
  expect(await keys('threat-intel/table/')).toEqual([
    'threat-intel/table/drop.txt.jsonl.gz',
    'threat-intel/table/feodo-ipblocklist.csv.jsonl.gz',
  ]);

  const feodo = await readTable('threat-intel/table/feodo-ipblocklist.csv.jsonl.gz');
  // Every line has exactly the table's columns, in column order, nulls included.
  for (const line of feodo.raw.trim().split('\n'))
    expect(Object.keys(JSON.parse(line))).toEqual(THREAT_INTEL_COLUMNS.map((c) => c.name));
  expect(feodo.records[0]).toEqual({
    cidr: '192.0.2.45/32',
    family: 4,
    prefix: 32,
    ip_start: 0xc000022d,
    ip_end: 0xc000022d,
    ip6_start: null,
    ip6_end: null,
    port: 443,
    source: 'feodotracker',
    description: 'QakBot botnet C2 (online, last online 2026-01-15)',
    origin: `s3://${BUCKET}/${key('feodo-ipblocklist.csv')}:7`,
  });
  expect(feodo.records.map((r) => r.cidr)).toEqual(['192.0.2.45/32', '192.0.2.46/32']);
  // bigint columns are JSON numbers (the OpenX SerDe reads them as bigint), not strings.
  expect(feodo.raw).toContain('"ip_start":3221226029,');

  const drop = await readTable('threat-intel/table/drop.txt.jsonl.gz');
  expect(drop.records.map((r) => [r.cidr, r.ip_start, r.ip_end, r.source, r.description])).toEqual([
    ['1.10.16.0/20', 0x010a1000, 0x010a1fff, 'drop', 'SBL256894'],
    ['203.0.113.0/24', 0xcb007100, 0xcb0071ff, 'drop', 'SBL999001'],
    ['2001:db8::/32', null, null, 'drop', 'SBL3'],
  ]);
  expect(drop.records[2]).toMatchObject({
    family: 6,
    ip6_start: '20010db8000000000000000000000000',
    ip6_end: '20010db8ffffffffffffffffffffffff',
  });

  // The skipped lines are logged as file:line: message, with the list's counts.
  const warn = log.lines.find((l) => l.startsWith('WARN') && l.includes('drop.txt'))!;
  expect(warn).toContain(
    `s3://${BUCKET}/threat-intel/lists/drop.txt:5: '198.51.100.7/24': host bits are set (the network is 198.51.100.0/24)`,
  );
  expect(warn).toContain('"entries":3');
  expect(warn).toContain('"duplicates":1');
  const feodoWarn = log.lines.find((l) => l.startsWith('WARN') && l.includes('feodo-ipblocklist'))!;
  expect(feodoWarn).toContain("feodo-ipblocklist.csv:9: port '99999' is not a number 0-65535");
  expect(feodoWarn).toContain('feodo-ipblocklist.csv:10: expected 6 fields as in the header, found 4');
});

test('an unchanged list is not rewritten; a changed one is; force rewrites all', async () => {
  await put(key('feodo.csv'), FEODO);
  await put(key('drop.txt'), DROP);
  await sync();
  const table = tableKeyOfListKey(key('drop.txt'));
  const src = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key('drop.txt') }));
  const first = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: table }));
  // The source ETag and the writer's format version ride on the table file.
  expect(first.Metadata).toEqual({
    [SOURCE_ETAG_METADATA]: src.ETag!.replace(/"/g, ''),
    [FORMAT_METADATA]: TABLE_FORMAT_VERSION,
  });
  // Mark the table file so a rewrite is visible whatever the timestamps' resolution.
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: table,
      Body: gzipSync('{"cidr":"sentinel"}\n'),
      Metadata: first.Metadata,
    }),
  );

  // WHEN nothing changed THEN nothing is written
  const again = await sync();
  expect(again.result.lists.map((l) => l.status)).toEqual(['unchanged', 'unchanged']);
  expect((await readTable(table)).records).toEqual([{ cidr: 'sentinel' }]);

  // WHEN the list changes THEN only it is rewritten
  await put(key('drop.txt'), `${DROP}192.0.2.0/24 ; SBL4\n`);
  const changed = await sync();
  expect(Object.fromEntries(changed.result.lists.map((l) => [l.list, l.status]))).toEqual({
    [key('drop.txt')]: 'written',
    [key('feodo.csv')]: 'unchanged',
  });
  expect((await readTable(table)).records.map((r) => r.cidr)).toContain('192.0.2.0/24');

  // WHEN forced THEN every list is rewritten
  const forced = await sync(true);
  expect(forced.result.lists.map((l) => l.status)).toEqual(['written', 'written']);
});

test('a table file written by an older format version is rewritten', async () => {
  await put(key('drop.txt'), DROP);
  await sync();
  const table = tableKeyOfListKey(key('drop.txt'));
  const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: table }));
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: table,
      Body: gzipSync(''),
      Metadata: { ...head.Metadata, [FORMAT_METADATA]: '0' },
    }),
  );
  const { result } = await sync();
  expect(result.lists[0]!.status).toBe('written');
  expect((await readTable(table)).records).toHaveLength(3);
});

test('a deleted list takes its table file with it; files the sync did not write stay', async () => {
  await put(key('drop.txt'), DROP);
  await put(key('feodo.csv'), FEODO);
  await put('threat-intel/table/README.txt', 'not a table file of the sync');
  await sync();
  await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key('drop.txt') }));

  const { result, log } = await sync();
  expect(result.deleted).toEqual(['threat-intel/table/drop.txt.jsonl.gz']);
  expect(await keys('threat-intel/table/')).toEqual([
    'threat-intel/table/README.txt',
    'threat-intel/table/feodo.csv.jsonl.gz',
  ]);
  expect(log.lines.some((l) => l.includes('table file deleted') && l.includes('drop.txt'))).toBe(true);
});

test('a list where every line fails is an error naming it; the other lists still sync', async () => {
  // GIVEN a good list already synced, then replaced by a page that is not a list, plus a new good list
  await put(key('team.txt'), '192.0.2.10\n192.0.2.0/28 # scanner\n');
  await sync();
  const teamTable = tableKeyOfListKey(key('team.txt'));
  await put(key('team.txt'), BROKEN);
  await put(key('drop.txt'), DROP);

  // WHEN the sync runs
  const { result, error, log } = await sync();

  // THEN it throws naming the failed list and its first issue, after writing the good one
  expect(error).toBeInstanceOf(ThreatIntelSyncError);
  expect(error!.message).toBe(
    `threat-intel sync: 1 of 2 list(s) failed: ${key('team.txt')} (every entry line was refused (3); first: s3://${BUCKET}/${key('team.txt')}:1: '<html><body>' is not an IPv4 or IPv6 address)`,
  );
  expect(result.lists.find((l) => l.list === key('drop.txt'))!.status).toBe('written');
  expect((await readTable(tableKeyOfListKey(key('drop.txt')))).records).toHaveLength(3);
  // The last good table file of the failed list is kept (detections keep matching it).
  expect((await readTable(teamTable)).records.map((r) => r.cidr)).toEqual(['192.0.2.10/32', '192.0.2.0/28']);
  const err = log.lines.find((l) => l.startsWith('ERROR') && l.includes('team.txt'))!;
  expect(err).toContain(`${key('team.txt')}:3: '</body></html>' is not an IP address or CIDR`);

  // AND it fails again on the next run (the failed list's ETag was not recorded)
  expect((await sync()).error).toBeInstanceOf(ThreatIntelSyncError);
});

test('a CSV without an address column, corrupt gzip and a hidden name fail on their own', async () => {
  await put(key('assets.csv'), 'ip_or_cidr,description\n192.0.2.1,ok\n');
  await put(key('bad-header.csv'), '"host","comment"\n"a.example","x"\n');
  await put(key('corrupt.txt.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02]));
  await put(key('_private.txt'), '192.0.2.1\n');
  const { result, error } = await sync();
  const status = Object.fromEntries(result.lists.map((l) => [l.list, [l.status, l.error]]));
  expect(status[key('assets.csv')]).toEqual(['written', undefined]);
  // A header with no address column reads as a plain list: every line refused.
  expect(status[key('bad-header.csv')]![0]).toBe('failed');
  expect(status[key('bad-header.csv')]![1]).toContain('bad-header.csv:1:');
  expect(status[key('corrupt.txt.gz')]![1]).toContain(
    `s3://${BUCKET}/${key('corrupt.txt.gz')}: corrupt gzip`,
  );
  expect(status[key('_private.txt')]![1]).toContain("Athena ignores files whose name starts with '.' or '_'");
  expect(error!.message).toContain('3 of 4 list(s) failed');
  expect(await keys('threat-intel/table/')).toEqual(['threat-intel/table/assets.csv.jsonl.gz']);
});

test('comment-only lists keep no table file; sub-folders and folder markers; issue logging is capped', async () => {
  await put(key(''), '');
  await put(key('feeds/'), '');
  await put(key('feeds/spamhaus/drop.txt'), DROP);
  await put(key('feodo.csv'), FEODO);
  await sync();
  // Feodo's list can be empty when no C2 is online: not an error, and no stale entries remain.
  await put(key('feodo.csv'), FEODO.split('\n').slice(0, 6).join('\n'));
  const many = Array.from({ length: 40 }, (_, i) => `bad-${i}`)
    .concat(['192.0.2.1'])
    .join('\n');
  await put(key('many-bad.txt'), many);

  const { result, error, log } = await sync();
  expect(error).toBeUndefined();
  const status = Object.fromEntries(result.lists.map((l) => [l.list, l.status]));
  expect(status).toEqual({
    [key('feeds/spamhaus/drop.txt')]: 'unchanged',
    [key('feodo.csv')]: 'empty',
    [key('many-bad.txt')]: 'written',
  });
  expect(await keys('threat-intel/table/')).toEqual([
    'threat-intel/table/feeds%2Fspamhaus%2Fdrop.txt.jsonl.gz',
    'threat-intel/table/many-bad.txt.jsonl.gz',
  ]);
  expect(listKeyOfTableKey('threat-intel/table/feeds%2Fspamhaus%2Fdrop.txt.jsonl.gz')).toBe(
    key('feeds/spamhaus/drop.txt'),
  );
  const warn = log.lines.find((l) => l.startsWith('WARN') && l.includes('many-bad'))!;
  const logged = JSON.parse(warn.slice(warn.indexOf('{'))) as { skipped: number; issues: string[] };
  expect(logged.skipped).toBe(40);
  expect(logged.issues).toHaveLength(MAX_ISSUES_LOGGED);
  expect(logged.issues[0]).toBe(
    `s3://${BUCKET}/${key('many-bad.txt')}:1: 'bad-0' is not an IPv4 or IPv6 address`,
  );
});

test('config and event parsing', () => {
  expect(() => loadThreatIntelSyncConfig({})).toThrow(ENV.THREAT_INTEL_BUCKET);
  expect(loadThreatIntelSyncConfig({ [ENV.THREAT_INTEL_BUCKET]: 'b' })).toEqual({ bucket: 'b' });
  expect(syncOptionsOf({ force: true })).toEqual({ force: true });
  expect(syncOptionsOf({ force: 'yes' })).toEqual({ force: false });
  expect(syncOptionsOf({ 'detail-type': 'Scheduled Event', time: '2026-01-15T10:00:00Z' })).toEqual({
    force: false,
  });
  expect(syncOptionsOf(undefined)).toEqual({ force: false });
});

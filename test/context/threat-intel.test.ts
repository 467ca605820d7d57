import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  formatIssue,
  ipv4ToIntSql,
  loadThreatIntel,
  parseIpOrCidr,
  parseThreatIntel,
  readThreatIntelFile,
  splitCsvLine,
  ThreatIntelFileError,
} from '../../lib/context/threat-intel';

// Shaped like Spamhaus DROP (drop.txt): header comments, `cidr ; SBL id`.
const DROP = `; Spamhaus DROP List 2026/01/15 - (c) 2026 The Spamhaus Project SLU
; https://www.spamhaus.org/drop/drop.txt
; Last-Modified: Thu, 15 Jan 2026 08:00:00 GMT
1.10.16.0/20 ; SBL256894
203.0.113.0/24 ; SBL999001
not-an-address ; SBL1
198.51.100.7/24 ; SBL2
203.0.113.0/24 ; SBL999001
`;

// Shaped like abuse.ch Feodo Tracker ipblocklist.csv.
const FEODO = `################################################################
# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #
# Last updated: 2026-01-15 08:00:00 UTC                        #
################################################################
#
"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
"2025-12-30 13:56:31","192.0.2.45","443","online","2026-01-15","QakBot"
"2022-06-04 21:24:53","192.0.2.46","8080","offline","2026-01-10","Emotet"
"2026-01-01 00:00:00","::ffff:198.51.100.99","443","online","2026-01-15","Pikabot"
"2026-01-02 00:00:00","192.0.2.47","99999","online","2026-01-15","Dridex"
"2026-01-02 00:00:00","192.0.2.48","443","online"
# END 5 entries
`;

describe('parseIpOrCidr', () => {
  it('accepts addresses and CIDRs of both families and gives their ranges', () => {
    expect(parseIpOrCidr('10.1.2.3')).toEqual({
      family: 4,
      prefix: 32,
      start: 0x0a010203n,
      end: 0x0a010203n,
    });
    expect(parseIpOrCidr('1.10.16.0/20')).toEqual({
      family: 4,
      prefix: 20,
      start: 0x010a1000n,
      end: 0x010a1fffn,
    });
    const v6 = parseIpOrCidr('2001:db8:abcd::/48');
    expect(v6).toEqual({
      family: 6,
      prefix: 48,
      start: 0x20010db8abcd00000000000000000000n,
      end: 0x20010db8abcdffffffffffffffffffffn,
    });
    expect(parseIpOrCidr('::ffff:198.51.100.99')).toEqual({
      family: 4,
      prefix: 32,
      start: 0xc6336463n,
      end: 0xc6336463n,
    });
  });

  it('refuses typos rather than widening them', () => {
    expect(parseIpOrCidr('10.1.2.3/8')).toBe("'10.1.2.3/8': host bits are set (the network is 10.0.0.0/8)");
    expect(parseIpOrCidr('0.0.0.0/0')).toMatch(/broader than \/8; refused/);
    expect(parseIpOrCidr('10.0.0.0/33')).toMatch(/longer than \/32/);
    expect(parseIpOrCidr('999.1.1.1')).toMatch(/not an IPv4 or IPv6 address/);
    expect(parseIpOrCidr('2001:db8::1/32')).toBe(
      "'2001:db8::1/32': host bits are set (the network is 2001:db8::/32)",
    );
  });
});

describe('splitCsvLine', () => {
  it('honours quotes and doubled quotes', () => {
    expect(splitCsvLine('"a,b","say ""hi""",c')).toEqual(['a,b', 'say "hi"', 'c']);
    expect(splitCsvLine('a,,')).toEqual(['a', '', '']);
    expect(splitCsvLine('"open')).toBe('unterminated quoted field');
  });
});

describe('parseThreatIntel', () => {
  it('reads a Spamhaus DROP list: SBL ids as descriptions, bad lines reported by line', () => {
    // GIVEN the DROP list with a bad address, a CIDR with host bits and a repeated entry
    const r = parseThreatIntel(DROP, { file: 'drop.txt' });
    // THEN the good entries are records, the bad ones file:line issues, the repeat counted
    expect(r.format).toBe('plain');
    expect(r.records.map((x) => [x.cidr, x.ip_start, x.ip_end, x.source, x.description, x.origin])).toEqual([
      ['1.10.16.0/20', 0x010a1000, 0x010a1fff, 'drop', 'SBL256894', 'drop.txt:4'],
      ['203.0.113.0/24', 0xcb007100, 0xcb0071ff, 'drop', 'SBL999001', 'drop.txt:5'],
    ]);
    expect(r.issues.map(formatIssue)).toEqual([
      "drop.txt:6: 'not-an-address' is not an IPv4 or IPv6 address",
      "drop.txt:7: '198.51.100.7/24': host bits are set (the network is 198.51.100.0/24)",
    ]);
    expect(r.duplicates).toBe(1);
  });

  it('reads plain one-per-line lists with # comments, IPv6 and a given source', () => {
    const text = '# my blocklist\n192.0.2.1\n2001:db8::/32   # lab range\n\n192.0.2.9 known scanner\n';
    const r = parseThreatIntel(text, { file: 'mine.txt', source: 'team-blocklist' });
    expect(r.records.map((x) => [x.cidr, x.family, x.source, x.description])).toEqual([
      ['192.0.2.1/32', 4, 'team-blocklist', null],
      ['2001:db8::/32', 6, 'team-blocklist', 'lab range'],
      ['192.0.2.9/32', 4, 'team-blocklist', 'known scanner'],
    ]);
    const v6 = r.records[1]!;
    expect([v6.ip_start, v6.ip6_start, v6.ip6_end]).toEqual([
      null,
      '20010db8000000000000000000000000',
      '20010db8ffffffffffffffffffffffff',
    ]);
    expect(r.issues).toEqual([]);
  });

  it('reads the Feodo Tracker CSV: port, malware and status kept, bad rows reported', () => {
    const r = parseThreatIntel(FEODO, { file: 'ipblocklist.csv' });
    expect(r.format).toBe('feodo');
    expect(r.records.map((x) => [x.cidr, x.port, x.source, x.description])).toEqual([
      ['192.0.2.45/32', 443, 'feodotracker', 'QakBot botnet C2 (online, last online 2026-01-15)'],
      ['192.0.2.46/32', 8080, 'feodotracker', 'Emotet botnet C2 (offline, last online 2026-01-10)'],
      ['198.51.100.99/32', 443, 'feodotracker', 'Pikabot botnet C2 (online, last online 2026-01-15)'],
    ]);
    expect(r.issues.map(formatIssue)).toEqual([
      "ipblocklist.csv:10: port '99999' is not a number 0-65535",
      'ipblocklist.csv:11: expected 6 fields as in the header, found 4',
    ]);
  });

  it('reads a CSV with an ip_or_cidr,source,description header', () => {
    const text =
      'ip_or_cidr,source,description\n192.0.2.0/28,partner-feed,"scanner, aggressive"\n192.0.2.77,,\nfoo,x,y\n';
    const r = parseThreatIntel(text, { file: 'intel.csv' });
    expect(r.format).toBe('csv');
    expect(r.records.map((x) => [x.cidr, x.source, x.description, x.origin])).toEqual([
      ['192.0.2.0/28', 'partner-feed', 'scanner, aggressive', 'intel.csv:2'],
      ['192.0.2.77/32', 'intel', null, 'intel.csv:3'],
    ]);
    expect(r.issues.map(formatIssue)).toEqual(["intel.csv:4: 'foo' is not an IPv4 or IPv6 address"]);
  });

  it("reads Spamhaus's JSON lines (drop_v4.json), skipping the metadata line", () => {
    const text = [
      '{"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}',
      '{"cidr":"2a06:e480::\\/29","sblid":"SBL301771","rir":"ripencc"}',
      '{"sblid":"SBL3"}',
      '{"cidr":"192.0.2.0/24","port":70000}',
      'not json',
      '{"type":"metadata","timestamp":1768464000,"size":3,"records":2,"copyright":"(c) 2026 The Spamhaus Project SLU"}',
    ].join('\n');
    const r = parseThreatIntel(text, { file: 'drop_v4.json' });
    expect(r.format).toBe('jsonl');
    expect(r.records.map((x) => [x.cidr, x.source, x.description])).toEqual([
      ['1.10.16.0/20', 'drop_v4', 'SBL256894'],
      ['2a06:e480::/29', 'drop_v4', 'SBL301771'],
    ]);
    expect(r.issues.map(formatIssue)).toEqual([
      "drop_v4.json:3: no 'cidr', 'ip_or_cidr' or 'ip' string in the object",
      "drop_v4.json:4: port '70000' is not a number 0-65535",
      'drop_v4.json:5: not a JSON object',
    ]);
  });

  it('refuses a CSV whose header has no address column, naming file and line', () => {
    expect(() => parseThreatIntel('# c\nhost,reason\nx,y\n', { file: 'x.csv', format: 'csv' })).toThrow(
      new ThreatIntelFileError(
        'x.csv',
        2,
        "CSV header has no address column (one of: ip_or_cidr, ip, cidr, ip_address, network, dst_ip); header is 'host,reason'",
      ),
    );
  });
});

describe('threat_intel in DuckDB', () => {
  it('loads records and matches IPv4 flows by integer range with portable SQL', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flowwatch-ti-test-'));
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      // GIVEN a gzipped DROP list and a Feodo CSV on disk
      writeFileSync(path.join(dir, 'drop.txt.gz'), gzipSync(DROP));
      writeFileSync(path.join(dir, 'ipblocklist.csv'), FEODO);
      const drop = readThreatIntelFile(path.join(dir, 'drop.txt.gz'), { source: 'spamhaus-drop' });
      const feodo = readThreatIntelFile(path.join(dir, 'ipblocklist.csv'));
      expect(await loadThreatIntel(conn, drop.records)).toBe(2);
      expect(await loadThreatIntel(conn, feodo.records)).toBe(5);
      // AND flows to listed and unlisted addresses, one IPv6
      await conn.run(`CREATE TABLE flows AS SELECT * FROM (VALUES
        ('10.0.1.5', '203.0.113.77', 'ACCEPT'), ('10.0.1.5', '192.0.2.46', 'REJECT'),
        ('10.0.1.5', '192.0.2.44', 'ACCEPT'), ('10.0.1.5', '2001:db8::1', 'ACCEPT'),
        ('10.0.1.5', '1.10.31.255', 'ACCEPT'), ('10.0.1.5', '1.10.32.0', 'ACCEPT')) t(srcaddr, dstaddr, action)`);
      // WHEN joined by integer range
      const r = await conn.runAndReadAll(`SELECT f.dstaddr, f.action, t.source, t.cidr, t.port
        FROM flows f JOIN threat_intel t ON t.family = 4 AND ${ipv4ToIntSql('f.dstaddr')} BETWEEN t.ip_start AND t.ip_end
        ORDER BY f.dstaddr`);
      // THEN exactly the listed addresses match, range edges included
      expect(r.getRowsJS()).toEqual([
        ['1.10.31.255', 'ACCEPT', 'spamhaus-drop', '1.10.16.0/20', null],
        ['192.0.2.46', 'REJECT', 'feodotracker', '192.0.2.46/32', 8080],
        ['203.0.113.77', 'ACCEPT', 'spamhaus-drop', '203.0.113.0/24', null],
      ]);
    } finally {
      conn.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the file when it cannot be read', () => {
    expect(() => readThreatIntelFile('/nonexistent/list.txt')).toThrow(
      /^\/nonexistent\/list\.txt: cannot read/,
    );
  });
});

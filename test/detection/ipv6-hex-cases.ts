import { BlockList, isIPv6 } from 'node:net';

/**
 * Inputs for `{{ ipv6_to_hex(col) }}` (lib/detection/cidr.ts ipv6ToHexSql) and the answer Node
 * gives for each: test/detection/ipv6-hex-sql.test.ts checks DuckDB against it,
 * test/conformance/ipv6-hex.test.ts Trino.
 */

/** Written forms: compressed, uncompressed, upper case, leading zeros, '::' at either end. */
export const IPV6_FORMS: readonly string[] = [
  '::',
  '::1',
  '1::',
  '2001:db8::',
  '2001:db8::1',
  '2001:db8:0:0:1::1',
  '2001:db8::1:0:0:1',
  '2001:0db8:0000:0000:0001:0000:0000:0001',
  '2001:DB8:0:0:1::1',
  '2001:Db8::aBcD',
  '0001:0db8::00ff',
  '1:2:3:4:5:6:7:8',
  'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  'FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFE',
  '0:0:0:0:0:0:0:0',
  '0:0:0:0:0:0:0:1',
  // '::' standing for one group (RFC 4291 allows it, RFC 5952 output never uses it)
  '1:2:3:4:5:6:7::',
  '::2:3:4:5:6:7:8',
  '1::3:4:5:6:7:8',
  '1:2:3:4:5:6::8',
  '::ffff',
  'fe80::1',
  'fd00:ec2::253',
  '2600:1f18:abcd:1::10',
  '3fff:1:2:3::66',
];

/** Valid IPv6 text that is NULL by design: a dotted IPv4 tail or a zone id (flow logs write neither). */
export const IPV6_NULL_BY_DESIGN: readonly string[] = [
  '::ffff:198.51.100.66',
  '::FFFF:1.2.3.4',
  '::1.2.3.4',
  '64:ff9b::192.0.2.33',
  '1:2:3:4:5:6:1.2.3.4',
  'fe80::1%eth0',
];

/** Not IPv6 addresses (Node agrees): IPv4, junk and near misses. Each must give NULL. */
export const NOT_IPV6: readonly string[] = [
  '198.51.100.66',
  '10.0.0.1',
  '0.0.0.0',
  '',
  '-',
  'not-an-ip',
  ':',
  ':::',
  '::::',
  ':::1',
  '1:::',
  '1::2::3',
  '::1::',
  ':1:2:3:4:5:6:7',
  '1:2:3:4:5:6:7:',
  '1:2:3',
  '1:2:3:4:5:6:7',
  '1:2:3:4:5:6:7:8:9',
  '1::2:3:4:5:6:7:8',
  '::1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8::',
  '12345::',
  '::12345',
  '00001::1',
  'g::1',
  '2001:db8::1 ',
  ' 2001:db8::1',
  '2001:db8::1\n',
  '[2001:db8::1]',
  '2001:db8::/32',
  '0x1::',
  '２００１:db8::1',
];

/** Deterministic PRNG (mulberry32): the same addresses every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` random addresses, each written one way: RFC 5952 (Node's URL parser prints it), all groups
 * with leading zeros, upper case, or '::' over a random run of zero groups that need not be the
 * longest. Zero groups are frequent so '::' lands everywhere.
 */
export function randomIpv6Forms(n: number, seed = 6): string[] {
  const r = rng(seed);
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    const groups = Array.from({ length: 8 }, () =>
      r() < 0.45 ? 0 : r() < 0.3 ? Math.floor(r() * 16) : Math.floor(r() * 65536),
    );
    const hex = groups.map((g) => g.toString(16));
    const style = k % 4;
    if (style === 0) out.push(new URL(`http://[${hex.join(':')}]/`).hostname.slice(1, -1));
    else if (style === 1) out.push(hex.map((g) => g.padStart(4, '0')).join(':'));
    else if (style === 2) out.push(hex.join(':').toUpperCase());
    else {
      const zeros = groups.flatMap((g, i) => (g === 0 ? [i] : []));
      if (zeros.length === 0) {
        out.push(hex.join(':'));
        continue;
      }
      const from = zeros[Math.floor(r() * zeros.length)]!;
      let to = from;
      while (to + 1 < 8 && groups[to + 1] === 0 && r() < 0.7) to++;
      out.push(`${hex.slice(0, from).join(':')}::${hex.slice(to + 1).join(':')}`);
    }
  }
  return out;
}

/**
 * What the macro must return, by Node: NULL unless node:net takes the text for IPv6 (and it has
 * no dotted tail or zone id), else the 8 groups expanded and zero-padded, lower case.
 */
export function referenceHex(text: string | null): string | null {
  if (text === null || !isIPv6(text) || /[.%]/.test(text)) return null;
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups
    .map((g) => g.padStart(4, '0'))
    .join('')
    .toLowerCase();
}

/** Node's parser agrees that `hex` is the address `text` (BlockList compares the parsed values). */
export function nodeSaysSameAddress(text: string, hex: string): boolean {
  const bl = new BlockList();
  bl.addAddress(text, 'ipv6');
  return bl.check(hex.match(/.{4}/g)!.join(':'), 'ipv6');
}

/** Every input the engines are asked about, NULL included. */
export function allIpv6Inputs(): (string | null)[] {
  return [...IPV6_FORMS, ...IPV6_NULL_BY_DESIGN, ...NOT_IPV6, ...randomIpv6Forms(200), null];
}

import type { Prng } from './synth-prng';
import { type Eni, randomPublicIpv4, randomPublicIpv6, type Stream } from './synth-topology';
import type { LineWriter } from './synth-writer';

/**
 * Record formatting and the benign background traffic. Records are written straight into a
 * byte buffer (no per-record strings or objects) because the generator must write 10M+ records quickly.
 */

export const TCP = 6;
export const UDP = 17;
const SP = 32;
const NL = 10;

/**
 * One v5 record line (all 29 v2-v5 fields in FLOWWATCH_FIELDS order, `-` for a missing value).
 * `path` is traffic-path (egress only), `dir` flow-direction.
 */
export function flowLine(
  w: LineWriter,
  e: Eni,
  src: string,
  dst: string,
  sport: number,
  dport: number,
  proto: number,
  packets: number,
  bytes: number,
  start: number,
  end: number,
  action: 'ACCEPT' | 'REJECT',
  flags: number,
  pktSrc: string,
  pktDst: string,
  srcSvc: string,
  dstSvc: string,
  dir: 'ingress' | 'egress',
  path: number | '-',
): void {
  w.s(e.head)
    .s(src)
    .c(SP)
    .s(dst)
    .c(SP)
    .n(sport)
    .c(SP)
    .n(dport)
    .c(SP)
    .n(proto)
    .c(SP)
    .n(packets)
    .c(SP)
    .n(bytes);
  w.c(SP).n(start).c(SP).n(end).c(SP).s(action).s(' OK').s(e.ctx).n(flags).c(SP);
  w.s(src.includes(':') ? 'IPv6' : 'IPv4')
    .c(SP)
    .s(pktSrc)
    .c(SP)
    .s(pktDst)
    .s(e.loc)
    .s(srcSvc)
    .c(SP)
    .s(dstSvc);
  w.c(SP).s(dir).c(SP);
  if (path === '-') w.s('-');
  else w.n(path);
  w.c(NL);
}

/** A NODATA or SKIPDATA record: no traffic fields, only the ENI and the capture window. */
export function statusLine(
  w: LineWriter,
  e: Eni,
  start: number,
  end: number,
  status: 'NODATA' | 'SKIPDATA',
): void {
  w.s(e.head)
    .s('- - - - - - - ')
    .n(start)
    .c(SP)
    .n(end)
    .s(' - ')
    .s(status)
    .s(e.ctx)
    .s('- - - -')
    .s(e.loc)
    .s('- - - -')
    .c(NL);
}

function ephemeral(rng: Prng): number {
  return 32768 + rng.int(28232);
}

/** Heavy-tailed byte counts: mostly small, sometimes a few MB. */
function bytesFor(rng: Prng, lo: number, spread: number): number {
  return Math.floor(Math.exp(lo + spread * rng.float()));
}

/** Ports internet background scanners knock on (always rejected by the security groups). */
const NOISE_PORTS = [
  22, 23, 25, 80, 123, 445, 1433, 2323, 3306, 3389, 5060, 5432, 5900, 6379, 8080, 8443, 9200,
];

/** Public SaaS/package endpoints the app tier calls through the NAT gateways. */
export const SAAS_DESTINATION_COUNT = 30;

export interface BackgroundPools {
  readonly clients: readonly string[];
  readonly clients6: readonly string[];
  readonly saas: readonly string[];
}

export function buildPools(rng: Prng): BackgroundPools {
  const clients: string[] = [];
  for (let i = 0; i < 50000; i++) clients.push(randomPublicIpv4(rng));
  const clients6: string[] = [];
  for (let i = 0; i < 500; i++) clients6.push(randomPublicIpv6(rng));
  const saas: string[] = [];
  for (let i = 0; i < SAAS_DESTINATION_COUNT; i++) saas.push(randomPublicIpv4(rng));
  return { clients, clients6, saas };
}

function elbV6(s: Stream, az: number): string {
  return `2600:1f18:${(0x4000 + s.index).toString(16)}:${az + 1}00::10`;
}

/**
 * Write `budget` benign records whose start lies in [slotStart, slotStart + 300) to `out`. Every connection is logged on the ENI that sees it, both ways.
 */
export function backgroundRecords(
  out: LineWriter,
  s: Stream,
  pools: BackgroundPools,
  rng: Prng,
  slotStart: number,
  budget: number,
  dnsResolvers: readonly string[],
): void {
  let left = budget;
  if (left > 0) {
    // The spare ENI has no traffic: AWS writes NODATA for it.
    statusLine(out, s.idle, slotStart, slotStart + 60, 'NODATA');
    left--;
  }
  while (left > 0) {
    const t = slotStart + rng.int(300);
    const end = t + 1 + rng.int(59);
    const r = rng.int(100);
    if (r < 30) {
      // Internet client -> ALB listener 443 (ELB ENI, no instance-id), and the response.
      const elb = s.elb[rng.int(2)]!;
      const c = pools.clients[rng.skewed(pools.clients.length)]!;
      const cp = ephemeral(rng);
      const pk = 4 + rng.int(20);
      flowLine(
        out,
        elb,
        c,
        elb.ip,
        cp,
        443,
        TCP,
        pk,
        pk * 90,
        t,
        end,
        'ACCEPT',
        2,
        c,
        elb.ip,
        '-',
        '-',
        'ingress',
        '-',
      );
      left--;
      if (left > 0) {
        const b = bytesFor(rng, 6, 6);
        flowLine(
          out,
          elb,
          elb.ip,
          c,
          443,
          cp,
          TCP,
          1 + Math.floor(b / 1200),
          b,
          t,
          end,
          'ACCEPT',
          18,
          elb.ip,
          c,
          '-',
          '-',
          'egress',
          8,
        );
        left--;
      }
    } else if (r < 31) {
      // IPv6 client of the dual-stack ALB.
      const az = rng.int(2);
      const elb = s.elb[az]!;
      const ip6 = elbV6(s, az);
      const c = pools.clients6[rng.int(pools.clients6.length)]!;
      const cp = ephemeral(rng);
      flowLine(
        out,
        elb,
        c,
        ip6,
        cp,
        443,
        TCP,
        12,
        1400,
        t,
        end,
        'ACCEPT',
        2,
        c,
        ip6,
        '-',
        '-',
        'ingress',
        '-',
      );
      left--;
      if (left > 0) {
        const b = bytesFor(rng, 7, 6);
        flowLine(
          out,
          elb,
          ip6,
          c,
          443,
          cp,
          TCP,
          1 + Math.floor(b / 1200),
          b,
          t,
          end,
          'ACCEPT',
          18,
          ip6,
          c,
          '-',
          '-',
          'egress',
          8,
        );
        left--;
      }
    } else if (r < 53) {
      // ALB -> web instance 8080, seen on the instance's ENI.
      const w = s.web[rng.int(s.web.length)]!;
      const elb = s.elb[rng.int(2)]!;
      const sp = ephemeral(rng);
      const pk = 4 + rng.int(20);
      flowLine(
        out,
        w,
        elb.ip,
        w.ip,
        sp,
        8080,
        TCP,
        pk,
        pk * 110,
        t,
        end,
        'ACCEPT',
        2,
        elb.ip,
        w.ip,
        '-',
        '-',
        'ingress',
        '-',
      );
      left--;
      if (left > 0) {
        const b = bytesFor(rng, 7, 7);
        flowLine(
          out,
          w,
          w.ip,
          elb.ip,
          8080,
          sp,
          TCP,
          1 + Math.floor(b / 1200),
          b,
          t,
          end,
          'ACCEPT',
          18,
          w.ip,
          elb.ip,
          '-',
          '-',
          'egress',
          1,
        );
        left--;
      }
    } else if (r < 67) {
      // App -> database 5432, seen on the database ENI (RDS: no instance-id).
      const w = s.web[rng.int(s.web.length)]!;
      const d = s.db[rng.int(2)]!;
      const sp = ephemeral(rng);
      const pk = 6 + rng.int(40);
      flowLine(
        out,
        d,
        w.ip,
        d.ip,
        sp,
        5432,
        TCP,
        pk,
        pk * 150,
        t,
        end,
        'ACCEPT',
        2,
        w.ip,
        d.ip,
        '-',
        '-',
        'ingress',
        '-',
      );
      left--;
      if (left > 0) {
        const b = bytesFor(rng, 6, 8);
        flowLine(
          out,
          d,
          d.ip,
          w.ip,
          5432,
          sp,
          TCP,
          1 + Math.floor(b / 1400),
          b,
          t,
          end,
          'ACCEPT',
          18,
          d.ip,
          w.ip,
          '-',
          '-',
          'egress',
          1,
        );
        left--;
      }
    } else if (r < 75) {
      // DNS to the approved resolvers, seen on the instance's ENI.
      const w = s.web[rng.int(s.web.length)]!;
      const res = dnsResolvers[rng.int(dnsResolvers.length)]!;
      const sp = ephemeral(rng);
      const n = 1 + rng.int(6);
      flowLine(
        out,
        w,
        w.ip,
        res,
        sp,
        53,
        UDP,
        n,
        n * 72,
        t,
        end,
        'ACCEPT',
        0,
        w.ip,
        res,
        '-',
        '-',
        'egress',
        1,
      );
      left--;
      if (left > 0) {
        flowLine(
          out,
          w,
          res,
          w.ip,
          53,
          sp,
          UDP,
          n,
          n * 140,
          t,
          end,
          'ACCEPT',
          0,
          res,
          w.ip,
          '-',
          '-',
          'ingress',
          '-',
        );
        left--;
      }
    } else if (r < 85) {
      // App -> SaaS over HTTPS through a NAT gateway, seen on the NAT ENI (in, out, reply).
      const w = s.web[rng.int(s.web.length)]!;
      const n = s.nat[rng.int(2)]!;
      const dst = pools.saas[rng.skewed(pools.saas.length)]!;
      const sp = ephemeral(rng);
      const up = bytesFor(rng, 5, 5);
      const down = bytesFor(rng, 7, 8);
      flowLine(
        out,
        n,
        w.ip,
        dst,
        sp,
        443,
        TCP,
        8 + Math.floor(up / 1200),
        up,
        t,
        end,
        'ACCEPT',
        2,
        w.ip,
        dst,
        '-',
        '-',
        'ingress',
        '-',
      );
      left--;
      if (left > 0) {
        flowLine(
          out,
          n,
          n.ip,
          dst,
          sp,
          443,
          TCP,
          8 + Math.floor(up / 1200),
          up,
          t,
          end,
          'ACCEPT',
          2,
          n.ip,
          dst,
          '-',
          '-',
          'egress',
          8,
        );
        left--;
      }
      if (left > 0) {
        flowLine(
          out,
          n,
          dst,
          n.ip,
          443,
          sp,
          TCP,
          1 + Math.floor(down / 1400),
          down,
          t,
          end,
          'ACCEPT',
          18,
          dst,
          n.ip,
          '-',
          '-',
          'ingress',
          '-',
        );
        left--;
      }
    } else if (r < 90) {
      // App -> S3 through the gateway endpoint: the AWS service fields are filled in.
      const w = s.web[rng.int(s.web.length)]!;
      const s3 = `52.216.${rng.int(256)}.${1 + rng.int(254)}`;
      const sp = ephemeral(rng);
      const up = bytesFor(rng, 7, 8);
      flowLine(
        out,
        w,
        w.ip,
        s3,
        sp,
        443,
        TCP,
        8 + Math.floor(up / 1400),
        up,
        t,
        end,
        'ACCEPT',
        2,
        w.ip,
        s3,
        '-',
        'S3',
        'egress',
        7,
      );
      left--;
      if (left > 0) {
        flowLine(
          out,
          w,
          s3,
          w.ip,
          443,
          sp,
          TCP,
          10,
          4000,
          t,
          end,
          'ACCEPT',
          18,
          s3,
          w.ip,
          'S3',
          '-',
          'ingress',
          '-',
        );
        left--;
      }
    } else if (r < 98) {
      // Internet background noise: one-off probes rejected by the security groups.
      const target = rng.int(4) === 0 ? s.elb[rng.int(2)]! : s.web[rng.int(s.web.length)]!;
      const src = randomPublicIpv4(rng);
      const dport = NOISE_PORTS[rng.int(NOISE_PORTS.length)]!;
      flowLine(
        out,
        target,
        src,
        target.ip,
        ephemeral(rng),
        dport,
        TCP,
        1,
        40 + rng.int(21),
        t,
        end,
        'REJECT',
        2,
        src,
        target.ip,
        '-',
        '-',
        'ingress',
        '-',
      );
      left--;
    } else {
      // Admin host -> SSH on an instance, from inside the VPC (benign look-alike of ssh-from-internet).
      const w = s.web[rng.int(s.web.length)]!;
      const sp = ephemeral(rng);
      flowLine(
        out,
        w,
        s.admin.ip,
        w.ip,
        sp,
        22,
        TCP,
        30,
        5200,
        t,
        end,
        'ACCEPT',
        2,
        s.admin.ip,
        w.ip,
        '-',
        '-',
        'ingress',
        '-',
      );
      left--;
      if (left > 0) {
        flowLine(
          out,
          w,
          w.ip,
          s.admin.ip,
          22,
          sp,
          TCP,
          28,
          9100,
          t,
          end,
          'ACCEPT',
          18,
          w.ip,
          s.admin.ip,
          '-',
          '-',
          'egress',
          1,
        );
        left--;
      }
    }
  }
}

import type { Prng } from './synth-prng';
import { flowLine, statusLine, TCP, UDP } from './synth-records';
import type { Stream } from './synth-topology';
import { LineWriter } from './synth-writer';

/** The attacks the generator can inject, named by the detection that should report each one. */
export const ATTACK_KINDS = [
  'rejected-connections',
  'exfiltration-volume',
  'direct-to-ec2-bypass',
  'port-scan',
  'ssh-rdp-from-internet',
  'database-egress',
  'outbound-flood',
  'unapproved-dns',
  'log-delivery-gaps',
] as const;

export type AttackKind = (typeof ATTACK_KINDS)[number];

/** What was injected, so a test can assert the finding that should come out of it. */
export interface InjectedAttack {
  /** Id of the detection expected to report it. */
  readonly detection: AttackKind;
  readonly description: string;
  readonly account: string;
  readonly region: string;
  /** Start of the first and end of the last injected record (Unix seconds). */
  readonly start: number;
  readonly end: number;
  /**
   * Values the finding carries, under flow-log column names (`srcaddr`, `dstaddr`, `dstport`,
   * `interface_id`, `instance_id`, ...). A detection may group by a subset of them.
   */
  readonly keys: Readonly<Record<string, string | number>>;
  /** Number of records injected for this attack. */
  readonly records: number;
  /** Other detections the same traffic legitimately trips (a port scan is also many REJECTs). */
  readonly alsoDetectedBy: readonly AttackKind[];
}

/** An attack's records, each with its start time (the generator files it by that time). */
export interface AttackRecords {
  readonly attack: InjectedAttack;
  readonly lines: { readonly start: number; readonly text: string }[];
}

/** Attacker addresses come from the documentation ranges, so background traffic never uses them. */
export const ATTACKERS = {
  bruteForcer: '198.51.100.23',
  exfilDrop: '203.0.113.77',
  bypassClient: '192.0.2.44',
  scanner: '203.0.113.9',
  sshClient: '198.51.100.200',
  dbThief: '203.0.113.150',
  floodVictim: '192.0.2.200',
  rogueResolver: '203.0.113.53',
} as const;

/** Bytes the exfiltration attack sends: 3 GiB, three times the default 1 GiB threshold. */
export const EXFIL_BYTES = 3 * 1024 ** 3;

const eph = (rng: Prng) => 32768 + rng.int(28232);

/**
 * Build the records of one attack starting at `at` (Unix seconds). Attacks last at most
 * 4 minutes so a short generated span still holds all of them.
 */
export function buildAttack(kind: AttackKind, s: Stream, rng: Prng, at: number): AttackRecords {
  const lines: { start: number; text: string }[] = [];
  // Each record is written by the shared formatter into a scratch writer, then kept as text.
  const lw = new LineWriter(512);
  const add = (start: number) => {
    lines.push({ start, text: lw.toString() });
    lw.pos = 0;
  };
  const base = { account: s.account, region: s.region };
  let keys: Record<string, string | number>;
  let description: string;
  let also: AttackKind[] = [];
  switch (kind) {
    case 'rejected-connections': {
      // A brute force against SMB on one instance: 240 rejected SYNs in 4 minutes.
      const w = s.web[0]!;
      for (let i = 0; i < 240; i++) {
        const t = at + i;
        flowLine(
          lw,
          w,
          ATTACKERS.bruteForcer,
          w.ip,
          eph(rng),
          445,
          TCP,
          1,
          44,
          t,
          t + 30,
          'REJECT',
          2,
          ATTACKERS.bruteForcer,
          w.ip,
          '-',
          '-',
          'ingress',
          '-',
        );
        add(t);
      }
      keys = { srcaddr: ATTACKERS.bruteForcer, dstaddr: w.ip, dstport: 445 };
      description = `240 rejected connections from ${ATTACKERS.bruteForcer} to ${w.ip}:445`;
      break;
    }
    case 'exfiltration-volume': {
      // An instance uploads 3 GiB to one external host. The first record alone is larger than
      // 2^31 bytes (64-bit counters) and spans 2 minutes, so the packet rate stays below the
      // outbound-flood threshold: this is a bulk upload, not a flood.
      const w = s.web[1]!;
      const sp = eph(rng);
      const big = 2_500_000_000;
      const rest = Math.floor((EXFIL_BYTES - big) / 59);
      for (let i = 0; i < 60; i++) {
        const t = at + i * 4;
        const b = i === 0 ? big : i === 1 ? EXFIL_BYTES - big - rest * 58 : rest;
        flowLine(
          lw,
          w,
          w.ip,
          ATTACKERS.exfilDrop,
          sp,
          443,
          TCP,
          Math.ceil(b / 1400),
          b,
          t,
          t + (i === 0 ? 120 : 60),
          'ACCEPT',
          2,
          w.ip,
          ATTACKERS.exfilDrop,
          '-',
          '-',
          'egress',
          8,
        );
        add(t);
      }
      keys = {
        srcaddr: w.ip,
        dstaddr: ATTACKERS.exfilDrop,
        interface_id: w.id,
        instance_id: w.instanceId ?? '-',
      };
      description = `${EXFIL_BYTES} bytes from ${w.ip} to ${ATTACKERS.exfilDrop}:443`;
      break;
    }
    case 'direct-to-ec2-bypass': {
      // HTTPS straight to an instance's own ENI (instance-id set), not through the ALB.
      const w = s.web[2]!;
      for (let i = 0; i < 30; i++) {
        const t = at + i * 8;
        const sp = eph(rng);
        flowLine(
          lw,
          w,
          ATTACKERS.bypassClient,
          w.ip,
          sp,
          443,
          TCP,
          10,
          1300,
          t,
          t + 20,
          'ACCEPT',
          2,
          ATTACKERS.bypassClient,
          w.ip,
          '-',
          '-',
          'ingress',
          '-',
        );
        add(t);
        flowLine(
          lw,
          w,
          w.ip,
          ATTACKERS.bypassClient,
          443,
          sp,
          TCP,
          14,
          18000,
          t,
          t + 20,
          'ACCEPT',
          18,
          w.ip,
          ATTACKERS.bypassClient,
          '-',
          '-',
          'egress',
          8,
        );
        add(t);
      }
      keys = {
        srcaddr: ATTACKERS.bypassClient,
        dstaddr: w.ip,
        dstport: 443,
        interface_id: w.id,
        instance_id: w.instanceId ?? '-',
      };
      description = `HTTPS from ${ATTACKERS.bypassClient} directly to instance ${w.instanceId} (${w.ip}), bypassing the ALB`;
      break;
    }
    case 'port-scan': {
      // A SYN scan of 1000 ports on one instance; the security group rejects them all.
      const w = s.web[3]!;
      for (let i = 0; i < 1000; i++) {
        const t = at + Math.floor((i * 240) / 1000);
        flowLine(
          lw,
          w,
          ATTACKERS.scanner,
          w.ip,
          eph(rng),
          1 + i,
          TCP,
          1,
          44,
          t,
          t + 10,
          'REJECT',
          2,
          ATTACKERS.scanner,
          w.ip,
          '-',
          '-',
          'ingress',
          '-',
        );
        add(t);
      }
      keys = { srcaddr: ATTACKERS.scanner };
      description = `${ATTACKERS.scanner} probed ports 1-1000 on ${w.ip}`;
      also = ['rejected-connections'];
      break;
    }
    case 'ssh-rdp-from-internet': {
      // An accepted SSH session from the internet (a security group open to 0.0.0.0/0).
      const w = s.web[4]!;
      for (let i = 0; i < 12; i++) {
        const t = at + i * 20;
        const sp = eph(rng);
        flowLine(
          lw,
          w,
          ATTACKERS.sshClient,
          w.ip,
          sp,
          22,
          TCP,
          40,
          6400,
          t,
          t + 20,
          'ACCEPT',
          2,
          ATTACKERS.sshClient,
          w.ip,
          '-',
          '-',
          'ingress',
          '-',
        );
        add(t);
        flowLine(
          lw,
          w,
          w.ip,
          ATTACKERS.sshClient,
          22,
          sp,
          TCP,
          36,
          9800,
          t,
          t + 20,
          'ACCEPT',
          18,
          w.ip,
          ATTACKERS.sshClient,
          '-',
          '-',
          'egress',
          8,
        );
        add(t);
      }
      keys = {
        srcaddr: ATTACKERS.sshClient,
        dstaddr: w.ip,
        dstport: 22,
        interface_id: w.id,
        instance_id: w.instanceId ?? '-',
      };
      description = `accepted SSH from ${ATTACKERS.sshClient} to ${w.ip}:22`;
      break;
    }
    case 'database-egress': {
      // A publicly reachable PostgreSQL: an external client pulls 600 MB from port 5432.
      const d = s.db[0]!;
      const sp = eph(rng);
      for (let i = 0; i < 20; i++) {
        const t = at + i * 12;
        flowLine(
          lw,
          d,
          ATTACKERS.dbThief,
          d.ip,
          sp,
          5432,
          TCP,
          400,
          24000,
          t,
          t + 12,
          'ACCEPT',
          2,
          ATTACKERS.dbThief,
          d.ip,
          '-',
          '-',
          'ingress',
          '-',
        );
        add(t);
        flowLine(
          lw,
          d,
          d.ip,
          ATTACKERS.dbThief,
          5432,
          sp,
          TCP,
          21500,
          30_000_000,
          t,
          t + 12,
          'ACCEPT',
          18,
          d.ip,
          ATTACKERS.dbThief,
          '-',
          '-',
          'egress',
          8,
        );
        add(t);
      }
      keys = { srcaddr: d.ip, dstaddr: ATTACKERS.dbThief, srcport: 5432, interface_id: d.id };
      description = `600000000 bytes from database ${d.ip}:5432 to ${ATTACKERS.dbThief}`;
      break;
    }
    case 'outbound-flood': {
      // Every web instance (a botnet foothold) floods one external host with UDP.
      for (const w of s.web) {
        for (let i = 0; i < 4; i++) {
          const t = at + i * 60;
          flowLine(
            lw,
            w,
            w.ip,
            ATTACKERS.floodVictim,
            eph(rng),
            80,
            UDP,
            3_000_000,
            180_000_000,
            t,
            t + 60,
            'ACCEPT',
            0,
            w.ip,
            ATTACKERS.floodVictim,
            '-',
            '-',
            'egress',
            8,
          );
          add(t);
        }
      }
      keys = { dstaddr: ATTACKERS.floodVictim };
      description = `${s.web.length} instances sending 3M packets/minute each to ${ATTACKERS.floodVictim}:80/udp`;
      break;
    }
    case 'unapproved-dns': {
      // An instance resolving through an external resolver (DNS tunnelling, malware C2).
      const w = s.web[5]!;
      for (let i = 0; i < 40; i++) {
        const t = at + i * 6;
        const sp = eph(rng);
        flowLine(
          lw,
          w,
          w.ip,
          ATTACKERS.rogueResolver,
          sp,
          53,
          UDP,
          2,
          150,
          t,
          t + 5,
          'ACCEPT',
          0,
          w.ip,
          ATTACKERS.rogueResolver,
          '-',
          '-',
          'egress',
          8,
        );
        add(t);
      }
      keys = { srcaddr: w.ip, dstaddr: ATTACKERS.rogueResolver, dstport: 53 };
      description = `DNS from ${w.ip} to unapproved resolver ${ATTACKERS.rogueResolver}`;
      break;
    }
    case 'log-delivery-gaps': {
      // The flow log service lost records for one ENI for 3 minutes.
      const w = s.web[6]!;
      for (let i = 0; i < 3; i++) {
        statusLine(lw, w, at + i * 60, at + i * 60 + 60, 'SKIPDATA');
        add(at + i * 60);
      }
      keys = { interface_id: w.id };
      description = `SKIPDATA records for ${w.id} over 3 minutes`;
      break;
    }
  }
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  for (const l of lines) {
    start = Math.min(start, l.start);
    // The end field is the 11th of 29 (index 11 zero-based): recover it cheaply from the text.
    end = Math.max(end, Number(l.text.split(' ', 12)[11]) + 1);
  }
  return {
    attack: {
      detection: kind,
      description,
      ...base,
      start,
      end,
      keys,
      records: lines.length,
      alsoDetectedBy: also,
    },
    lines,
  };
}

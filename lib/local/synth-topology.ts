import type { Prng } from './synth-prng';

/**
 * The synthetic network: per (account, region) one VPC with an internet-facing ALB (two ELB
 * ENIs, no instance-id), two NAT gateways, a web/app tier of EC2 instances, an RDS-like
 * database tier (ENIs without instance-id), internal DNS resolvers and an admin host.
 */

export type EniKind = 'elb' | 'nat' | 'web' | 'db' | 'resolver' | 'admin' | 'idle';

export interface Eni {
  readonly id: string;
  readonly kind: EniKind;
  readonly ip: string;
  readonly instanceId: string | null;
  /** `version account-id interface-id ` (record prefix). */
  readonly head: string;
  /** ` vpc-id subnet-id instance-id ` (between log-status and tcp-flags). */
  readonly ctx: string;
  /** ` region az-id sublocation-type sublocation-id ` (between pkt-dstaddr and pkt-src-aws-service). */
  readonly loc: string;
}

export interface Stream {
  readonly index: number;
  readonly account: string;
  readonly region: string;
  readonly flowLogId: string;
  readonly vpcId: string;
  /** Second octet of the VPC's 10.x.0.0/16. */
  readonly octet: number;
  readonly elb: readonly Eni[];
  readonly nat: readonly Eni[];
  readonly web: readonly Eni[];
  readonly db: readonly Eni[];
  readonly resolvers: readonly Eni[];
  readonly admin: Eni;
  readonly idle: Eni;
  /** Every ENI, for SKIPDATA/NODATA records. */
  readonly all: readonly Eni[];
}

export const WEB_INSTANCES = 12;

/** `us-east-1` -> `use1`, the prefix of AWS AZ ids (use1-az1). */
export function regionAzPrefix(region: string): string {
  const m = /^([a-z]{2})-([a-z]+)-(\d+)$/.exec(region);
  if (!m) throw new Error(`invalid AWS region '${region}' (expected e.g. us-east-1)`);
  const dir: Record<string, string> = {
    east: 'e',
    west: 'w',
    north: 'n',
    south: 's',
    central: 'c',
    northeast: 'ne',
    northwest: 'nw',
    southeast: 'se',
    southwest: 'sw',
  };
  return `${m[1]}${dir[m[2]!] ?? m[2]![0]}${m[3]}`;
}

export function buildStream(
  index: number,
  account: string,
  region: string,
  rng: Prng,
  octet: number,
): Stream {
  const vpcId = `vpc-${rng.hex(17)}`;
  const azPrefix = regionAzPrefix(region);
  const azIds = [`${azPrefix}-az1`, `${azPrefix}-az2`];
  const subnets = new Map<string, string>();
  const subnet = (tier: string, az: number) => {
    const k = `${tier}${az}`;
    let id = subnets.get(k);
    if (!id) {
      id = `subnet-${rng.hex(17)}`;
      subnets.set(k, id);
    }
    return id;
  };
  const enis: Eni[] = [];
  const make = (kind: EniKind, ip: string, tier: string, az: number, instance: boolean): Eni => {
    const id = `eni-${rng.hex(17)}`;
    const instanceId = instance ? `i-${rng.hex(17)}` : null;
    const eni: Eni = {
      id,
      kind,
      ip,
      instanceId,
      head: `5 ${account} ${id} `,
      ctx: ` ${vpcId} ${subnet(tier, az)} ${instanceId ?? '-'} `,
      loc: ` ${region} ${azIds[az]} - - `,
    };
    enis.push(eni);
    return eni;
  };
  const p = `10.${octet}`;
  const elb = [make('elb', `${p}.0.10`, 'public', 0, false), make('elb', `${p}.1.10`, 'public', 1, false)];
  const nat = [make('nat', `${p}.0.5`, 'public', 0, false), make('nat', `${p}.1.5`, 'public', 1, false)];
  const web: Eni[] = [];
  for (let i = 0; i < WEB_INSTANCES; i++)
    web.push(make('web', `${p}.${10 + (i % 2)}.${20 + i}`, 'app', i % 2, true));
  const db = [make('db', `${p}.20.15`, 'db', 0, false), make('db', `${p}.21.15`, 'db', 1, false)];
  const resolvers = [
    make('resolver', `${p}.0.53`, 'public', 0, false),
    make('resolver', `${p}.1.53`, 'public', 1, false),
  ];
  const admin = make('admin', `${p}.30.10`, 'app', 0, true);
  const idle = make('idle', `${p}.11.99`, 'app', 1, true);
  return {
    index,
    account,
    region,
    flowLogId: `fl-${rng.hex(17)}`,
    vpcId,
    octet,
    elb,
    nat,
    web,
    db,
    resolvers,
    admin,
    idle,
    all: enis,
  };
}

/** First octets of busy public address space (no private, shared, documentation or multicast ranges). */
const PUBLIC_FIRST_OCTETS = [
  3, 13, 18, 23, 24, 31, 34, 35, 44, 46, 50, 62, 64, 66, 68, 72, 73, 76, 77, 81, 82, 84, 86, 88, 90, 91, 93,
  94, 95, 98, 104, 107, 108, 109, 141, 151, 152, 176, 178, 185, 188, 193, 194, 195, 212, 213, 217,
];

export function randomPublicIpv4(rng: Prng): string {
  return `${rng.pick(PUBLIC_FIRST_OCTETS)}.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`;
}

export function randomPublicIpv6(rng: Prng): string {
  // 2a00::/12 (RIPE) style global unicast; never fc00::/7 (internal).
  return `2a0${1 + rng.int(9)}:${rng.hex(4)}:${rng.hex(3)}:${rng.hex(2)}::${rng.hex(3)}`;
}

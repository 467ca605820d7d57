import type { EniRecord, OwnerType } from '../../lib/context/eni-inventory';
import type { SqlParam } from '../../lib/detection/engine';
import { formatDt } from '../../lib/detection/window';
import type { FlowRow } from '../helpers/flow-table';

/**
 * A small network for the context saved queries (sql/queries that join eni_inventory and
 * threat_intel), as a function of the hour `t` the flows start at, so the Trino conformance
 * suite can place it in the recent past (partition projection ends at NOW) and DuckDB tests
 * can use a fixed time. Every expected row has a look-alike next to it that must not appear.
 *
 * VPC A (vpc-0aaa): web-1 10.0.1.10, web-2 10.0.1.11 (EC2), ALB orders-alb (10.0.0.10,
 * 10.0.0.11), NLB api-nlb 10.0.0.20, NAT 10.0.0.5, endpoint 10.0.0.30, RDS orders-db 10.0.3.60,
 * a MongoDB instance mongo-1 10.0.3.70. VPC B (vpc-0bbb): other-1, also 10.0.1.10, and
 * 10.0.0.10 is nobody there. Threat intel: Feodo 192.0.2.46 (port 8080), a DROP-style
 * 203.0.113.128/25 and a drop_v6-style 2001:db8:46::/48, so 203.0.113.9, 192.0.2.47 and
 * 2001:db8::46 are look-alikes.
 */

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const VPC_A = 'vpc-0aaa0000000000001';
export const VPC_B = 'vpc-0bbb0000000000002';

export const ENI = {
  web1: 'eni-0000000000000web1',
  web2: 'eni-0000000000000web2',
  alb1: 'eni-0000000000000alb1',
  alb2: 'eni-0000000000000alb2',
  nlb: 'eni-00000000000000nlb',
  nat: 'eni-00000000000000nat',
  vpce: 'eni-0000000000000vpce',
  rds: 'eni-00000000000000rds',
  mongo: 'eni-000000000000mongo',
  other: 'eni-000000000000other',
  gone: 'eni-0000000000000gone',
  unknown: 'eni-00000000000unknwn',
} as const;

function eniOf(
  account: string,
  id: string,
  ip: string,
  owner: OwnerType,
  ownerId: string | null,
  o: { name?: string; vpc?: string; instance?: boolean; snapshot: number },
): EniRecord {
  const name = o.name ?? null;
  return {
    interface_id: id,
    account_id: account,
    region: REGION,
    availability_zone: 'us-east-1a',
    vpc_id: o.vpc ?? VPC_A,
    subnet_id: 'subnet-0aaa0000000000001',
    interface_type: 'interface',
    requester_id: null,
    requester_managed: owner !== 'ec2_instance',
    status: 'in-use',
    description: null,
    owner_type: owner,
    owner_id: ownerId,
    instance_id: o.instance ? ownerId : null,
    private_ips: [ip],
    public_ips: owner === 'ec2_instance' ? [`54.0.0.${ip.split('.')[3]}`] : [],
    ipv6_ips: [],
    security_groups: ['sg-0aaa0000000000001'],
    name_tag: name,
    tags: name === null ? {} : { Name: name, team: 'orders' },
    snapshot_time: o.snapshot,
  };
}

type DropFirst<T extends unknown[]> = T extends [unknown, ...infer R] ? R : never;

export interface ContextFixture {
  /** Snapshots, oldest first: each one account and region (one inventory file). */
  readonly snapshots: { readonly time: number; readonly records: EniRecord[] }[];
  readonly flows: FlowRow[];
  /** A Feodo Tracker CSV and a Spamhaus DROP text list. */
  readonly threatLists: { readonly file: string; readonly text: string }[];
  /** Saved-query bound values: the 3-hour window the flows lie in. */
  readonly window: Record<string, SqlParam>;
}

/** The fixture with flows from hour `t` on, in `account` (the Trino suite needs one its projection lists). */
export function contextFixture(t: number, account: string = ACCOUNT): ContextFixture {
  const eni = (...a: DropFirst<Parameters<typeof eniOf>>) => eniOf(account, ...a);
  const ancient = t - 8 * 24 * 3600; // before inventory_dt_start (a week before the window): not read
  const older = t - 2 * 3600;
  const latest = t - 3600;
  const vpcA = (snapshot: number, web2Name: string) => [
    eni(ENI.web1, '10.0.1.10', 'ec2_instance', 'i-0web0000000000001', {
      name: 'web-1',
      instance: true,
      snapshot,
    }),
    eni(ENI.web2, '10.0.1.11', 'ec2_instance', 'i-0web0000000000002', {
      name: web2Name,
      instance: true,
      snapshot,
    }),
    eni(ENI.alb1, '10.0.0.10', 'elb_alb', 'orders-alb', { snapshot }),
    eni(ENI.alb2, '10.0.0.11', 'elb_alb', 'orders-alb', { snapshot }),
    eni(ENI.nlb, '10.0.0.20', 'elb_nlb', 'api-nlb', { snapshot }),
    eni(ENI.nat, '10.0.0.5', 'nat_gateway', 'nat-0aaa0000000000001', { snapshot }),
    eni(ENI.vpce, '10.0.0.30', 'vpc_endpoint', 'vpce-0aaa0000000000001', { snapshot }),
    eni(ENI.rds, '10.0.3.60', 'rds', null, { name: 'orders-db', snapshot }),
    eni(ENI.mongo, '10.0.3.70', 'ec2_instance', 'i-0mongo000000000001', {
      name: 'mongo-1',
      instance: true,
      snapshot,
    }),
    eni(ENI.other, '10.0.1.10', 'ec2_instance', 'i-0other000000000001', {
      name: 'other-1',
      vpc: VPC_B,
      instance: true,
      snapshot,
    }),
  ];
  const snapshots = [
    {
      time: ancient,
      records: [
        eni(ENI.gone, '10.0.7.7', 'ec2_instance', 'i-0gone0000000000001', {
          name: 'gone',
          instance: true,
          snapshot: ancient,
        }),
      ],
    },
    { time: older, records: vpcA(older, 'web-2-previous-name') },
    { time: latest, records: vpcA(latest, 'web-2') },
  ];
  const at = (minute: number) => t + minute * 60;
  const ext = (
    interface_id: string,
    srcaddr: string,
    srcport: number,
    dstaddr: string,
    dstport: number,
    minute: number,
    extra: FlowRow = {},
  ): FlowRow => ({
    account_id: account,
    interface_id,
    srcaddr,
    srcport,
    dstaddr,
    dstport,
    start: at(minute),
    ...extra,
  });
  const flows: FlowRow[] = [
    // (1) reached from outside: web-1 SSH from two sources; an interface missing from the inventory
    ext(ENI.web1, '203.0.113.9', 40000, '10.0.1.10', 22, 1, { bytes: 3000 }),
    ext(ENI.web1, '198.51.100.7', 40001, '10.0.1.10', 22, 2, { bytes: 4000 }),
    ext(ENI.unknown, '198.51.100.8', 40002, '10.0.9.9', 8080, 3, { bytes: 500 }),
    //   look-alikes: to the ALB, a reply to web-2's own HTTPS call, a REJECT, a NAT reply, an internal client, an interface only in the pruned snapshot
    ext(ENI.alb1, '203.0.113.9', 40003, '10.0.0.10', 443, 4),
    ext(ENI.web2, '93.184.216.34', 443, '10.0.1.11', 51000, 5),
    ext(ENI.web2, '203.0.113.9', 40004, '10.0.1.11', 3389, 6, { action: 'REJECT' }),
    ext(ENI.nat, '93.184.216.34', 443, '10.0.0.5', 1025, 7),
    ext(ENI.vpce, '52.94.0.1', 40005, '10.0.0.30', 443, 7),
    ext(ENI.web2, '10.0.5.5', 40006, '10.0.1.11', 22, 8),
    ext(ENI.gone, '198.51.100.9', 40007, '10.0.7.7', 25, 8),
    // (2) databases to outside: the RDS interface on any port, a MongoDB port
    ext(ENI.rds, '10.0.3.60', 15432, '198.51.100.200', 50000, 10, { bytes: 9_000_000 }),
    ext(ENI.mongo, '10.0.3.70', 27017, '203.0.113.150', 51000, 11, { bytes: 5_000_000 }),
    ext(ENI.mongo, '10.0.3.70', 27017, '203.0.113.150', 51001, 12, { bytes: 1_000_000 }),
    //   look-alikes: to an internal client, a DB port to a server port (a NAT-style translation), not a DB port
    ext(ENI.rds, '10.0.3.60', 5432, '10.0.1.10', 41000, 13, { bytes: 7_000_000 }),
    ext(ENI.web2, '10.0.1.11', 3306, '203.0.113.5', 443, 14, { bytes: 6_000_000 }),
    ext(ENI.web1, '10.0.1.10', 41001, '203.0.113.6', 443, 15, { bytes: 8_000_000 }),
    // (3) threats: web-1 tries the Feodo C2 (REJECT), the listed /25 probes web-2 (REJECT); mongo's peer above is listed (ACCEPT)
    ext(ENI.web1, '10.0.1.10', 41002, '192.0.2.46', 8080, 20, { action: 'REJECT' }),
    ext(ENI.web2, '203.0.113.200', 44444, '10.0.1.11', 22, 21, { action: 'REJECT' }),
    //   an IPv6 address inside a listed /48 (ACCEPT)
    ext(ENI.web1, '2600:1f18::10', 41005, '2001:db8:46::1', 443, 23, { type: 'IPv6', bytes: 1500 }),
    //   look-alikes: the address next to the C2, an IPv6 address just outside the /48
    ext(ENI.web1, '10.0.1.10', 41003, '192.0.2.47', 8080, 22),
    ext(ENI.web1, '2600:1f18::10', 41004, '2001:db8::46', 8080, 22, { type: 'IPv6' }),
    // (4)+(5) load balancers to targets, logged on the LB's interfaces and on the targets'
    ext(ENI.alb1, '10.0.0.10', 40010, '10.0.1.10', 8080, 30, { bytes: 2000 }),
    ext(ENI.alb1, '10.0.0.10', 40011, '10.0.1.10', 8080, 31, { bytes: 2000 }),
    ext(ENI.alb2, '10.0.0.11', 40012, '10.0.1.11', 8080, 32, { bytes: 2500 }),
    ext(ENI.nlb, '10.0.0.20', 40013, '10.0.4.4', 9000, 33, { bytes: 700 }),
    ext(ENI.web1, '10.0.0.10', 40010, '10.0.1.10', 8080, 30, { bytes: 2000 }),
    ext(ENI.web1, '10.0.0.20', 40014, '10.0.1.10', 9000, 34, { bytes: 800 }),
    ext(ENI.web2, '10.0.0.11', 40012, '10.0.1.11', 8080, 32, { bytes: 2500 }),
    //   look-alikes: the ALB answering a client (from its listener port), the target's reply to
    //   the ALB, a non-LB sender, the same addresses in VPC B (no LB there)
    ext(ENI.alb1, '10.0.0.10', 443, '10.0.5.5', 50000, 35),
    ext(ENI.alb1, '10.0.1.10', 8080, '10.0.0.10', 40010, 35),
    ext(ENI.web1, '10.0.3.60', 5432, '10.0.1.10', 41000, 36),
    ext(ENI.other, '10.0.0.10', 40015, '10.0.1.10', 8080, 37),
  ];
  const threatLists = [
    {
      file: 'ipblocklist.csv',
      text: '"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n"2026-01-01 00:00:00","192.0.2.46","8080","online","2026-01-15","Emotet"\n',
    },
    { file: 'drop.txt', text: '; Spamhaus DROP List\n203.0.113.128/25 ; SBL000001\n' },
    { file: 'drop_v6.json', text: '{"cidr":"2001:db8:46::/48","sblid":"SBL000002","rir":"ripencc"}\n' },
  ];
  const window = {
    window_start: t - 3600,
    window_end: t + 3 * 3600,
    dt_start: formatDt(t - 3 * 3600, 'hour'),
    dt_end: formatDt(t + 4 * 3600, 'hour'),
    // as the runner binds it: a week before the window start
    inventory_dt_start: formatDt(t - 3600 - 7 * 24 * 3600, 'hour'),
  };
  return { snapshots, flows, threatLists, window };
}

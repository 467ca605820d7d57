import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ATTACKERS } from '../local/synth-attacks';
import type { Eni, Stream } from '../local/synth-topology';

/**
 * Context files for `flowwatch demo`: a `describe-network-interfaces` dump of the network the
 * generator simulates (lib/local/synth-topology.ts), and a small threat-intel list naming two
 * addresses its injected attacks contact. Nothing here changes the generated flow records; the
 * dump only describes the interfaces those records already carry.
 */

/** The fields of `aws ec2 describe-network-interfaces` output the demo fills (a subset AWS writes). */
export interface DemoInterface {
  NetworkInterfaceId: string;
  InterfaceType: string;
  Description: string;
  RequesterId?: string;
  RequesterManaged: boolean;
  Status: 'in-use';
  OwnerId: string;
  AvailabilityZone: string;
  VpcId: string;
  SubnetId: string;
  PrivateIpAddress: string;
  PrivateDnsName: string;
  PrivateIpAddresses: {
    Primary: true;
    PrivateIpAddress: string;
    PrivateDnsName: string;
    Association?: DemoAssociation;
  }[];
  Association?: DemoAssociation;
  Attachment?: {
    InstanceId?: string;
    InstanceOwnerId: string;
    DeviceIndex: number;
    Status: 'attached';
  };
  Groups: { GroupId: string; GroupName: string }[];
  Ipv6Addresses: never[];
  SourceDestCheck: boolean;
  TagSet: { Key: string; Value: string }[];
}

interface DemoAssociation {
  IpOwnerId: string;
  PublicIp: string;
}

/** The name the demo's ALB has (its interfaces are described `ELB app/web-alb/<id>`). */
export const DEMO_ALB_NAME = 'web-alb';

/** Stable pseudo-ids derived from the generator's own ids, so one seed gives one dump. */
function idFrom(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

/** `us-east-1` + `use1-az2` -> `us-east-1b` (AZ names and ids differ per account in AWS; any mapping will do here). */
function zoneName(region: string, azId: string): string {
  const n = Number(/-az(\d+)$/.exec(azId)?.[1] ?? '1');
  return `${region}${'abcdef'[n - 1] ?? 'a'}`;
}

function dnsName(region: string, ip: string): string {
  const domain = region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`;
  return `ip-${ip.replace(/\./g, '-')}.${domain}`;
}

/**
 * The generator's network as `describe-network-interfaces` JSON, one page per call (account and
 * region), in the formats deriveOwner (lib/context/eni-inventory.ts) reads: instances with a
 * Name tag (their launch template tags the instance's ENIs too, which is what the dump shows),
 * the ALB's requester-managed `ELB app/<name>/<id>` interfaces, NAT gateways
 * (`nat_gateway` type, `Interface for NAT Gateway nat-...`), the RDS-like database
 * (`RDSNetworkInterface`, requester `amazon-rds`; RDS ENIs carry no Name) and the Route 53
 * Resolver endpoints (kept as `other`). The web tier's subnets assign public addresses, which is
 * what lets the injected attacks reach the instances directly.
 */
export function describeDemoInterfaces(topology: readonly Stream[]): { NetworkInterfaces: DemoInterface[] } {
  const out: DemoInterface[] = [];
  for (const s of topology) {
    const sg = (name: string) => ({ GroupId: `sg-${idFrom(`${s.vpcId}/${name}`, 17)}`, GroupName: name });
    const albId = idFrom(`${s.vpcId}/alb`, 16);
    let publicHost = 10;
    // 52.x is not among the generator's internet peers, so no public address here meets a background flow.
    const publicIp = (): DemoAssociation => ({
      IpOwnerId: 'amazon',
      PublicIp: `52.${s.octet}.${s.index}.${publicHost++}`,
    });
    const iface = (
      e: Eni,
      fields: Pick<
        DemoInterface,
        'InterfaceType' | 'Description' | 'RequesterManaged' | 'Groups' | 'TagSet'
      > &
        Partial<Pick<DemoInterface, 'RequesterId' | 'Attachment'>>,
      association?: DemoAssociation,
    ): DemoInterface => {
      // The generator writes ` vpc-id subnet-id instance-id ` and ` region az-id - - ` per ENI.
      const [vpcId, subnetId] = e.ctx.trim().split(' ');
      const [region, azId] = e.loc.trim().split(' ');
      const dns = dnsName(region!, e.ip);
      return {
        NetworkInterfaceId: e.id,
        InterfaceType: fields.InterfaceType,
        Description: fields.Description,
        ...(fields.RequesterId ? { RequesterId: fields.RequesterId } : {}),
        RequesterManaged: fields.RequesterManaged,
        Status: 'in-use',
        OwnerId: s.account,
        AvailabilityZone: zoneName(region!, azId!),
        VpcId: vpcId!,
        SubnetId: subnetId!,
        PrivateIpAddress: e.ip,
        PrivateDnsName: dns,
        PrivateIpAddresses: [
          {
            Primary: true,
            PrivateIpAddress: e.ip,
            PrivateDnsName: dns,
            ...(association ? { Association: association } : {}),
          },
        ],
        ...(association ? { Association: association } : {}),
        ...(fields.Attachment ? { Attachment: fields.Attachment } : {}),
        Groups: fields.Groups,
        Ipv6Addresses: [],
        // Only a NAT gateway forwards others' traffic.
        SourceDestCheck: fields.InterfaceType !== 'nat_gateway',
        TagSet: fields.TagSet,
      };
    };
    const instance = (e: Eni, name: string, group: string, exposed: boolean): DemoInterface => {
      const a = exposed ? publicIp() : undefined;
      return iface(
        e,
        {
          InterfaceType: 'interface',
          Description: '',
          RequesterManaged: false,
          Attachment: {
            ...(e.instanceId ? { InstanceId: e.instanceId } : {}),
            InstanceOwnerId: s.account,
            DeviceIndex: 0,
            Status: 'attached',
          },
          Groups: [sg(group)],
          TagSet: [{ Key: 'Name', Value: name }],
        },
        a,
      );
    };
    for (const e of s.elb)
      out.push(
        iface(
          e,
          {
            InterfaceType: 'interface',
            Description: `ELB app/${DEMO_ALB_NAME}/${albId}`,
            RequesterId: 'amazon-elb',
            RequesterManaged: true,
            Attachment: { InstanceOwnerId: 'amazon-elb', DeviceIndex: 1, Status: 'attached' },
            Groups: [sg(DEMO_ALB_NAME)],
            TagSet: [],
          },
          publicIp(),
        ),
      );
    for (const e of s.nat)
      out.push(
        iface(
          e,
          {
            InterfaceType: 'nat_gateway',
            Description: `Interface for NAT Gateway nat-${idFrom(e.id, 17)}`,
            RequesterManaged: true,
            Attachment: { InstanceOwnerId: 'amazon-aws', DeviceIndex: 1, Status: 'attached' },
            Groups: [],
            TagSet: [],
          },
          publicIp(),
        ),
      );
    s.web.forEach((e, i) => {
      out.push(instance(e, `web-${i + 1}`, 'web', true));
    });
    for (const e of s.db)
      out.push(
        iface(e, {
          InterfaceType: 'interface',
          Description: 'RDSNetworkInterface',
          RequesterId: 'amazon-rds',
          RequesterManaged: true,
          Attachment: { InstanceOwnerId: 'amazon-rds', DeviceIndex: 1, Status: 'attached' },
          Groups: [sg('orders-db')],
          TagSet: [],
        }),
      );
    for (const e of s.resolvers)
      out.push(
        iface(e, {
          InterfaceType: 'interface',
          Description: `Route 53 Resolver: rslvr-in-${idFrom(`${s.vpcId}/resolver`, 17)}:rni-${idFrom(e.id, 17)}`,
          RequesterManaged: true,
          Groups: [sg('dns-resolver')],
          TagSet: [],
        }),
      );
    out.push(instance(s.admin, 'admin', 'admin', false));
    out.push(instance(s.idle, 'idle', 'web', false));
  }
  return { NetworkInterfaces: out };
}

/** An address on the demo's threat-intel list and the injected attack that contacts it. */
export interface DemoListedAddress {
  readonly address: string;
  /** The injected attack whose records contact the address. */
  readonly attack: 'exfiltration-volume' | 'port-scan';
  /** The action its flows have, so the demo knows which threat-intel-match finding to expect. */
  readonly action: 'ACCEPT' | 'REJECT';
  readonly description: string;
}

export const DEMO_LISTED: readonly DemoListedAddress[] = [
  {
    address: ATTACKERS.exfilDrop,
    attack: 'exfiltration-volume',
    action: 'ACCEPT',
    description: 'data-theft drop server (the exfiltration destination)',
  },
  {
    address: ATTACKERS.scanner,
    attack: 'port-scan',
    action: 'REJECT',
    description: 'mass scanner (the port scanner)',
  },
];

/** The demo's threat-intel list: plain format, `address # description` (docs/CONTEXT.md). */
export function demoThreatIntelList(): string {
  return [
    '# FlowWatch demo threat-intel list (plain format: one address or CIDR a line, # comments).',
    '# These are documentation addresses (RFC 5737, TEST-NET-3) standing in for a real feed such',
    '# as abuse.ch Feodo Tracker or Spamhaus DROP; the demo attacks use them so no real host is named.',
    ...DEMO_LISTED.map((l) => `${l.address}  # ${l.description}`),
    '',
  ].join('\n');
}

export interface DemoContextFiles {
  /** The `describe-network-interfaces` dump. */
  readonly dump: string;
  /** The threat-intel list. */
  readonly list: string;
  /** Where `flowwatch inventory --out` writes the inventory files. */
  readonly inventory: string;
  readonly interfaces: DemoInterface[];
}

/** Write the dump and the list under `dir` (the inventory files are written by `flowwatch inventory`). */
export async function writeDemoContext(dir: string, topology: readonly Stream[]): Promise<DemoContextFiles> {
  await mkdir(dir, { recursive: true });
  const dump = join(dir, 'enis.json');
  const list = join(dir, 'demo-blocklist.txt');
  const described = describeDemoInterfaces(topology);
  await writeFile(dump, `${JSON.stringify(described, null, 2)}\n`);
  await writeFile(list, demoThreatIntelList());
  return { dump, list, inventory: join(dir, 'inventory'), interfaces: described.NetworkInterfaces };
}

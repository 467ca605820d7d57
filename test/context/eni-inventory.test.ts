import {
  deriveOwner,
  type EniRecord,
  InventoryInputError,
  parseDescribeNetworkInterfaces,
  regionFromAz,
} from '../../lib/context/eni-inventory';
import { ACCOUNT, DUMP_INTERFACES, dumpJson, REGION } from './eni-fixtures';

const T = 1768467600; // 2026-01-15T09:00:00Z

function byId(records: EniRecord[]): Map<string, EniRecord> {
  return new Map(records.map((r) => [r.interface_id, r]));
}

describe('parseDescribeNetworkInterfaces', () => {
  it('derives one record per interface with its owner type and id', () => {
    // GIVEN a dump with one interface of each kind
    // WHEN it is parsed
    const records = parseDescribeNetworkInterfaces(dumpJson(), { snapshotTime: T, source: 'dump.json' });
    // THEN every interface has a record, classified as AWS describes it
    expect(records).toHaveLength(DUMP_INTERFACES.length);
    const owners = Object.fromEntries(records.map((r) => [r.interface_id, [r.owner_type, r.owner_id]]));
    expect(owners).toEqual({
      'eni-0ec2000000000001': ['ec2_instance', 'i-0web0000000000001'],
      'eni-0a1b000000000002': ['elb_alb', 'orders-alb'],
      'eni-0b1b000000000003': ['elb_nlb', 'edge-nlb'],
      'eni-0c1b000000000004': ['elb_classic', 'legacy-web'],
      'eni-0d1b000000000005': ['nat_gateway', 'nat-0a8b0e0d28266841f'],
      'eni-0e1b000000000006': ['rds', null],
      'eni-0f1b000000000007': ['lambda', 'resize-images'],
      'eni-101b000000000008': ['lambda', 'billing-export'],
      'eni-111b000000000009': ['vpc_endpoint', 'vpce-0d8ddce4be80e4474'],
      'eni-121b00000000000a': ['eks', 'shop-cluster'],
      'eni-131b00000000000b': ['efs', 'fs-0dcdbf56073416b82'],
      'eni-141b00000000000c': ['transit_gateway', 'tgw-attach-06bf47fa39e5d1578'],
      'eni-151b00000000000d': ['api_gateway', null],
      'eni-161b00000000000e': ['other', null],
      'eni-171b00000000000f': ['other', null],
    });
  });

  it('keeps addresses (primary first), groups, tags, and the Name tag', () => {
    const r = byId(parseDescribeNetworkInterfaces(dumpJson(), { snapshotTime: T })).get(
      'eni-0ec2000000000001',
    )!;
    expect(r).toEqual({
      interface_id: 'eni-0ec2000000000001',
      account_id: ACCOUNT,
      region: REGION,
      availability_zone: 'us-east-1a',
      vpc_id: 'vpc-0abc1234',
      subnet_id: 'subnet-0aaa1111',
      interface_type: 'interface',
      requester_id: null,
      requester_managed: false,
      status: 'in-use',
      description: 'Primary network interface',
      owner_type: 'ec2_instance',
      owner_id: 'i-0web0000000000001',
      instance_id: 'i-0web0000000000001',
      private_ips: ['10.0.1.10', '10.0.1.11'],
      public_ips: ['198.51.100.10', '198.51.100.11'],
      ipv6_ips: ['2600:1f18:aaaa:bbbb::10'],
      security_groups: ['sg-0web', 'sg-0ssh'],
      name_tag: 'web-1',
      tags: { Name: 'web-1', team: 'shop' },
      snapshot_time: T,
    });
  });

  it('names an instance only when the account owns it (as flow logs do)', () => {
    const m = byId(parseDescribeNetworkInterfaces(dumpJson(), { snapshotTime: T }));
    // EKS control-plane ENI attached to an AWS-owned instance: no instance id
    expect(m.get('eni-121b00000000000a')!.instance_id).toBeNull();
    // load balancer and NAT attachments carry no instance
    expect(m.get('eni-0a1b000000000002')!.instance_id).toBeNull();
    expect(m.get('eni-0d1b000000000005')!.instance_id).toBeNull();
    // the unknown kind keeps its description for the responder
    expect(m.get('eni-171b00000000000f')!.description).toBe('RedshiftNetworkInterface');
  });

  it('trusts service descriptions only on interfaces a service created', () => {
    // GIVEN a user-created ENI attached to their instance, described like an ALB
    const owner = deriveOwner({
      NetworkInterfaceId: 'eni-1',
      Description: 'ELB app/fake/0123abcd',
      OwnerId: ACCOUNT,
      Attachment: { InstanceId: 'i-1', InstanceOwnerId: ACCOUNT },
    });
    // THEN it is the instance's interface, not a load balancer
    expect(owner).toEqual({ owner_type: 'ec2_instance', owner_id: 'i-1' });
  });

  it('falls back to InterfaceType or RequesterId when the description says nothing', () => {
    expect(
      deriveOwner({ NetworkInterfaceId: 'eni-1', InterfaceType: 'nat_gateway', Description: '' }),
    ).toEqual({
      owner_type: 'nat_gateway',
      owner_id: null,
    });
    expect(
      deriveOwner({ NetworkInterfaceId: 'eni-1', RequesterId: 'amazon-rds', RequesterManaged: true }),
    ).toEqual({ owner_type: 'rds', owner_id: null });
    expect(
      deriveOwner({ NetworkInterfaceId: 'eni-1', InterfaceType: 'gateway_load_balancer_endpoint' }),
    ).toEqual({
      owner_type: 'vpc_endpoint',
      owner_id: null,
    });
  });

  it('takes the region from the zone, including local zones, or from the caller', () => {
    expect(regionFromAz('eu-west-1b')).toBe('eu-west-1');
    expect(regionFromAz('us-west-2-lax-1a')).toBe('us-west-2');
    expect(regionFromAz('us-gov-west-1a')).toBe('us-gov-west-1');
    const recs = parseDescribeNetworkInterfaces(dumpJson(DUMP_INTERFACES.slice(0, 1)), {
      snapshotTime: T,
      region: 'eu-central-1',
    });
    expect(recs[0]!.region).toBe('eu-central-1');
  });

  it('accepts an array of pages and drops an interface repeated across pages', () => {
    const pages = JSON.stringify([
      { NetworkInterfaces: DUMP_INTERFACES.slice(0, 3) },
      { NetworkInterfaces: DUMP_INTERFACES.slice(2, 5) },
    ]);
    const recs = parseDescribeNetworkInterfaces(pages, { snapshotTime: T });
    expect(recs.map((r) => r.interface_id)).toEqual(
      DUMP_INTERFACES.slice(0, 5).map((n) => n.NetworkInterfaceId),
    );
  });

  it('rejects bad input with the file, index and field', () => {
    const bad = structuredClone(DUMP_INTERFACES.slice(0, 4));
    (bad[3]!.PrivateIpAddresses as { PrivateIpAddress: unknown }[])[0]!.PrivateIpAddress = 42;
    expect(() =>
      parseDescribeNetworkInterfaces(dumpJson(bad), { snapshotTime: T, source: 'dump.json' }),
    ).toThrow(
      /^dump\.json: NetworkInterfaces\[3\]\.PrivateIpAddresses\[0\]\.PrivateIpAddress: .*expected string/,
    );
    expect(() =>
      parseDescribeNetworkInterfaces('{"NetworkInterfaces": [', { snapshotTime: T, source: 'd.json' }),
    ).toThrow(/^d\.json: not valid JSON/);
    expect(() =>
      parseDescribeNetworkInterfaces('{"Reservations": []}', { snapshotTime: T, source: 'd.json' }),
    ).toThrow(/^d\.json: NetworkInterfaces: /);
    const noOwner = structuredClone(DUMP_INTERFACES.slice(0, 2));
    delete noOwner[1]!.OwnerId;
    expect(() =>
      parseDescribeNetworkInterfaces(dumpJson(noOwner), { snapshotTime: T, source: 'd.json' }),
    ).toThrow(
      new InventoryInputError('d.json: NetworkInterfaces[1].OwnerId: missing, and no account was given'),
    );
  });
});

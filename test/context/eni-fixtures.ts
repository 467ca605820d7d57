/**
 * A small `aws ec2 describe-network-interfaces` dump: one interface of each kind, shaped like the
 * real API output (field names and description formats as AWS writes them; ids invented).
 */
export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';

type Ni = Record<string, unknown>;

function ni(id: string, ip: string, extra: Ni): Ni {
  return {
    NetworkInterfaceId: id,
    OwnerId: ACCOUNT,
    AvailabilityZone: 'us-east-1a',
    SubnetId: 'subnet-0aaa1111',
    VpcId: 'vpc-0abc1234',
    Status: 'in-use',
    PrivateIpAddress: ip,
    PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: ip }],
    Ipv6Addresses: [],
    Groups: [],
    TagSet: [],
    MacAddress: '0a:00:00:00:00:01',
    SourceDestCheck: true,
    InterfaceType: 'interface',
    RequesterManaged: false,
    Description: '',
    ...extra,
  };
}

export const DUMP_INTERFACES: Ni[] = [
  ni('eni-0ec2000000000001', '10.0.1.10', {
    Description: 'Primary network interface',
    Attachment: {
      InstanceId: 'i-0web0000000000001',
      InstanceOwnerId: ACCOUNT,
      DeviceIndex: 0,
      Status: 'attached',
    },
    Association: { PublicIp: '198.51.100.10', IpOwnerId: 'amazon' },
    // Secondary address listed first: the primary must still come first in private_ips.
    PrivateIpAddresses: [
      { Primary: false, PrivateIpAddress: '10.0.1.11', Association: { PublicIp: '198.51.100.11' } },
      { Primary: true, PrivateIpAddress: '10.0.1.10', Association: { PublicIp: '198.51.100.10' } },
    ],
    Ipv6Addresses: [{ Ipv6Address: '2600:1f18:aaaa:bbbb::10' }],
    Groups: [
      { GroupId: 'sg-0web', GroupName: 'web' },
      { GroupId: 'sg-0ssh', GroupName: 'ssh' },
    ],
    TagSet: [
      { Key: 'Name', Value: 'web-1' },
      { Key: 'team', Value: 'shop' },
    ],
  }),
  ni('eni-0a1b000000000002', '10.0.2.20', {
    Description: 'ELB app/orders-alb/50dc6c495c0c9188',
    RequesterId: 'amazon-elb',
    RequesterManaged: true,
    Attachment: { InstanceOwnerId: 'amazon-elb', DeviceIndex: 1, Status: 'attached' },
  }),
  ni('eni-0b1b000000000003', '10.0.2.30', {
    Description: 'ELB net/edge-nlb/a1b2c3d4e5f60718',
    InterfaceType: 'network_load_balancer',
    RequesterId: 'amazon-elb',
    RequesterManaged: true,
    Association: { PublicIp: '203.0.113.30' },
  }),
  ni('eni-0c1b000000000004', '10.0.2.40', {
    Description: 'ELB legacy-web',
    RequesterId: 'amazon-elb',
    RequesterManaged: true,
  }),
  ni('eni-0d1b000000000005', '10.0.0.50', {
    Description: 'Interface for NAT Gateway nat-0a8b0e0d28266841f',
    InterfaceType: 'nat_gateway',
    RequesterId: '123456789012',
    RequesterManaged: true,
    Attachment: { InstanceOwnerId: 'amazon-aws', DeviceIndex: 1, Status: 'attached' },
    Association: { PublicIp: '203.0.113.50' },
  }),
  ni('eni-0e1b000000000006', '10.0.3.60', {
    Description: 'RDSNetworkInterface',
    RequesterId: 'amazon-rds',
    RequesterManaged: true,
    TagSet: [{ Key: 'Name', Value: 'orders-db' }],
  }),
  ni('eni-0f1b000000000007', '10.0.4.70', {
    Description: 'AWS Lambda VPC ENI-resize-images-1a2b3c4d-1111-2222-3333-aaaabbbbcccc',
    InterfaceType: 'interface',
    RequesterId: 'AROAEXAMPLE:aws-lambda',
    RequesterManaged: true,
  }),
  ni('eni-101b000000000008', '10.0.4.80', {
    Description: 'AWS Lambda VPC ENI-billing-export',
    InterfaceType: 'lambda',
    RequesterId: 'AROAEXAMPLE:aws-lambda',
    RequesterManaged: true,
  }),
  ni('eni-111b000000000009', '10.0.5.90', {
    Description: 'VPC Endpoint Interface vpce-0d8ddce4be80e4474',
    InterfaceType: 'vpc_endpoint',
    RequesterId: '727180483921',
    RequesterManaged: true,
  }),
  // EKS control-plane ENI: in our VPC, attached to an AWS-owned instance in another account.
  ni('eni-121b00000000000a', '10.0.6.100', {
    Description: 'Amazon EKS shop-cluster',
    RequesterId: '987654321098',
    RequesterManaged: false,
    Attachment: { InstanceId: 'i-0aws000000000000a', InstanceOwnerId: '987654321098', DeviceIndex: 1 },
  }),
  ni('eni-131b00000000000b', '10.0.3.110', {
    Description: 'EFS mount target for fs-0dcdbf56073416b82 (fsmt-0852ce334db888836)',
    RequesterId: '641247547298',
    RequesterManaged: true,
  }),
  ni('eni-141b00000000000c', '10.0.7.120', {
    Description: 'Network Interface for Transit Gateway Attachment tgw-attach-06bf47fa39e5d1578',
    InterfaceType: 'transit_gateway',
    RequesterManaged: true,
  }),
  ni('eni-151b00000000000d', '10.0.7.130', {
    Description: 'VPC Link for API Gateway',
    InterfaceType: 'api_gateway_managed',
    RequesterManaged: true,
  }),
  // A user's own detached ENI whose description imitates a load balancer: not an ELB.
  ni('eni-161b00000000000e', '10.0.8.140', { Description: 'ELB spare', Status: 'available' }),
  // A managed interface of a service we do not classify: 'other', description kept.
  ni('eni-171b00000000000f', '10.0.8.150', {
    Description: 'RedshiftNetworkInterface',
    RequesterId: 'amazon-redshift',
    RequesterManaged: true,
  }),
];

export function dumpJson(interfaces: Ni[] = DUMP_INTERFACES): string {
  return JSON.stringify({ NetworkInterfaces: interfaces }, null, 2);
}

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateNetworkInterfaceCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ENV } from '../../lib/constants/env';
import type { EniRecord } from '../../lib/context/eni-inventory';
import { writeInventory } from '../../lib/context/inventory-store';
import {
  loadEniInventoryConfig,
  snapshotEniInventory,
  snapshotTimeOf,
} from '../../lib/runtime/eni-inventory';
import { MOTO_ACCOUNT, MOTO_REGION, type Moto, startMoto } from '../helpers/moto';
import { recordingLog } from './aws-fixture';

/** The inventory snapshot against moto's EC2 and S3. */
let moto: Moto;
let ec2: EC2Client;
let s3: S3Client;
const BUCKET = 'flowwatch-context';
const PREFIX = 'context/';
// 2026-01-15T10:02:05Z
const SNAPSHOT = Date.UTC(2026, 0, 15, 10, 2, 5) / 1000;

beforeAll(async () => {
  moto = await startMoto();
  ec2 = new EC2Client(moto.clientConfig);
  s3 = new S3Client({ ...moto.clientConfig, forcePathStyle: true });
});

afterAll(async () => {
  ec2?.destroy();
  s3?.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

const config = () =>
  loadEniInventoryConfig({
    [ENV.INVENTORY_BUCKET]: BUCKET,
    [ENV.INVENTORY_PREFIX]: PREFIX,
    [ENV.INVENTORY_ACCOUNT]: MOTO_ACCOUNT,
    AWS_REGION: MOTO_REGION,
  });

async function readRecords(key: string): Promise<EniRecord[]> {
  const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const bytes = await obj.Body!.transformToByteArray();
  const text = gunzipSync(Buffer.from(bytes)).toString('utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as EniRecord);
}

test('writes one jsonl.gz snapshot under the inventory layout with owner types and addresses', async () => {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
  const vpcId = vpc.Vpc!.VpcId!;
  const subnet = await ec2.send(
    new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.20.1.0/24', AvailabilityZone: 'us-east-1a' }),
  );
  const subnetId = subnet.Subnet!.SubnetId!;
  const detached = await ec2.send(
    new CreateNetworkInterfaceCommand({
      SubnetId: subnetId,
      PrivateIpAddresses: [
        { PrivateIpAddress: '10.20.1.10', Primary: true },
        { PrivateIpAddress: '10.20.1.11', Primary: false },
      ],
      Description: 'spare interface',
    }),
  );
  const detachedId = detached.NetworkInterface!.NetworkInterfaceId!;
  await ec2.send(
    new CreateTagsCommand({ Resources: [detachedId], Tags: [{ Key: 'Name', Value: 'spare-eni' }] }),
  );
  const images = await ec2.send(new DescribeImagesCommand({}));
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: images.Images![0]!.ImageId!,
      MinCount: 1,
      MaxCount: 1,
      SubnetId: subnetId,
      PrivateIpAddress: '10.20.1.50',
    }),
  );
  const instanceId = run.Instances![0]!.InstanceId!;

  const log = recordingLog();
  const result = await snapshotEniInventory({ ec2, s3, log }, config(), SNAPSHOT);

  const key = `context/eni-inventory/${MOTO_ACCOUNT}/us-east-1/2026/01/15/10/eni-inventory-${MOTO_ACCOUNT}-us-east-1-20260115T100205Z.jsonl.gz`;
  expect(result.keys).toEqual([key]);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  expect(listed.Contents?.map((o) => o.Key)).toEqual([key]);

  const records = await readRecords(key);
  expect(records).toHaveLength(result.interfaces);
  const spare = records.find((r) => r.interface_id === detachedId);
  expect(spare).toMatchObject({
    account_id: MOTO_ACCOUNT,
    region: 'us-east-1',
    vpc_id: vpcId,
    subnet_id: subnetId,
    owner_type: 'other',
    instance_id: null,
    private_ips: ['10.20.1.10', '10.20.1.11'],
    description: 'spare interface',
    name_tag: 'spare-eni',
    snapshot_time: SNAPSHOT,
  });
  const attached = records.filter((r) => r.instance_id === instanceId);
  expect(attached).toHaveLength(1);
  expect(attached[0]).toMatchObject({
    owner_type: 'ec2_instance',
    owner_id: instanceId,
    private_ips: ['10.20.1.50'],
    subnet_id: subnetId,
  });
  expect(log.lines.some((l) => l.includes(key))).toBe(true);

  // The deployed object has the bytes local mode writes for the same records (one format, two writers).
  const local = mkdtempSync(join(tmpdir(), 'eni-local-'));
  try {
    const file = await writeInventory(records, local, {
      account: MOTO_ACCOUNT,
      region: 'us-east-1',
      snapshotTime: SNAPSHOT,
      format: 'jsonl.gz',
    });
    expect(file.endsWith(key.replace(/^context\//, ''))).toBe(true);
    const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(Buffer.from(await obj.Body!.transformToByteArray()).equals(readFileSync(file))).toBe(true);
  } finally {
    rmSync(local, { recursive: true, force: true });
  }
});

test('an account and region without interfaces still gets an (empty) snapshot file', async () => {
  const result = await snapshotEniInventory({ ec2, s3, log: recordingLog() }, config(), SNAPSHOT + 3600);
  expect(result.interfaces).toBe(0);
  expect(result.keys).toHaveLength(1);
  expect(result.keys[0]).toContain('/2026/01/15/11/');
  expect(await readRecords(result.keys[0]!)).toEqual([]);
});

test('config errors name the variable; snapshot time comes from the event', () => {
  expect(() =>
    loadEniInventoryConfig({ [ENV.INVENTORY_ACCOUNT]: MOTO_ACCOUNT, AWS_REGION: 'us-east-1' }),
  ).toThrow(ENV.INVENTORY_BUCKET);
  expect(() =>
    loadEniInventoryConfig({
      [ENV.INVENTORY_BUCKET]: BUCKET,
      [ENV.INVENTORY_PREFIX]: 'context',
      [ENV.INVENTORY_ACCOUNT]: MOTO_ACCOUNT,
      AWS_REGION: 'us-east-1',
    }),
  ).toThrow(/FLOWWATCH_INVENTORY_PREFIX: 'context' must be empty or end with \//);
  expect(snapshotTimeOf({ time: '2026-01-15T10:00:00Z' }, () => 0)).toBe(Date.UTC(2026, 0, 15, 10) / 1000);
  expect(snapshotTimeOf({}, () => 1_700_000_000_123)).toBe(1_700_000_000);
  expect(() => snapshotTimeOf({ time: 'yesterday' }, () => 0)).toThrow("event.time 'yesterday'");
});

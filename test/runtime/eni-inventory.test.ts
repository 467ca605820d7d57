import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateNetworkInterfaceCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { mockClient } from 'aws-sdk-client-mock';
import { ENV } from '../../lib/constants/env';
import type { EniRecord } from '../../lib/context/eni-inventory';
import { writeInventory } from '../../lib/context/inventory-store';
import {
  type CredentialProvider,
  type EniInventoryConfig,
  InventoryRunError,
  loadEniInventoryConfig,
  type SnapshotDeps,
  snapshotEniInventory,
  snapshotTimeOf,
} from '../../lib/runtime/eni-inventory';
import { MOTO_ACCOUNT, MOTO_REGION, type Moto, startMoto } from '../helpers/moto';
import { recordingLog } from './aws-fixture';

/** The inventory snapshot against moto's EC2, STS and S3. */
let moto: Moto;
let ec2: EC2Client;
let s3: S3Client;
/**
 * A local endpoint that refuses everything the way AWS does: STS AssumeRole with AccessDenied
 * (403), EC2 with RequestLimitExceeded (503). moto accepts every AssumeRole and never throttles.
 */
let refuser: Server;
let refuserEndpoint: string;
const BUCKET = 'flowwatch-context';
const PREFIX = 'context/';
// 2026-01-15T10:02:05Z
const SNAPSHOT = Date.UTC(2026, 0, 15, 10, 2, 5) / 1000;

beforeAll(async () => {
  moto = await startMoto();
  ec2 = new EC2Client(moto.clientConfig);
  s3 = new S3Client({ ...moto.clientConfig, forcePathStyle: true });
  refuser = createServer((req, res) => {
    let body = '';
    req.on('data', (b: Buffer) => {
      body += b.toString();
    });
    req.on('end', () => {
      if (body.includes('Action=AssumeRole')) {
        const role = decodeURIComponent(/RoleArn=([^&]+)/.exec(body)?.[1] ?? '');
        res.writeHead(403, { 'content-type': 'text/xml' });
        res.end(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::${MOTO_ACCOUNT}:assumed-role/inventory/fn is not authorized to perform: sts:AssumeRole on resource: ${role}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
        );
      } else {
        res.writeHead(503, { 'content-type': 'text/xml' });
        res.end(
          '<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r-2</RequestID></Response>',
        );
      }
    });
  });
  await new Promise<void>((r) => refuser.listen(0, '127.0.0.1', r));
  refuserEndpoint = `http://127.0.0.1:${(refuser.address() as AddressInfo).port}`;
});

afterAll(async () => {
  ec2?.destroy();
  s3?.destroy();
  await moto?.stop();
  await new Promise((r) => refuser?.close(r));
});

beforeEach(async () => {
  await moto.reset();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

const config = (extra: Record<string, string> = {}): EniInventoryConfig =>
  loadEniInventoryConfig({
    [ENV.INVENTORY_BUCKET]: BUCKET,
    [ENV.INVENTORY_PREFIX]: PREFIX,
    [ENV.INVENTORY_ACCOUNT]: MOTO_ACCOUNT,
    AWS_REGION: MOTO_REGION,
    ...extra,
  });

const MEMBER_B = '222222222222';
const MEMBER_C = '333333333333';
const EU = 'eu-west-1';

interface TestDeps extends SnapshotDeps {
  /** [roleArn, externalId] of every assumeRole call. */
  readonly assumed: [string, string | undefined][];
}

/**
 * The Lambda's dependencies against moto, built the way the handler builds them (EC2 clients per
 * region, fromTemporaryCredentials against STS). `refuseRoleOf` accounts get the refusing STS,
 * `throttleRegions` of the own account the throttling EC2.
 */
function deps(
  log: ReturnType<typeof recordingLog>,
  o: { refuseRoleOf?: string[]; throttleRegions?: string[] } = {},
): TestDeps {
  const assumed: [string, string | undefined][] = [];
  return {
    s3,
    log,
    assumed,
    ec2: (region, credentials) =>
      new EC2Client({
        endpoint:
          credentials === undefined && o.throttleRegions?.includes(region) ? refuserEndpoint : moto.endpoint,
        region,
        credentials: credentials ?? moto.clientConfig.credentials,
        maxAttempts: 1,
      }),
    assumeRole: (roleArn, externalId) => {
      assumed.push([roleArn, externalId]);
      const refused = o.refuseRoleOf?.some((a) => roleArn.includes(`::${a}:`)) ?? false;
      return fromTemporaryCredentials({
        params: { RoleArn: roleArn, RoleSessionName: 'flowwatch-eni-inventory', ExternalId: externalId },
        masterCredentials: moto.clientConfig.credentials,
        clientConfig: {
          endpoint: refused ? refuserEndpoint : moto.endpoint,
          region: MOTO_REGION,
          maxAttempts: 1,
        },
      });
    },
  };
}

/** EC2 in an account (moto routes assumed-role credentials to the role's account) and region. */
function ec2As(account: string, region: string): EC2Client {
  const credentials: CredentialProvider | undefined =
    account === MOTO_ACCOUNT
      ? undefined
      : fromTemporaryCredentials({
          params: { RoleArn: `arn:aws:iam::${account}:role/setup`, RoleSessionName: 'setup' },
          masterCredentials: moto.clientConfig.credentials,
          clientConfig: { endpoint: moto.endpoint, region: MOTO_REGION },
        });
  return new EC2Client({
    endpoint: moto.endpoint,
    region,
    credentials: credentials ?? moto.clientConfig.credentials,
  });
}

/** A VPC, a subnet and one detached interface named `name`; returns the interface id. */
async function createEni(account: string, region: string, cidr: string, name: string): Promise<string> {
  const c = ec2As(account, region);
  try {
    const vpc = await c.send(new CreateVpcCommand({ CidrBlock: `${cidr}.0.0/16` }));
    const subnet = await c.send(
      new CreateSubnetCommand({
        VpcId: vpc.Vpc!.VpcId!,
        CidrBlock: `${cidr}.1.0/24`,
        AvailabilityZone: `${region}a`,
      }),
    );
    const eni = await c.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: subnet.Subnet!.SubnetId!,
        PrivateIpAddress: `${cidr}.1.10`,
      }),
    );
    const id = eni.NetworkInterface!.NetworkInterfaceId!;
    await c.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'Name', Value: name }] }));
    return id;
  } finally {
    c.destroy();
  }
}

const keyOf = (account: string, region: string, t = SNAPSHOT) => {
  const d = new Date(t * 1000).toISOString();
  const stamp = d.slice(0, 19).replace(/[-:]/g, '');
  return `${PREFIX}eni-inventory/${account}/${region}/${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/${d.slice(11, 13)}/eni-inventory-${account}-${region}-${stamp}Z.jsonl.gz`;
};

async function listKeys(): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

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
  const result = await snapshotEniInventory(deps(log), config(), SNAPSHOT);

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
  const result = await snapshotEniInventory(deps(recordingLog()), config(), SNAPSHOT + 3600);
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
  // Accounts and regions default to the Lambda's own; lists are validated item by item.
  expect(config()).toMatchObject({
    accounts: [MOTO_ACCOUNT],
    regions: [MOTO_REGION],
    memberRoleName: undefined,
    partition: 'aws',
  });
  expect(
    config({
      [ENV.INVENTORY_ACCOUNTS]: `${MOTO_ACCOUNT}, ${MEMBER_B}`,
      [ENV.INVENTORY_REGIONS]: 'eu-west-1,us-east-1',
      [ENV.INVENTORY_PARTITION]: 'aws-us-gov',
      [ENV.INVENTORY_MEMBER_ROLE]: 'FlowWatchInventoryMember',
    }),
  ).toMatchObject({
    accounts: [MOTO_ACCOUNT, MEMBER_B],
    regions: ['eu-west-1', 'us-east-1'],
    partition: 'aws-us-gov',
    memberRoleName: 'FlowWatchInventoryMember',
  });
  expect(() => config({ [ENV.INVENTORY_ACCOUNTS]: `${MOTO_ACCOUNT},2222` })).toThrow(
    `FLOWWATCH_INVENTORY_ACCOUNTS: '2222' is not a 12-digit AWS account id`,
  );
  expect(() => config({ [ENV.INVENTORY_REGIONS]: 'us-east-1,Frankfurt' })).toThrow(
    `FLOWWATCH_INVENTORY_REGIONS: 'Frankfurt' is not an AWS region name`,
  );
  expect(() =>
    config({ [ENV.INVENTORY_MEMBER_ROLE]: 'arn:aws:iam::222222222222:role/FlowWatchInventoryMember' }),
  ).toThrow(/FLOWWATCH_INVENTORY_MEMBER_ROLE: 'arn:aws:iam::.*' is not an IAM role name/);
  expect(snapshotTimeOf({ time: '2026-01-15T10:00:00Z' }, () => 0)).toBe(Date.UTC(2026, 0, 15, 10) / 1000);
  expect(snapshotTimeOf({}, () => 1_700_000_000_123)).toBe(1_700_000_000);
  expect(() => snapshotTimeOf({ time: 'yesterday' }, () => 0)).toThrow("event.time 'yesterday'");
});

describe('member accounts and regions', () => {
  const both = (extra: Record<string, string> = {}) =>
    config({
      [ENV.INVENTORY_ACCOUNTS]: `${MOTO_ACCOUNT},${MEMBER_B}`,
      [ENV.INVENTORY_REGIONS]: `${MOTO_REGION},${EU}`,
      ...extra,
    });

  test('each account and region gets its own snapshot; member accounts through the assumed role', async () => {
    // GIVEN one interface in each of 2 accounts x 2 regions (B's created with B's credentials)
    const ids = {
      aUs: await createEni(MOTO_ACCOUNT, MOTO_REGION, '10.1', 'a-us'),
      aEu: await createEni(MOTO_ACCOUNT, EU, '10.2', 'a-eu'),
      bUs: await createEni(MEMBER_B, MOTO_REGION, '10.3', 'b-us'),
      bEu: await createEni(MEMBER_B, EU, '10.4', 'b-eu'),
    };
    const log = recordingLog();
    const d = deps(log);
    // WHEN the inventory runs with a member role and an external id
    const result = await snapshotEniInventory(
      d,
      both({
        [ENV.INVENTORY_MEMBER_ROLE]: 'FlowWatchInventoryMember',
        [ENV.INVENTORY_EXTERNAL_ID]: 'flowwatch-7f3a',
      }),
      SNAPSHOT,
    );
    // THEN B's role was assumed once (exact ARN, external id), never the own account's
    expect(d.assumed).toEqual([[`arn:aws:iam::${MEMBER_B}:role/FlowWatchInventoryMember`, 'flowwatch-7f3a']]);
    // and four files were written, each with only its own account's and region's interface
    const expected = [
      [MOTO_ACCOUNT, MOTO_REGION, ids.aUs, 'a-us'],
      [MOTO_ACCOUNT, EU, ids.aEu, 'a-eu'],
      [MEMBER_B, MOTO_REGION, ids.bUs, 'b-us'],
      [MEMBER_B, EU, ids.bEu, 'b-eu'],
    ] as const;
    expect(result.keys.sort()).toEqual(expected.map(([a, r]) => keyOf(a, r)).sort());
    expect(await listKeys()).toEqual(result.keys.sort());
    for (const [account, region, id, name] of expected) {
      const records = await readRecords(keyOf(account, region));
      expect(records.map((r) => [r.interface_id, r.account_id, r.region, r.name_tag])).toEqual([
        [id, account, region, name],
      ]);
    }
    expect(result).toMatchObject({ interfaces: 4, targets: 4, skippedAccounts: [], failures: [] });
    expect(log.lines.find((l) => l.startsWith('INFO inventory run'))).toContain('"written":4');
  });

  test('without a member role, other accounts are skipped with a log line, not an error', async () => {
    await createEni(MOTO_ACCOUNT, EU, '10.2', 'a-eu');
    await createEni(MEMBER_B, EU, '10.4', 'b-eu');
    const log = recordingLog();
    const d = deps(log);
    const result = await snapshotEniInventory(d, both(), SNAPSHOT);
    expect(d.assumed).toEqual([]);
    expect(result.skippedAccounts).toEqual([MEMBER_B]);
    expect(result.failures).toEqual([]);
    expect(result.keys.sort()).toEqual([keyOf(MOTO_ACCOUNT, EU), keyOf(MOTO_ACCOUNT, MOTO_REGION)].sort());
    expect(await listKeys()).toEqual(result.keys.sort());
    expect((await readRecords(keyOf(MOTO_ACCOUNT, EU))).map((r) => r.name_tag)).toEqual(['a-eu']);
    const skipped = log.lines.filter((l) => l.includes('accounts skipped'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/^INFO .*memberRoleName.*222222222222/);
    expect(log.lines.some((l) => l.startsWith('ERROR'))).toBe(false);
  });

  test('a refused AssumeRole and a throttled region fail the run, after every other snapshot is written', async () => {
    // GIVEN accounts A (own), B and C; C's trust policy refuses us; A's eu-west-1 is throttled
    await createEni(MOTO_ACCOUNT, MOTO_REGION, '10.1', 'a-us');
    await createEni(MEMBER_B, MOTO_REGION, '10.3', 'b-us');
    await createEni(MEMBER_B, EU, '10.4', 'b-eu');
    await createEni(MEMBER_C, MOTO_REGION, '10.5', 'c-us');
    const log = recordingLog();
    const d = deps(log, { refuseRoleOf: [MEMBER_C], throttleRegions: [EU] });
    const cfg = config({
      [ENV.INVENTORY_ACCOUNTS]: `${MOTO_ACCOUNT},${MEMBER_B},${MEMBER_C}`,
      [ENV.INVENTORY_REGIONS]: `${MOTO_REGION},${EU}`,
      [ENV.INVENTORY_MEMBER_ROLE]: 'FlowWatchInventoryMember',
    });
    // WHEN it runs, THEN it throws an error naming every failed account/region
    const err = await snapshotEniInventory(d, cfg, SNAPSHOT).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InventoryRunError);
    const e = err as InventoryRunError;
    expect(e.failures.map((f) => `${f.account}/${f.region}`).sort()).toEqual(
      [`${MEMBER_C}/${MOTO_REGION}`, `${MEMBER_C}/${EU}`, `${MOTO_ACCOUNT}/${EU}`].sort(),
    );
    expect(e.message).toContain('3 account/region(s)');
    expect(e.message).toContain(
      `${MEMBER_C}/${EU}: AssumeRole arn:aws:iam::${MEMBER_C}:role/FlowWatchInventoryMember failed: AccessDenied`,
    );
    expect(e.message).toMatch(new RegExp(`${MOTO_ACCOUNT}/${EU}: RequestLimitExceeded`));
    // AND the three good account/regions were written, with their interfaces; nothing for the failed ones
    const good = [keyOf(MOTO_ACCOUNT, MOTO_REGION), keyOf(MEMBER_B, MOTO_REGION), keyOf(MEMBER_B, EU)].sort();
    expect(e.result.keys.sort()).toEqual(good);
    expect(await listKeys()).toEqual(good);
    expect((await readRecords(keyOf(MEMBER_B, EU))).map((r) => r.name_tag)).toEqual(['b-eu']);
    const run = log.lines.find((l) => l.startsWith('INFO inventory run'))!;
    expect(run).toContain('"written":3');
    expect(run).toContain('"failed":3');
    expect(log.lines.filter((l) => l.startsWith('ERROR')).length).toBeGreaterThanOrEqual(2);
  });
});

describe("shared VPCs (other accounts' interfaces in a described account)", () => {
  // moto cannot put another account's interface in a VPC, so EC2 is mocked per client here; S3 is moto.
  const ni = (id: string, owner: string, name: string) => ({
    NetworkInterfaceId: id,
    OwnerId: owner,
    AvailabilityZone: 'us-east-1a',
    VpcId: 'vpc-0shared',
    SubnetId: 'subnet-0shared',
    InterfaceType: 'interface',
    RequesterManaged: false,
    Status: 'in-use',
    Description: '',
    PrivateIpAddress: '10.9.0.1',
    PrivateIpAddresses: [{ PrivateIpAddress: '10.9.0.1', Primary: true }],
    Groups: [],
    TagSet: [{ Key: 'Name', Value: name }],
  });
  const D = '444444444444';

  test("merged into that account's file (its own view wins), never into the file of an account that failed", async () => {
    const views: Record<string, unknown[]> = {
      // The VPC owner sees its interface and the participants' interfaces in its shared subnets.
      own: [
        ni('eni-0a', MOTO_ACCOUNT, 'a'),
        ni('eni-0b', MEMBER_B, 'b-as-seen-by-owner'),
        ni('eni-0c', MEMBER_C, 'c'),
        ni('eni-0d', D, 'd'),
      ],
      [MEMBER_B]: [ni('eni-0b', MEMBER_B, 'b-own-view'), ni('eni-0b2', MEMBER_B, 'b2')],
    };
    const memberCreds = (account: string): CredentialProvider =>
      Object.assign(async () => ({ accessKeyId: `AKIA${account}`, secretAccessKey: 'x' }), { account });
    const d: SnapshotDeps = {
      s3,
      log: recordingLog(),
      ec2: (region, credentials) => {
        const client = new EC2Client({ region, credentials: credentials ?? moto.clientConfig.credentials });
        const who =
          credentials === undefined ? 'own' : (credentials as unknown as { account: string }).account;
        mockClient(client)
          .on(DescribeNetworkInterfacesCommand)
          .resolves({ NetworkInterfaces: views[who] as never });
        return client;
      },
      assumeRole: (roleArn) => {
        const account = /::(\d{12}):/.exec(roleArn)![1]!;
        if (account === MEMBER_C)
          return async () => {
            throw Object.assign(
              new Error(`not authorized to perform: sts:AssumeRole on resource: ${roleArn}`),
              {
                name: 'AccessDenied',
              },
            );
          };
        return memberCreds(account);
      },
    };
    const cfg = config({
      [ENV.INVENTORY_ACCOUNTS]: `${MOTO_ACCOUNT},${MEMBER_B},${MEMBER_C}`,
      [ENV.INVENTORY_MEMBER_ROLE]: 'FlowWatchInventoryMember',
    });
    const err = (await snapshotEniInventory(d, cfg, SNAPSHOT).catch((e: unknown) => e)) as InventoryRunError;
    expect(err).toBeInstanceOf(InventoryRunError);
    expect(err.failures).toEqual([
      {
        account: MEMBER_C,
        region: MOTO_REGION,
        error: expect.stringMatching(
          /^AssumeRole arn:aws:iam::333333333333:role\/FlowWatchInventoryMember failed: AccessDenied/,
        ),
      },
    ]);
    // C's interface seen by the owner is not written: a partial C file would supersede C's last snapshot.
    expect(await listKeys()).toEqual(
      [keyOf(MOTO_ACCOUNT, MOTO_REGION), keyOf(MEMBER_B, MOTO_REGION), keyOf(D, MOTO_REGION)].sort(),
    );
    const names = async (account: string) =>
      (await readRecords(keyOf(account, MOTO_REGION))).map((r) => [r.interface_id, r.name_tag]);
    expect(await names(MOTO_ACCOUNT)).toEqual([['eni-0a', 'a']]);
    expect(await names(MEMBER_B)).toEqual([
      ['eni-0b', 'b-own-view'],
      ['eni-0b2', 'b2'],
    ]);
    // D is not covered: the owner's view is all there is (as before member accounts existed).
    expect(await names(D)).toEqual([['eni-0d', 'd']]);
  });
});

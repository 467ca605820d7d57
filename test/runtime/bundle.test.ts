import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { build } from 'esbuild';
import { ENV } from '../../lib/constants/env';
import { LAMBDA_EXTERNAL_MODULES } from '../../lib/constants/lambda';
import { MOTO_ACCOUNT, type Moto, startMoto } from '../helpers/moto';
import { createAwsFixture } from './aws-fixture';

/**
 * The Lambda packages as the CDK app builds them (esbuild, CJS, AWS SDK external, sql/detections
 * copied next to the bundle), loaded in a fresh Node process and invoked against moto. This
 * catches what unit tests cannot: import-time crashes, SQL not found in the bundle, env parsing.
 */
const root = join(__dirname, '..', '..');
const run = promisify(execFile);

let moto: Moto;
let out: string;

beforeAll(async () => {
  moto = await startMoto();
  out = mkdtempSync(join(tmpdir(), 'flowwatch-bundle-'));
  for (const fn of ['detection-runner', 'slack-notifier', 'threat-intel-sync', 'eni-inventory'])
    await build({
      entryPoints: [join(root, 'lambdas', fn, 'handler.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      external: [...LAMBDA_EXTERNAL_MODULES],
      outfile: join(out, fn, 'index.js'),
      logLevel: 'silent',
    });
  cpSync(join(root, 'sql', 'detections'), join(out, 'detection-runner', 'sql', 'detections'), {
    recursive: true,
  });
});
afterAll(async () => {
  await moto?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
});

/** Invoke a bundled handler in a child process, as Lambda would (fresh module state). */
async function invoke(fn: string, event: unknown, env: Record<string, string>): Promise<unknown> {
  const script = `
    const { handler } = require(${JSON.stringify(join(out, fn, 'index.js'))});
    const context = { getRemainingTimeInMillis: () => 120000, functionName: ${JSON.stringify(fn)}, awsRequestId: 'r-1' };
    handler(${JSON.stringify(event)}, context).then(
      (r) => { process.stdout.write('RESULT ' + JSON.stringify(r) + '\\n'); },
      (e) => { process.stdout.write('ERROR ' + e.message + '\\n'); process.exitCode = 1; },
    );`;
  const { stdout } = await run(process.execPath, ['-e', script], {
    cwd: out,
    env: {
      PATH: process.env.PATH ?? '',
      // The Lambda runtime provides the AWS SDK; here it comes from the project's node_modules.
      NODE_PATH: join(root, 'node_modules'),
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_EC2_METADATA_DISABLED: 'true',
      POWERTOOLS_METRICS_NAMESPACE: 'FlowWatch',
      ...env,
    },
  }).catch((e: { stdout?: string; stderr?: string }) => {
    throw new Error(`bundle invocation failed: ${e.stdout ?? ''}${e.stderr ?? ''}`);
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`no result from ${fn}: ${stdout}`);
  return JSON.parse(line.slice('RESULT '.length));
}

describe('bundled Lambda handlers', () => {
  it('detection-runner loads its SQL from the bundle and runs a scheduled event end to end', async () => {
    // GIVEN moto with the table, topic, workgroup and one seeded result row
    await moto.reset();
    const aws = await createAwsFixture(moto);
    await moto.seedAthenaResults([
      {
        columns: [
          { name: 'srcaddr', type: 'varchar' },
          { name: 'flows', type: 'bigint' },
          { name: 'bytes', type: 'bigint' },
        ],
        rows: [['203.0.113.9', '400', '5000']],
      },
    ]);
    // WHEN the bundled handler gets an EventBridge event, SQL dir as the CDK app sets it
    const result = await invoke(
      'detection-runner',
      { 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2024-05-01T10:25:00Z' },
      { ...aws.env, [ENV.SQL_DIR]: join(out, 'detection-runner', 'sql', 'detections') },
    );
    // THEN it ran the window and published the finding
    expect(result).toMatchObject({
      detection: 'rejected-connections',
      window: { start: '2024-05-01T10:00:00Z', end: '2024-05-01T10:15:00Z' },
      findings: 1,
      alerted: 1,
    });
    expect((await aws.published()).map((p) => p.subject)).toEqual([
      'FlowWatch MEDIUM: Unusual number of rejected connections from one source (srcaddr 203.0.113.9)',
    ]);
    aws.destroy();
  });

  it('slack-notifier posts through the bundle with the secret from Secrets Manager', async () => {
    await moto.reset();
    const { createServer } = await import('node:http');
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => {
        b += c.toString();
      });
      req.on('end', () => {
        bodies.push(b);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const sm = new SecretsManagerClient(moto.clientConfig);
    const secret = await sm.send(
      new CreateSecretCommand({ Name: 'slack', SecretString: `http://127.0.0.1:${port}/services/T/B/x` }),
    );
    try {
      const result = await invoke(
        'slack-notifier',
        { Records: [{ Sns: { Message: 'plain text alert', Subject: 'hello', MessageId: 'm' } }] },
        { [ENV.SLACK_SECRET_ARN]: secret.ARN! },
      );
      expect(result).toEqual({ delivered: 1 });
      expect(JSON.parse(bodies[0]!)).toEqual({ text: '*hello*\nplain text alert' });
    } finally {
      sm.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('threat-intel-sync turns an uploaded list into a table file, and fails naming a broken list', async () => {
    await moto.reset();
    const s3 = new S3Client({ ...moto.clientConfig, forcePathStyle: true });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'ctx' }));
      const put = (key: string, body: string) =>
        s3.send(new PutObjectCommand({ Bucket: 'ctx', Key: key, Body: body }));
      await put('threat-intel/lists/drop.txt', '; Spamhaus DROP\n1.10.16.0/20 ; SBL256894\n');
      // WHEN the bundled handler runs, forced (as `aws lambda invoke --payload '{"force":true}'`)
      const env = { [ENV.THREAT_INTEL_BUCKET]: 'ctx' };
      const result = await invoke('threat-intel-sync', { force: true }, env);
      // THEN the list's table file holds its entry
      expect(result).toMatchObject({
        lists: [{ list: 'threat-intel/lists/drop.txt', status: 'written', entries: 1 }],
        deleted: [],
      });
      const obj = await s3.send(
        new GetObjectCommand({ Bucket: 'ctx', Key: 'threat-intel/table/drop.txt.jsonl.gz' }),
      );
      const line = JSON.parse(gunzipSync(Buffer.from(await obj.Body!.transformToByteArray())).toString());
      expect(line).toMatchObject({ cidr: '1.10.16.0/20', ip_start: 0x010a1000, description: 'SBL256894' });
      // AND a list with no valid line makes the invocation fail with its name
      await put('threat-intel/lists/moved.txt', '<html>moved</html>\n');
      await expect(invoke('threat-intel-sync', {}, env)).rejects.toThrow(
        /threat-intel sync: 1 of 2 list\(s\) failed: threat-intel\/lists\/moved.txt/,
      );
    } finally {
      s3.destroy();
    }
  });

  it('eni-inventory assumes the member role through the bundled, lazily loaded credential provider', async () => {
    await moto.reset();
    const s3 = new S3Client({ ...moto.clientConfig, forcePathStyle: true });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'ctx' }));
      // GIVEN the deployment account (moto's) and a member account behind a role
      const own = MOTO_ACCOUNT;
      const member = '222222222222';
      const env = {
        [ENV.INVENTORY_BUCKET]: 'ctx',
        [ENV.INVENTORY_ACCOUNT]: own,
        [ENV.INVENTORY_ACCOUNTS]: `${own},${member}`,
        [ENV.INVENTORY_REGIONS]: 'us-east-1',
        [ENV.INVENTORY_MEMBER_ROLE]: 'flowwatch-inventory',
      };
      // WHEN the bundled handler runs a scheduled event
      const result = (await invoke('eni-inventory', { time: '2026-01-15T10:00:00Z' }, env)) as {
        keys: string[];
        targets: number;
        failures: unknown[];
      };
      // THEN both accounts were described (the member's through STS) and snapshotted
      expect(result.failures).toEqual([]);
      expect(result.targets).toBe(2);
      expect(result.keys.map((k) => k.split('/')[1]).sort()).toEqual([own, member].sort());
    } finally {
      s3.destroy();
    }
  });
});

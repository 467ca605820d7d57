import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * A moto server (python `moto[server]`) on 127.0.0.1 and a free port, standing in for SNS, SQS,
 * DynamoDB, Secrets Manager and Athena. Start it in beforeAll, stop it in afterAll.
 */
export interface Moto {
  readonly endpoint: string;
  /** SDK client config pointing at this server with fake credentials. */
  readonly clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** Forget every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  /** Queue results for moto's Athena: each GetQueryResults of a new query id takes the next one. */
  seedAthenaResults(results: AthenaSeed[]): Promise<void>;
  stop(): Promise<void>;
}

export interface AthenaSeed {
  readonly columns: readonly { name: string; type: string }[];
  /** Rows as text cells (null = NULL); the header row is added like real Athena does. */
  readonly rows: readonly (readonly (string | null)[])[];
}

export const MOTO_REGION = 'us-east-1';
export const MOTO_ACCOUNT = '123456789012';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr()}`);
    try {
      const r = await fetch(`${endpoint}/moto-api/data.json`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not start at ${endpoint}: ${stderr()}`);
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false' },
  });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => {
    err = (err + b.toString()).slice(-4000);
  });
  await waitUntilUp(endpoint, child, () => err);
  const post = async (path: string, body?: unknown) => {
    const r = await fetch(`${endpoint}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`moto ${path}: HTTP ${r.status} ${await r.text()}`);
  };
  return {
    endpoint,
    clientConfig: {
      endpoint,
      region: MOTO_REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    },
    reset: () => post('/moto-api/reset'),
    seedAthenaResults: (results) =>
      post('/moto-api/static/athena/query-results', {
        account_id: MOTO_ACCOUNT,
        region: MOTO_REGION,
        results: results.map((r) => ({
          rows: [
            { Data: r.columns.map((c) => ({ VarCharValue: c.name })) },
            ...r.rows.map((row) => ({ Data: row.map((v) => (v === null ? {} : { VarCharValue: v })) })),
          ],
          column_info: r.columns.map((c) => ({
            CatalogName: 'hive',
            SchemaName: '',
            TableName: '',
            Name: c.name,
            Label: c.name,
            Type: c.type,
            Precision: 0,
            Scale: 0,
            Nullable: 'UNKNOWN',
            CaseSensitive: c.type === 'varchar',
          })),
        })),
      }),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

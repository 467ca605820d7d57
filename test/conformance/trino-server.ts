import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Start/stop the conformance Trino through scripts/trino/ (the same scripts .ci/run uses).
 * The coordinator URL and the local:/// root reach the tests as environment variables.
 */

export const SCRIPTS = resolve(__dirname, '..', '..', 'scripts', 'trino');
export const URL_ENV = 'FLOWWATCH_TRINO_URL';
export const FS_ROOT_ENV = 'FLOWWATCH_TRINO_FS_ROOT';
/** Set by globalSetup when it started Trino itself (so globalTeardown stops only that one). */
export const RUN_DIR_ENV = 'FLOWWATCH_TRINO_RUN_DIR_OWNED';

export interface TrinoHandle {
  readonly url: string;
  /** Trino's local:/// root: the metastore and the buckets live below it. */
  readonly fsRoot: string;
}

/** The running Trino the suite talks to; fails with how to start one when there is none. */
export function trinoFromEnv(): TrinoHandle {
  const url = process.env[URL_ENV];
  const fsRoot = process.env[FS_ROOT_ENV];
  if (!url || !fsRoot)
    throw new Error(
      `${URL_ENV} and ${FS_ROOT_ENV} are not set: run the suite with 'npm run test:athena' (its globalSetup starts Trino)`,
    );
  return { url, fsRoot };
}

export function startTrino(): { handle: TrinoHandle; runDir: string; startupMs: number } {
  const runDir = mkdtempSync(join(tmpdir(), 'flowwatch-trino-'));
  const home = execFileSync(join(SCRIPTS, 'provision.sh'), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const url = execFileSync(join(SCRIPTS, 'start.sh'), [runDir, home], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const startupMs = Number(readFileSync(join(runDir, 'startup-ms'), 'utf8'));
  return { handle: { url, fsRoot: join(runDir, 'fs') }, runDir, startupMs };
}

export function stopTrino(runDir: string): void {
  execFileSync(join(SCRIPTS, 'stop.sh'), [runDir], { stdio: 'inherit' });
  if (existsSync(runDir)) rmSync(runDir, { recursive: true, force: true });
}

/** The server's version from /v1/info (the file metastore wants it in every metadata file). */
export async function trinoVersion(url: string): Promise<string> {
  const info = (await (await fetch(`${url}/v1/info`)).json()) as { nodeVersion?: { version?: string } };
  const v = info.nodeVersion?.version;
  if (!v) throw new Error(`${url}/v1/info did not report nodeVersion.version`);
  return v;
}

/**
 * Wait until Trino can schedule a query. `/v1/info` reports `starting: false` before the node has
 * announced itself to the scheduler, and a query in that gap fails with NO_NODES_AVAILABLE (seen
 * on a loaded CI machine), so run a query that needs a worker until one succeeds.
 */
export async function waitForWorkers(url: string, timeoutMs = 120_000): Promise<number> {
  const { TrinoEngine } = await import('../../lib/detection/trino-engine');
  const engine = new TrinoEngine({ url, catalog: 'hive', schema: 'default' });
  const started = Date.now();
  for (;;) {
    try {
      await engine.query('SELECT count(*) FROM UNNEST(sequence(1, 10)) AS t(x)', [], { label: 'warm-up' });
      return Date.now() - started;
    } catch (e) {
      if (!/NO_NODES_AVAILABLE/.test(String(e)) || Date.now() - started > timeoutMs) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

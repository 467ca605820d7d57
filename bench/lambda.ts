import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ENV } from '../lib/constants/env';
import { LAMBDA_EXTERNAL_MODULES } from '../lib/constants/lambda';
import { median } from './proc';

/**
 * esbuild options as lib/infra/function.ts (FlowWatchFunction, a NodejsFunction) bundles each
 * function: CommonJS, target node24 (CDK derives it from Runtime.NODEJS_24_X), minified, source
 * map without sourcesContent written beside the bundle (excluded from the size), and `@aws-sdk/client-*`
 * external because the Node.js 24 runtime ships SDK v3. Keep in step with that file.
 */
export interface LambdaBundling {
  readonly minify: boolean;
  readonly sourcemap: boolean;
  readonly target: string;
  readonly format: 'cjs' | 'esm';
  readonly external: readonly string[];
}

export const CDK_BUNDLING: LambdaBundling = {
  minify: true,
  sourcemap: true,
  target: 'node24',
  format: 'cjs',
  external: [...LAMBDA_EXTERNAL_MODULES],
};

/**
 * Folders copied into a function's bundle by its construct's afterBundling hook
 * (lib/infra/detections.ts sets bundleDetectionSql for the detection runner).
 */
export const BUNDLED_ASSETS: Readonly<Record<string, readonly string[]>> = {
  'detection-runner': ['sql/detections'],
};

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

export interface LambdaMeasure {
  readonly name: string;
  /** The bundled JavaScript (index.js), source map excluded. */
  readonly bundleBytes: number;
  /** Files the construct copies beside it (detection SQL). */
  readonly assetBytes: number;
  /** Bytes with nothing external (what a self-contained bundle would weigh). */
  readonly selfContainedBytes: number;
  readonly coldImportMs: number;
  readonly coldImportRunsMs: readonly number[];
  /** Cold import of the self-contained bundle (SDK inside), for comparison. */
  readonly selfContainedImportMs: number;
}

/** `lambdas/<name>/handler.ts` for each function folder. */
export function lambdaEntries(root: string): { name: string; entry: string }[] {
  const dir = join(root, 'lambdas');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'handler.ts')))
    .map((e) => ({ name: e.name, entry: join(dir, e.name, 'handler.ts') }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function bundleLambda(entry: string, outfile: string, opts: LambdaBundling): Promise<number> {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: opts.target,
    format: opts.format,
    minify: opts.minify,
    sourcemap: opts.sourcemap,
    sourcesContent: false,
    external: [...opts.external],
    outfile,
    logLevel: 'silent',
  });
  return statSync(outfile).size;
}

/**
 * Dummy configuration so a handler that validates its environment at import time can load.
 * Values are syntactically valid and point nowhere; importing makes no network call.
 */
export function lambdaEnv(root: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_PATH: join(root, 'node_modules'),
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: 'flowwatch-bench',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    POWERTOOLS_DEV: 'false',
    [ENV.DETECTION_ID]: 'rejected-connections',
    [ENV.DETECTION_SETTINGS]: '{}',
    [ENV.INTERNAL_CIDRS]: '["10.0.0.0/8","172.16.0.0/12","192.168.0.0/16","100.64.0.0/10","fc00::/7"]',
    [ENV.WORKGROUP]: 'flowwatch',
    [ENV.DATABASE]: 'flowwatch',
    [ENV.PARTITION_GRANULARITY]: 'hour',
    [ENV.DELIVERY_DELAY_SECONDS]: '900',
    [ENV.DEDUPE_TABLE]: 'flowwatch-dedupe',
    [ENV.ALERT_TOPIC_ARN]: 'arn:aws:sns:us-east-1:123456789012:flowwatch-alerts',
    [ENV.SLACK_SECRET_ARN]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:flowwatch-slack',
    [ENV.CHATBOT_ENABLED]: 'false',
    [ENV.SQL_DIR]: join(root, 'sql', 'detections'),
  };
}

/** Time `require(bundle)` inside a fresh node process; returns milliseconds. */
export function coldImportMs(bundle: string, env: NodeJS.ProcessEnv): number {
  const script =
    'const t=process.hrtime.bigint();require(process.argv[1]);' +
    'process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))';
  const r = spawnSync(process.execPath, ['-e', script, bundle], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`importing ${bundle} failed: ${r.stderr.trim().slice(-1500)}`);
  const ms = Number(r.stdout.trim());
  if (!Number.isFinite(ms)) throw new Error(`importing ${bundle}: unexpected output '${r.stdout}'`);
  return ms;
}

export async function measureLambdas(
  root: string,
  outDir: string,
  runs = 7,
  bundling: LambdaBundling = CDK_BUNDLING,
): Promise<LambdaMeasure[]> {
  const out: LambdaMeasure[] = [];
  const env = lambdaEnv(root);
  for (const { name, entry } of lambdaEntries(root)) {
    const outfile = join(outDir, name, 'index.js');
    const bundleBytes = await bundleLambda(entry, outfile, bundling);
    const selfFile = join(outDir, `${name}-self-contained`, 'index.js');
    const selfContainedBytes = await bundleLambda(entry, selfFile, { ...bundling, external: [] });
    // One untimed import of each warms the OS file cache so every timed run starts alike.
    coldImportMs(outfile, env);
    coldImportMs(selfFile, env);
    const times = Array.from({ length: runs }, () => coldImportMs(outfile, env));
    const selfTimes = Array.from({ length: runs }, () => coldImportMs(selfFile, env));
    const assetBytes = (BUNDLED_ASSETS[name] ?? []).reduce((sum, d) => sum + dirBytes(join(root, d)), 0);
    out.push({
      name,
      bundleBytes,
      assetBytes,
      selfContainedBytes,
      coldImportMs: median(times),
      coldImportRunsMs: times,
      selfContainedImportMs: median(selfTimes),
    });
  }
  return out;
}

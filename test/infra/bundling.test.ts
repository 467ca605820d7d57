import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV } from '../../lib/constants/env';
import { DETECTIONS_DIR, PACKAGE_ROOT } from '../../lib/detection/registry';
import { synthTemplates } from '../../lib/infra/synth';
import { config, MINIMAL } from './fixtures';

// The one test that runs esbuild for real (every other infra test synthesizes with
// `aws:cdk:bundling-stacks: []`). One enabled detection and the Slack notifier keep it short.
let outdir: string;
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'flowwatch-bundle-'));
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test('the detection, Slack and threat-intel sync bundles hold the handler (and the detection SQL)', () => {
  // GIVEN a config with one detection, Slack and the threat-intel sync (on by default) WHEN synthesized with bundling
  const base = config(MINIMAL);
  const keep = base.allDetections[0]!.meta.id;
  const detections = Object.fromEntries(
    base.allDetections.filter((d) => d.meta.id !== keep).map((d) => [d.meta.id, { enabled: false }]),
  );
  const c = config({
    ...MINIMAL,
    detections,
    alerts: { emails: ['a@example.com'], slack: { webhookSecretName: 's' } },
  });
  const template = Object.values(synthTemplates(c, { bundle: true, outdir }))[0]!;

  // THEN each function's asset folder has a minified index.js exporting `handler`
  const fns = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
  expect(fns).toHaveLength(3);
  const envOf = (fn: (typeof fns)[number]) =>
    (fn.Properties!.Environment as { Variables: Record<string, string> }).Variables;
  expect(fns.filter((fn) => envOf(fn)[ENV.THREAT_INTEL_BUCKET] !== undefined)).toHaveLength(1);
  for (const fn of fns) {
    // The code's S3 key is `<asset hash>.zip`; the cloud assembly keeps the bundle in asset.<hash>/.
    const key = (fn.Properties!.Code as { S3Key: string }).S3Key;
    const dir = join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    const index = join(dir, 'index.js');
    expect(existsSync(index)).toBe(true);
    expect(existsSync(join(dir, 'index.js.map'))).toBe(true);
    // Under 1 MB: the AWS SDK comes from the runtime and DuckDB must not be pulled in.
    expect(statSync(index).size).toBeLessThan(1024 * 1024);
    expect(readFileSync(index, 'utf8')).not.toContain('duckdb.node');
    // The bundle loads in a fresh Node process (SDK resolved from the project, as the runtime provides it).
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `const m = require(${JSON.stringify(index)}); if (typeof m.handler !== 'function') process.exit(3);`,
      ],
      { encoding: 'utf8', env: { ...process.env, NODE_PATH: join(PACKAGE_ROOT, 'node_modules') } },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const env = (fn.Properties!.Environment as { Variables: Record<string, string> }).Variables;
    if (env[ENV.DETECTION_ID]) {
      // The runner reads its SQL at run time: every shipped detection file rides along.
      const shipped = readdirSync(DETECTIONS_DIR)
        .filter((f) => f.endsWith('.sql'))
        .sort();
      expect(
        readdirSync(join(dir, 'sql', 'detections'))
          .filter((f) => f.endsWith('.sql'))
          .sort(),
      ).toEqual(shipped);
      expect(env[ENV.SQL_DIR]).toBe('/var/task/sql/detections');
    } else {
      expect(existsSync(join(dir, 'sql'))).toBe(false);
    }
  }
});

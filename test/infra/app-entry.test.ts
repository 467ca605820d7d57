import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../lib/detection/registry';
import { MINIMAL } from './fixtures';

// bin/app.ts as the cdk CLI runs it: context in CDK_CONTEXT_JSON, output dir in CDK_OUTDIR.
function runApp(context: Record<string, unknown>, outdir: string) {
  return spawnSync(join(PACKAGE_ROOT, 'node_modules', '.bin', 'tsx'), [join(PACKAGE_ROOT, 'bin', 'app.ts')], {
    cwd: PACKAGE_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
    },
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowwatch-app-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a config file named by context synthesizes the FlowWatch stack', () => {
  // GIVEN a config file WHEN the app entry runs
  const file = join(dir, 'prod.json');
  writeFileSync(file, JSON.stringify({ ...MINIMAL, stackName: 'FlowWatchProd' }));
  const r = runApp({ 'flowwatch:configFile': file }, join(dir, 'out'));
  // THEN it exits 0 and writes the stack template
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
  // The manifest (what `cdk deploy` reads) lists the stack.
  const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'));
  expect(manifest.artifacts.FlowWatchProd).toMatchObject({ type: 'aws:cloudformation:stack' });
  const template = JSON.parse(readFileSync(join(dir, 'out', 'FlowWatchProd.template.json'), 'utf8'));
  expect(
    Object.values(template.Resources).some((x) => (x as { Type: string }).Type === 'AWS::Athena::WorkGroup'),
  ).toBe(true);
});

test('a bad config exits 1 with the key and the fix, and writes nothing', () => {
  // GIVEN context config with a bad CIDR and email WHEN the app entry runs
  const r = runApp(
    { flowwatch: { ...MINIMAL, internalCidrs: ['10.0.0.0/40'], alerts: { emails: ['nobody'] } } },
    join(dir, 'bad'),
  );
  // THEN both problems are printed and the exit status is 1
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("invalid FlowWatch config (cdk context 'flowwatch')");
  expect(r.stderr).toContain("internalCidrs[0]: invalid CIDR '10.0.0.0/40': IPv4 prefix must be 0-32");
  expect(r.stderr).toContain('alerts.emails[0]: not an email address');
  expect(existsSync(join(dir, 'bad', 'manifest.json'))).toBe(false);
});

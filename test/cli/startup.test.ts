import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateFlowLogs } from '../../lib/local/synth';
import { ROOT } from './cli-helpers';

/** Modules the built CLI loaded while running `args`, as package names. */
function packagesLoadedBy(args: readonly string[]): string[] {
  const script = `
    const { main } = require(${JSON.stringify(join(ROOT, 'dist', 'lib', 'cli', 'main.js'))});
    main(['node', 'flowwatch', ...${JSON.stringify(args)}]).then((code) => {
      const pk = Object.keys(require.cache)
        .filter((k) => k.includes('node_modules'))
        .map((k) => k.split('node_modules/').pop().split('/').slice(0, k.includes('/@') ? 2 : 1).join('/'));
      process.stderr.write('\\nLOADED ' + JSON.stringify([...new Set(pk)].sort()) + ' CODE ' + code + '\\n');
    });`;
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const m = /LOADED (\[.*\]) CODE (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no module list: ${r.stderr}`);
  expect(m[2]).toBe('0');
  return JSON.parse(m[1]!) as string[];
}

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-cli-startup-'));
  await generateFlowLogs({ outDir: dir, totalRecords: 500 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI startup stays light', () => {
  test('--help loads only commander', () => {
    expect(packagesLoadedBy(['--help'])).toEqual(['commander']);
  });

  test('a full scan never loads the CDK or the AWS SDK', () => {
    const loaded = packagesLoadedBy(['scan', dir, '--format', 'json', '--quiet']);
    expect(loaded).toContain('@duckdb/node-api');
    expect(
      loaded.filter((p) => /aws-cdk|constructs|cdk-nag|@aws-sdk|@smithy|@aws-lambda-powertools/.test(p)),
    ).toEqual([]);
  });
});

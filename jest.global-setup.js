/**
 * The CLI tests spawn the real `flowwatch` command (bin/flowwatch.js -> dist/), so dist/ must be
 * built from the current sources first. Builds once per jest run, and only when the run includes
 * the CLI tests (a run of `npx jest test/detection` does not pay for it).
 * Set FLOWWATCH_SKIP_BUILD=1 to use an existing dist/ as is.
 */
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

module.exports = async function globalSetup(globalConfig) {
  if (process.env.FLOWWATCH_SKIP_BUILD === '1') return;
  const patterns = globalConfig?.testPathPatterns?.patterns ?? [];
  const wantsCli = patterns.length === 0 || patterns.some((p) => /cli/i.test(p));
  if (!wantsCli) return;
  const root = __dirname;
  const tsc = require.resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  const entry = path.join(root, 'dist', 'bin', 'flowwatch.js');
  if (r.status !== 0) {
    // tsc still emits JavaScript when a file has type errors; the typecheck is `npm run lint`'s job.
    process.stderr.write(
      `\njest global setup: tsc -p tsconfig.build.json reported errors:\n${r.stdout}${r.stderr}\n`,
    );
    if (!existsSync(entry))
      throw new Error('jest global setup: the CLI was not built (dist/bin/flowwatch.js missing)');
  }
};

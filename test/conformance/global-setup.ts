import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TABLES_ENV, writeSynthesizedTables } from './synth-tables';
import { FS_ROOT_ENV, RUN_DIR_ENV, startTrino, URL_ENV } from './trino-server';

/** Start Trino once for the whole suite, unless the caller points at one already running. */
export default async function globalSetup(): Promise<void> {
  // The Glue tables come from `cdk synth`, once for the whole suite.
  const synthStarted = performance.now();
  process.env[TABLES_ENV] = writeSynthesizedTables(mkdtempSync(join(tmpdir(), 'fw-conformance-')));
  process.stderr.write(
    `\nconformance: Glue tables synthesized in ${Math.round(performance.now() - synthStarted)} ms\n`,
  );
  if (process.env[URL_ENV] && process.env[FS_ROOT_ENV]) return;
  const { handle, runDir, startupMs } = startTrino();
  process.env[URL_ENV] = handle.url;
  process.env[FS_ROOT_ENV] = handle.fsRoot;
  process.env[RUN_DIR_ENV] = runDir;
  process.stderr.write(`\nconformance: Trino at ${handle.url}, ready in ${startupMs} ms\n`);
}

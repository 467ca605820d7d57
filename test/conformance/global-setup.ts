import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerContextTables } from './conformance-data';
import { OWNED_TABLES_ENV, TABLES_ENV, writeSynthesizedTables } from './synth-tables';
import { FS_ROOT_ENV, RUN_DIR_ENV, startTrino, URL_ENV, waitForWorkers } from './trino-server';

/**
 * Once for the whole suite: synthesize the Glue tables (`cdk synth`) and start Trino. Either
 * is skipped when the caller already provides it (FLOWWATCH_CONFORMANCE_TABLES, or
 * FLOWWATCH_TRINO_URL + FLOWWATCH_TRINO_FS_ROOT from scripts/trino/start.sh), for a fast loop.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env[TABLES_ENV]) {
    const started = performance.now();
    process.env[TABLES_ENV] = writeSynthesizedTables(mkdtempSync(join(tmpdir(), 'fw-conformance-')));
    process.env[OWNED_TABLES_ENV] = process.env[TABLES_ENV];
    process.stderr.write(
      `\nconformance: Glue tables synthesized in ${Math.round(performance.now() - started)} ms\n`,
    );
  }
  if (!process.env[URL_ENV] || !process.env[FS_ROOT_ENV]) {
    const { handle, runDir, startupMs } = startTrino();
    process.env[URL_ENV] = handle.url;
    process.env[FS_ROOT_ENV] = handle.fsRoot;
    process.env[RUN_DIR_ENV] = runDir;
    process.stderr.write(`\nconformance: Trino at ${handle.url}, ready in ${startupMs} ms\n`);
  }
  const waited = await waitForWorkers(process.env[URL_ENV]!);
  if (waited > 0) process.stderr.write(`conformance: Trino scheduled its first query after ${waited} ms\n`);
  // Queries that name no schema run in `default` (the detection fixtures): the context tables
  // exist there too, empty, as they always exist in the deployed Glue database.
  await registerContextTables('default', 'conf-default');
}

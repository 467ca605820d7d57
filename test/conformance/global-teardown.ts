import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { TABLES_ENV } from './synth-tables';
import { RUN_DIR_ENV, stopTrino } from './trino-server';

/** Stop the Trino that globalSetup started (never one the caller started) and drop the synth output. */
export default async function globalTeardown(): Promise<void> {
  const runDir = process.env[RUN_DIR_ENV];
  if (runDir) stopTrino(runDir);
  const tables = process.env[TABLES_ENV];
  if (tables) rmSync(dirname(tables), { recursive: true, force: true });
}

import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { OWNED_TABLES_ENV } from './synth-tables';
import { RUN_DIR_ENV, stopTrino } from './trino-server';

/** Stop the Trino and drop the synth output that globalSetup made (never what the caller provided). */
export default async function globalTeardown(): Promise<void> {
  const runDir = process.env[RUN_DIR_ENV];
  if (runDir) stopTrino(runDir);
  const tables = process.env[OWNED_TABLES_ENV];
  if (tables) rmSync(dirname(tables), { recursive: true, force: true });
}

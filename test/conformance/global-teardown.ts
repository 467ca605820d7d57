import { RUN_DIR_ENV, stopTrino } from './trino-server';

/** Stop the Trino that globalSetup started (never one the caller started). */
export default async function globalTeardown(): Promise<void> {
  const runDir = process.env[RUN_DIR_ENV];
  if (runDir) stopTrino(runDir);
}

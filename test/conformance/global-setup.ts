import { FS_ROOT_ENV, RUN_DIR_ENV, startTrino, URL_ENV } from './trino-server';

/** Start Trino once for the whole suite, unless the caller points at one already running. */
export default async function globalSetup(): Promise<void> {
  if (process.env[URL_ENV] && process.env[FS_ROOT_ENV]) return;
  const { handle, runDir, startupMs } = startTrino();
  process.env[URL_ENV] = handle.url;
  process.env[FS_ROOT_ENV] = handle.fsRoot;
  process.env[RUN_DIR_ENV] = runDir;
  process.stderr.write(`\nconformance: Trino at ${handle.url}, ready in ${startupMs} ms\n`);
}

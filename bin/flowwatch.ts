#!/usr/bin/env node
// The `flowwatch` CLI entry (compiled to dist/bin/flowwatch.js; bin/flowwatch.js launches it).
import { main } from '../lib/cli/main';

main(process.argv).then(
  (code) => {
    // exitCode rather than exit(): let stdout drain when it is a pipe.
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`flowwatch: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 2;
  },
);

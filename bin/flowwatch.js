#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (the `prepare` script).
try {
  require('../dist/bin/flowwatch.js');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('dist/bin/flowwatch.js')) {
    console.error(
      'flowwatch: not built yet. Run `npm ci` (or `npm run build`) in the FlowWatch folder first.',
    );
    process.exit(2);
  }
  throw e;
}

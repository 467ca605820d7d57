#!/usr/bin/env node
// The CDK app entry (cdk.json "app"). Config: the `flowwatch` context object and/or
// flowwatch.config.json (the file wins key by key); see docs/DEPLOY.md.
import { App } from 'aws-cdk-lib';
import {
  CONFIG_CONTEXT_KEY,
  CONFIG_FILE_CONTEXT_KEY,
  FlowWatchConfigError,
  loadConfig,
} from '../lib/config/load';
import { DetectionFileError } from '../lib/detection/registry';
import { buildApp } from '../lib/infra/app';
import { SavedQueryError } from '../lib/infra/saved-queries';

// A throwaway App reads the context cdk passes (cdk.json + -c). autoSynth off: otherwise it
// would synthesize its empty tree at exit and overwrite the real app's manifest.
const probe = new App({ autoSynth: false });
try {
  const config = loadConfig({
    context: probe.node.tryGetContext(CONFIG_CONTEXT_KEY),
    file: probe.node.tryGetContext(CONFIG_FILE_CONTEXT_KEY),
  });
  // Synthesized here (not at exit) so config and SQL errors are caught and printed above.
  buildApp(config, { autoSynth: false }).app.synth();
} catch (e) {
  // Problems in the user's config or in sql/ files: the message names the key or file; no stack trace.
  if (e instanceof FlowWatchConfigError || e instanceof DetectionFileError || e instanceof SavedQueryError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}

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
import { buildApp } from '../lib/infra/app';

// A throwaway App reads the context cdk passes (cdk.json + -c). autoSynth off: otherwise it
// would synthesize its empty tree at exit and overwrite the real app's manifest.
const probe = new App({ autoSynth: false });
try {
  const config = loadConfig({
    context: probe.node.tryGetContext(CONFIG_CONTEXT_KEY),
    file: probe.node.tryGetContext(CONFIG_FILE_CONTEXT_KEY),
  });
  buildApp(config).app.synth();
} catch (e) {
  if (e instanceof FlowWatchConfigError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}

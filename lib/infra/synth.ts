import type { FlowWatchConfig } from '../config/load';
import { buildApp } from './app';

/** A CloudFormation template as JSON. */
export type CfnTemplate = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; [k: string]: unknown }>;
  [k: string]: unknown;
};

export interface SynthOptions {
  /**
   * Bundle Lambda code with esbuild. Off by default: templates are the same apart from asset
   * hashes, and bundling is slow (the CDK maintainers' advice for unit tests).
   */
  readonly bundle?: boolean;
  /** Run cdk-nag during synth (fails on unacknowledged findings). @default true */
  readonly nag?: boolean;
  /** Where to write the cloud assembly. @default a temp dir */
  readonly outdir?: string;
}

/**
 * Synthesize the FlowWatch app for a config and return every stack's template, keyed by stack
 * name. The Trino conformance suite reads the Glue table from here.
 */
export function synthTemplates(
  config: FlowWatchConfig,
  options: SynthOptions = {},
): Record<string, CfnTemplate> {
  const context: Record<string, unknown> = {};
  if (!options.bundle) context['aws:cdk:bundling-stacks'] = [];
  const { app } = buildApp(config, { context, outdir: options.outdir, nag: options.nag });
  const assembly = app.synth();
  const out: Record<string, CfnTemplate> = {};
  for (const s of assembly.stacks) out[s.stackName] = s.template as CfnTemplate;
  return out;
}

/** The flow_logs AWS::Glue::Table resource of a synthesized template. */
export function findFlowLogsTable(template: CfnTemplate): Record<string, unknown> {
  const tables = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Glue::Table');
  const t = tables.find(
    (r) => (r.Properties?.TableInput as { Name?: string } | undefined)?.Name === 'flow_logs',
  );
  if (!t?.Properties) throw new Error('no AWS::Glue::Table named flow_logs in the template');
  return t.Properties;
}

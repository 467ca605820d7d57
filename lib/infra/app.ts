import { App, type AppProps, Tags } from 'aws-cdk-lib';
import type { FlowWatchConfig } from '../config/load';
import { addNagChecks } from './nag';
import { FlowWatchStack } from './stack';

/** Feature flags FlowWatch relies on (also in cdk.json for `cdk` CLI runs). */
export const FEATURE_FLAGS: Record<string, boolean> = {
  // Server access logs are granted by bucket policy, not the legacy LogDeliveryWrite ACL (ACLs stay disabled).
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
};

export interface BuildAppOptions extends AppProps {
  /** Run the cdk-nag AwsSolutions pack during synth. @default true */
  readonly nag?: boolean;
}

/** The FlowWatch CDK app for a validated config: one stack, cdk-nag checks on. */
export function buildApp(
  config: FlowWatchConfig,
  options: BuildAppOptions = {},
): { app: App; stack: FlowWatchStack } {
  const { nag = true, ...appProps } = options;
  const app = new App({ ...appProps, context: { ...FEATURE_FLAGS, ...appProps.context } });
  const stack = new FlowWatchStack(app, config.stackName, {
    config,
    env: {
      account: config.env.account ?? process.env.CDK_DEFAULT_ACCOUNT,
      region: config.env.region ?? process.env.CDK_DEFAULT_REGION,
    },
    description: 'FlowWatch: VPC flow log threat detection (Athena + Lambda + SNS)',
  });
  // Cost allocation and ownership: every taggable resource says it belongs to FlowWatch.
  // Not dashboards: cfn-lint 1.51's schema (CloudFormation's at the time) has no Tags on AWS::CloudWatch::Dashboard.
  Tags.of(stack).add('flowwatch:stack', config.stackName, {
    excludeResourceTypes: ['AWS::CloudWatch::Dashboard'],
  });
  if (nag) addNagChecks(app);
  return { app, stack };
}

import { Aws, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../constants/env';
import { METRICS } from '../constants/metrics';
import { FlowWatchFunction } from './function';

/** An encrypted, TLS-only queue that holds what could not be delivered, for 14 days. */
export function deadLetterQueue(scope: Construct, id: string, removalPolicy: RemovalPolicy): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy,
  });
}

export interface AlertingProps {
  readonly stackName: string;
  readonly emails: readonly string[];
  /** Secrets Manager secret name holding the Slack webhook URL; enables the Slack notifier. */
  readonly slackWebhookSecretName?: string;
  /** AWS Chatbot Slack channel subscribed to the topic. */
  readonly chatbot?: { readonly workspaceId: string; readonly channelId: string };
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The alert path: a KMS-encrypted topic the detections publish to (MessageStructure json), its
 * email subscriptions, the Slack notifier Lambda (webhook from Secrets Manager) and optionally
 * an AWS Chatbot channel. The key is shared with the ops topic (CloudWatch alarms may use it).
 */
export class Alerting extends Construct {
  readonly key: kms.Key;
  readonly topic: sns.Topic;
  readonly slackNotifier?: FlowWatchFunction;
  readonly slackDeadLetterQueue?: sqs.Queue;
  readonly chatbotChannel?: chatbot.SlackChannelConfiguration;

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'FlowWatch: encrypts the alert and ops topics',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    // CloudWatch alarms publish to the KMS-encrypted ops topic; they need the key, scoped to this account.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'FlowWatch findings',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.emails) this.topic.addSubscription(new subs.EmailSubscription(email));

    if (props.slackWebhookSecretName) {
      this.slackDeadLetterQueue = deadLetterQueue(this, 'SlackDeadLetterQueue', props.removalPolicy);
      const fn = new FlowWatchFunction(this, 'SlackNotifier', {
        entry: 'lambdas/slack-notifier/handler.ts',
        description: 'FlowWatch: posts findings from the alert topic to Slack',
        serviceName: METRICS.SLACK_SERVICE,
        logRetention: props.logRetention,
        removalPolicy: props.removalPolicy,
        // Room for Slack's Retry-After (429) and a few 5xx retries before the invocation fails.
        timeout: Duration.seconds(60),
        memorySize: 256,
        deadLetterQueue: this.slackDeadLetterQueue,
      });
      const s = Stack.of(this);
      const secretArn = `arn:${s.partition}:secretsmanager:${s.region}:${s.account}:secret:${props.slackWebhookSecretName}`;
      // Secrets Manager appends 6 random characters to the name in the full ARN.
      fn.bindSecretArn(ENV.SLACK_SECRET_ARN, secretArn, `${secretArn}-??????`);
      this.topic.addSubscription(
        new subs.LambdaSubscription(fn, { deadLetterQueue: this.slackDeadLetterQueue }),
      );
      this.slackNotifier = fn;
    }

    if (props.chatbot) {
      this.chatbotChannel = new chatbot.SlackChannelConfiguration(this, 'Chatbot', {
        slackChannelConfigurationName: `${props.stackName}-alerts`.slice(0, 128),
        slackWorkspaceId: props.chatbot.workspaceId,
        slackChannelId: props.chatbot.channelId,
        notificationTopics: [this.topic],
        loggingLevel: chatbot.LoggingLevel.ERROR,
      });
    }
  }
}

import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context, SNSEvent } from 'aws-lambda';
import { loadSlackConfig } from '../../lib/runtime/config';
import { log, logger } from '../../lib/runtime/powertools';
import { SlackNotifier } from '../../lib/runtime/slack-notifier';

// Created on first use and kept for the container's life: the webhook URL is cached inside.
let notifier: SlackNotifier | undefined;

/**
 * Subscribed to the alert topic: posts each alert's Block Kit payload to Slack (webhook URL from
 * Secrets Manager). Throws when delivery is impossible so SNS retries and the DLQ keeps it.
 */
export const handler = async (event: SNSEvent, context: Context): Promise<{ delivered: number }> => {
  logger.addContext(context);
  notifier ??= new SlackNotifier({
    secrets: new SecretsManagerClient({ maxAttempts: 3 }),
    secretArn: loadSlackConfig().secretArn,
    log,
  });
  return notifier.handle(event, () => context.getRemainingTimeInMillis());
};

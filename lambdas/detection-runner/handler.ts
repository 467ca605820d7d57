import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '../../lib/runtime/powertools';

/**
 * One detection per function (FLOWWATCH_DETECTION_ID), invoked by an EventBridge schedule.
 * The scheduled time (event.time) fixes the window, so a retried invocation covers the same one.
 */
export const handler = async (
  event: ScheduledEvent,
  context: Context,
): Promise<{ scheduledTime: string }> => {
  logger.addContext(context);
  const scheduledTime = new Date(event.time);
  if (Number.isNaN(scheduledTime.getTime())) throw new Error(`event.time '${event.time}' is not a timestamp`);
  logger.info('detection run', { scheduledTime: scheduledTime.toISOString() });
  return { scheduledTime: scheduledTime.toISOString() };
};

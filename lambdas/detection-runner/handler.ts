import type { Context, ScheduledEvent } from 'aws-lambda';
import { makeDetectionHandler } from '../../lib/runtime/detection-handler';
import { log, logger, metrics } from '../../lib/runtime/powertools';

const run = makeDetectionHandler({
  log,
  metrics: {
    addDimension: (name, value) => metrics.addDimension(name, value),
    addMetric: (name, unit, value) => metrics.addMetric(name, unit, value),
    publishStoredMetrics: () => metrics.publishStoredMetrics(),
  },
});

/**
 * One detection per function (FLOWWATCH_DETECTION_ID), invoked by an EventBridge schedule.
 * The scheduled time (event.time) fixes the window, so a retried invocation covers the same one
 * and publishes nothing twice.
 */
export const handler = async (event: ScheduledEvent, context: Context) => {
  logger.addContext(context);
  return run(event, context);
};

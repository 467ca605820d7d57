import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The one place that creates the Powertools singletons (once per cold start). Service name and
 * namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE when set.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'flowwatch' });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'FlowWatch',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'flowwatch',
});

/** The logger behind the small `Log` interface the runtime modules take (tests pass a recorder). */
export const log = {
  info: (message: string, extra?: Record<string, unknown>) =>
    extra ? logger.info(message, extra) : logger.info(message),
  warn: (message: string, extra?: Record<string, unknown>) =>
    extra ? logger.warn(message, extra) : logger.warn(message),
  error: (message: string, extra?: Record<string, unknown>) =>
    extra ? logger.error(message, extra) : logger.error(message),
};

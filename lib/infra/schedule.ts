import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * An EventBridge schedule invoking a FlowWatch Lambda. Invocations EventBridge cannot deliver
 * (throttled for over an hour, missing permissions) go to the function's dead-letter queue, so
 * one DLQ alarm covers both a failing run and a run that never started.
 */
export function scheduledInvocation(
  scope: Construct,
  id: string,
  o: {
    readonly description: string;
    readonly schedule: events.Schedule;
    readonly fn: lambda.IFunction;
    readonly deadLetterQueue: sqs.IQueue;
  },
): events.Rule {
  const rule = new events.Rule(scope, id, { description: o.description, schedule: o.schedule });
  rule.addTarget(
    new targets.LambdaFunction(o.fn, {
      deadLetterQueue: o.deadLetterQueue,
      maxEventAge: Duration.hours(1),
      retryAttempts: 4,
    }),
  );
  return rule;
}

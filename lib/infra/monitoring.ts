import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS } from '../constants/metrics';
import type { FlowWatchFunction } from './function';

export interface MonitoringProps {
  readonly emails: readonly string[];
  readonly key: kms.IKey;
  readonly workgroupName: string;
  /** Detection functions by detection id. */
  readonly detections: ReadonlyMap<string, FlowWatchFunction>;
  /**
   * The other Lambdas (Slack notifier, ENI inventory, threat-intel sync: whichever exist) by a
   * short PascalCase label; each gets the same `Errors` alarm as a detection and a line on the
   * dashboard's errors graph.
   */
  readonly functions: ReadonlyMap<string, WatchedFunction>;
  /** Dead-letter queues by a short label. */
  readonly deadLetterQueues: ReadonlyMap<string, sqs.IQueue>;
}

export interface WatchedFunction {
  readonly function: FlowWatchFunction;
  /** What a failed invocation means and where to look (the alarm description). */
  readonly description: string;
}

/** A detection's custom metric (emitted by the runner with Powertools EMF). */
export function detectionMetric(
  name: string,
  detectionId: string,
  statistic: string,
  period: Duration = Duration.hours(1),
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS.NAMESPACE,
    metricName: name,
    dimensionsMap: { service: METRICS.DETECTION_SERVICE, [METRICS.DETECTION_DIMENSION]: detectionId },
    statistic,
    period,
  });
}

/**
 * Alarms about FlowWatch itself (a detection or another FlowWatch Lambda that errors, an Athena
 * query that fails, anything in a dead-letter queue) to an ops topic, and a dashboard of
 * findings, bytes scanned and run duration per detection and errors per Lambda.
 */
export class Monitoring extends Construct {
  readonly opsTopic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.opsTopic = new sns.Topic(this, 'OpsTopic', {
      displayName: 'FlowWatch operations',
      masterKey: props.key,
      enforceSSL: true,
    });
    for (const email of props.emails) this.opsTopic.addSubscription(new subs.EmailSubscription(email));
    const action = new actions.SnsAction(this.opsTopic);
    const alarm = (alarmId: string, a: cloudwatch.AlarmProps) => {
      const created = new cloudwatch.Alarm(this, alarmId, a);
      created.addAlarmAction(action);
      this.alarms.push(created);
    };

    // Any failed invocation (each retry counts): a 5-minute sum of Errors >= 1.
    const errorsAlarm = (alarmId: string, fn: FlowWatchFunction, description: string) =>
      alarm(alarmId, {
        alarmDescription: description,
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    for (const [detectionId, fn] of props.detections)
      errorsAlarm(
        `${detectionId}Errors`,
        fn,
        `FlowWatch detection ${detectionId} failed a run (see its log group; the event is in the detection DLQ)`,
      );
    for (const [label, watched] of props.functions)
      errorsAlarm(`${label}Errors`, watched.function, watched.description);
    // Athena publishes one TotalExecutionTime sample per query with its final state.
    const failedQueries = new cloudwatch.Metric({
      namespace: 'AWS/Athena',
      metricName: 'TotalExecutionTime',
      dimensionsMap: { WorkGroup: props.workgroupName, QueryType: 'DML', QueryState: 'FAILED' },
      statistic: 'SampleCount',
      period: Duration.minutes(15),
    });
    alarm('AthenaQueryFailures', {
      alarmDescription: `An Athena query in workgroup ${props.workgroupName} failed (syntax, permissions or the bytes-scanned cutoff)`,
      metric: failedQueries,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const [label, queue] of props.deadLetterQueues)
      alarm(`${label}DeadLetters`, {
        alarmDescription: `Messages are waiting in the ${label} dead-letter queue: a run or an alert was not delivered`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });

    const ids = [...props.detections.keys()];
    const per = (name: string, stat: string) =>
      ids.map((d) => detectionMetric(name, d, stat).with({ label: d }));
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-flowwatch`.slice(0, 255),
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Findings per detection',
        left: per(METRICS.FINDINGS, 'Sum'),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'New (alerted) findings per detection',
        left: per(METRICS.NEW_FINDINGS, 'Sum'),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Athena bytes scanned per run',
        left: per(METRICS.BYTES_SCANNED, 'Average'),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Run duration (ms)',
        left: per(METRICS.RUN_DURATION, 'Maximum'),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: [
          ...props.detections,
          ...[...props.functions].map(([label, w]) => [label, w.function] as const),
        ].map(([label, fn]) => fn.metricErrors({ statistic: 'Sum', period: Duration.hours(1), label })),
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'FlowWatch alarms', alarms: this.alarms, width: 12 }),
    );
  }
}

/**
 * CloudWatch metric names shared by the detection Lambda (which emits them with Powertools
 * Metrics, EMF) and the CDK dashboard/alarms (which read them). A dashboard widget only shows
 * data when namespace, name and the full dimension set match exactly.
 */
export const METRICS = {
  NAMESPACE: 'FlowWatch',
  /** POWERTOOLS_SERVICE_NAME of every detection Lambda; Powertools adds it as the `service` dimension. */
  DETECTION_SERVICE: 'flowwatch-detection',
  SLACK_SERVICE: 'flowwatch-slack-notifier',
  /** Dimension carrying the detection id (in addition to `service`). */
  DETECTION_DIMENSION: 'detection',
  /** Count: findings the detection query returned in a run. */
  FINDINGS: 'Findings',
  /** Count: findings that were not suppressed by dedupe and were published. */
  NEW_FINDINGS: 'NewFindings',
  /** Bytes: Athena DataScannedInBytes of the run's query. */
  BYTES_SCANNED: 'BytesScanned',
  /** Milliseconds: wall time of the run (query + dedupe + publish). */
  RUN_DURATION: 'RunDuration',
} as const;

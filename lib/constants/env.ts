/**
 * Environment variable names shared by the CDK constructs (which set them) and the Lambda
 * handlers (which read them, once per cold start, through a validated config object).
 */
export const ENV = {
  /** Id of the detection a detection Lambda runs. */
  DETECTION_ID: 'FLOWWATCH_DETECTION_ID',
  /** JSON {thresholds, lists} validated at synth; merged over the detection's defaults. */
  DETECTION_SETTINGS: 'FLOWWATCH_DETECTION_SETTINGS',
  /** JSON array of internal CIDRs, validated at synth. */
  INTERNAL_CIDRS: 'FLOWWATCH_INTERNAL_CIDRS',
  WORKGROUP: 'FLOWWATCH_WORKGROUP',
  DATABASE: 'FLOWWATCH_DATABASE',
  /** `hour` or `day`: how the flow_logs table's dt partitions are formatted. */
  PARTITION_GRANULARITY: 'FLOWWATCH_PARTITION_GRANULARITY',
  /** Seconds to wait for late flow log delivery before a window is considered complete. */
  DELIVERY_DELAY_SECONDS: 'FLOWWATCH_DELIVERY_DELAY_SECONDS',
  DEDUPE_TABLE: 'FLOWWATCH_DEDUPE_TABLE',
  ALERT_TOPIC_ARN: 'FLOWWATCH_ALERT_TOPIC_ARN',
  SLACK_SECRET_ARN: 'FLOWWATCH_SLACK_SECRET_ARN',
  /** `true` when an AWS Chatbot channel subscribes to the alert topic. */
  CHATBOT_ENABLED: 'FLOWWATCH_CHATBOT_ENABLED',
  /** Folder holding sql/detections inside the Lambda bundle. */
  SQL_DIR: 'FLOWWATCH_SQL_DIR',
  /** Bucket the ENI inventory snapshots are written to. */
  INVENTORY_BUCKET: 'FLOWWATCH_INVENTORY_BUCKET',
  /** Key prefix (empty or ending in /) under which `eni-inventory/...` is written. */
  INVENTORY_PREFIX: 'FLOWWATCH_INVENTORY_PREFIX',
  /** Account the inventory Lambda runs in (its file is written even when it has no interfaces). */
  INVENTORY_ACCOUNT: 'FLOWWATCH_INVENTORY_ACCOUNT',
  /** Comma-separated accounts the inventory covers (default: INVENTORY_ACCOUNT). */
  INVENTORY_ACCOUNTS: 'FLOWWATCH_INVENTORY_ACCOUNTS',
  /** Comma-separated regions the inventory covers (default: AWS_REGION). */
  INVENTORY_REGIONS: 'FLOWWATCH_INVENTORY_REGIONS',
  /** Role assumed in member accounts (name, not ARN); unset = member accounts are skipped. */
  INVENTORY_MEMBER_ROLE: 'FLOWWATCH_INVENTORY_MEMBER_ROLE',
  /** sts:ExternalId passed when assuming the member role (optional). */
  INVENTORY_EXTERNAL_ID: 'FLOWWATCH_INVENTORY_EXTERNAL_ID',
  /** Partition of the member role ARNs (aws, aws-cn, aws-us-gov). */
  INVENTORY_PARTITION: 'FLOWWATCH_INVENTORY_PARTITION',
  /** Bucket holding threat-intel/lists/ (uploaded lists) and threat-intel/table/ (the threat_intel table). */
  THREAT_INTEL_BUCKET: 'FLOWWATCH_THREAT_INTEL_BUCKET',
} as const;

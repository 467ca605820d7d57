import { type FlowWatchConfig, parseConfig } from '../../lib/config/load';
import type { FlowWatchConfigInput } from '../../lib/config/schema';
import { loadDetections } from '../../lib/detection/registry';

/** The smallest useful deployment: one VPC, one email, every default. */
export const MINIMAL: FlowWatchConfigInput = {
  env: { account: '111111111111', region: 'us-east-1' },
  source: { mode: 'create', targets: ['vpc-0abc12345def67890'] },
  alerts: { emails: ['secops@example.com'] },
};

/** v2 + v3 fields in a custom order, as an existing text flow log might declare them. */
export const TEXT_FIELDS = [
  'version',
  'account-id',
  'interface-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log-status',
  'vpc-id',
  'subnet-id',
  'instance-id',
  'tcp-flags',
  'type',
  'pkt-srcaddr',
  'pkt-dstaddr',
];

/**
 * Everything at once: an organisation bucket read in place (text flow logs with a declared
 * field list, daily partitions, its own KMS key), several accounts and regions, Slack webhook +
 * AWS Chatbot, every detection with threshold and list overrides, custom retention and cutoff.
 */
export const MAXIMAL: FlowWatchConfigInput = {
  stackName: 'FlowWatchOrg',
  env: { account: '111111111111', region: 'eu-west-1' },
  source: {
    mode: 'existing',
    bucketName: 'org-central-flow-logs',
    prefix: 'network/flow',
    format: 'text',
    // The flow log's LogFormat exactly as AWS prints it: `${version} ${account-id} ...`.
    fields: TEXT_FIELDS.map((f) => `\${${f}}`).join(' '),
    partitionGranularity: 'day',
    kmsKeyArn: 'arn:aws:kms:eu-west-1:999999999999:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
  },
  accounts: ['111111111111', '222222222222', '333333333333'],
  regions: ['eu-west-1', 'eu-central-1', 'us-east-1'],
  internalCidrs: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fd00:ec2::/32'],
  // Every detection enabled, each with its thresholds doubled and its lists kept (as overrides).
  detections: Object.fromEntries(
    loadDetections().map((d) => [
      d.meta.id,
      {
        enabled: true,
        thresholds: Object.fromEntries(Object.entries(d.meta.thresholds).map(([k, t]) => [k, t.default * 2])),
        lists: Object.fromEntries(Object.entries(d.meta.lists).map(([k, l]) => [k, [...l.default]])),
      },
    ]),
  ),
  deliveryDelaySeconds: 900,
  alerts: {
    emails: ['secops@example.com', 'oncall@example.com'],
    opsEmails: ['platform@example.com'],
    slack: {
      webhookSecretName: 'flowwatch/slack-webhook',
      chatbot: { workspaceId: 'T012ABCDEF', channelId: 'C012ABCDEFG' },
    },
  },
  retention: {
    flowLogDays: 400,
    flowLogInfrequentAccessDays: 60,
    queryResultDays: 3,
    accessLogDays: 30,
    lambdaLogDays: 365,
  },
  athena: {
    workgroupName: 'flowwatch-org',
    databaseName: 'flowwatch_org',
    bytesScannedCutoffPerQuery: 50 * 1024 ** 3,
    projectionStart: '2023/06/01/00',
    savedQueryLookbackHours: 48,
  },
  inventory: { enabled: true },
  removalPolicy: 'retain',
};

export function config(input: FlowWatchConfigInput, origin = 'test'): FlowWatchConfig {
  return parseConfig(input, origin);
}

/** The responder saved queries issues 3 and 7 name (without the `flowwatch-` prefix). */
export const ISSUE_RESPONDER_QUERIES = [
  'rejected-traffic',
  'rejected-tcp',
  'accepted-traffic',
  'ssh-rdp-traffic',
  'admin-port-traffic',
  'top-talkers-by-ip',
  'top-talkers-by-instance',
  'top-talkers-by-subnet',
  'top-talkers-packet-level',
  'bytes-by-pair',
  'traffic-from-source',
  'traffic-to-destination',
  'ipv4-vs-ipv6-bytes',
  // issue 7: investigations over the context tables (eni_inventory, threat_intel)
  'internal-services-from-outside',
  'database-data-to-outside',
  'threat-intel-traffic',
  'load-balancer-targets',
  'instance-load-balancers',
] as const;

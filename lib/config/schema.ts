import { isIP } from 'node:net';
import { z } from 'zod';
import { DEFAULT_INTERNAL_CIDRS, parseCidr } from '../detection/cidr';
import { parseFieldList } from '../detection/fields';
import { ScheduleExpression } from '../detection/metadata';

/**
 * The FlowWatch deployment config. Everything has a default except what only the deployer
 * knows (where alerts go, which VPCs to log). Unknown keys are rejected so a typo fails synth
 * instead of silently doing nothing.
 */

const AccountId = z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits, e.g. "123456789012"');

/** IAM role name (not an ARN, no path): what `arn:<partition>:iam::<account>:role/<name>` ends with. */
const IamRoleName = z
  .string()
  .regex(
    /^[\w+=,.@-]{1,64}$/,
    'an IAM role name (1-64 letters, digits or +=,.@-_ characters; not an ARN, no path), e.g. "FlowWatchInventoryMember"',
  );

const Region = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'an AWS region code such as "us-east-1" or "eu-west-2"');

const Cidr = z.string().superRefine((s, ctx) => {
  try {
    parseCidr(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `${(e as Error).message}` });
  }
});

const Email = z
  .string()
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'not an email address (expected name@example.com)');

/** vpc-, subnet- or eni- id; the flow log's ResourceType is derived from the prefix. */
export const FlowLogTarget = z
  .string()
  .regex(
    /^(vpc|subnet|eni)-[0-9a-f]{8,17}$/,
    'a VPC, subnet or network interface id such as vpc-0abc12345def67890, subnet-0123abcd or eni-0123abcd',
  );

const FieldListText = z.string().superRefine((s, ctx) => {
  try {
    parseFieldList(s, 'field list');
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

/** Source mode 1: FlowWatch creates the bucket and the flow logs (Parquet, hourly, plain prefixes). */
const CreateSource = z
  .object({
    mode: z.literal('create'),
    /** VPC / subnet / ENI ids in the deployment account and region to create flow logs for. */
    targets: z.array(FlowLogTarget).default([]),
    trafficType: z.enum(['ALL', 'ACCEPT', 'REJECT']).default('ALL'),
    /** 60 s gives near-real-time records (detections see an attack sooner); 600 s is AWS's default. */
    maxAggregationIntervalSeconds: z
      .union([z.literal(60), z.literal(600)], { message: 'must be 60 or 600 (seconds)' })
      .default(60),
    /** Parquet (default: smaller, and Athena reads only the columns a query uses) or plain text (.log.gz). */
    format: z.enum(['parquet', 'text']).default('parquet'),
    /** Fields beyond v2-v5 to request (AWS names), e.g. "reject-reason" or ECS fields. */
    extraFields: z.array(z.string()).default(['reject-reason']),
    /** Bucket encryption: a customer-managed KMS key (default) or S3-managed keys. */
    encryption: z.enum(['kms', 's3-managed']).default('kms'),
    /** Key prefix inside the bucket that AWS writes `AWSLogs/...` under. */
    prefix: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/,
        'lowercase words separated by / without a trailing /',
      )
      .default('vpc-flow-logs'),
  })
  .strict();

/** Source mode 2: read flow logs that already land in a bucket FlowWatch does not own. */
const ExistingSource = z
  .object({
    mode: z.literal('existing'),
    bucketName: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'an S3 bucket name (3-63 lowercase letters, digits, . and -)',
      ),
    /** Prefix before `AWSLogs/`; empty when the flow logs write at the bucket root. */
    prefix: z
      .string()
      .regex(
        /^([A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*)?$/,
        'an S3 key prefix without leading or trailing /',
      )
      .default(''),
    format: z.enum(['parquet', 'text']),
    /**
     * The flow log's LogFormat (AWS `${field}` syntax or plain names) in file order. Required
     * for text (columns are positional); for Parquet only used to document what is present.
     */
    fields: FieldListText.optional(),
    /** `hour` when the flow log uses per-hour partitions, `day` for AWS's default daily prefixes. */
    partitionGranularity: z.enum(['hour', 'day']).default('hour'),
    /** KMS key that encrypts the existing bucket's objects, if any (the detection role needs kms:Decrypt). */
    kmsKeyArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/, 'a KMS key ARN')
      .optional(),
    hiveCompatiblePartitions: z
      .literal(false, {
        message:
          'hive-compatible prefixes are not supported: FlowWatch projects one dt partition (yyyy/MM/dd[/HH]); re-create the flow log with HiveCompatiblePartitions=false',
      })
      .default(false),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.format === 'text' && !s.fields)
      ctx.addIssue({
        code: 'custom',
        path: ['fields'],
        message:
          // biome-ignore lint/suspicious/noTemplateCurlyInString: AWS LogFormat syntax, not a JS template
          'required for text flow logs: copy the flow log\'s LogFormat, e.g. "${version} ${account-id} ${interface-id} ..." (columns are positional)',
      });
  });

const DetectionOverride = z
  .object({
    enabled: z.boolean().optional(),
    schedule: ScheduleExpression.optional(),
    thresholds: z.record(z.string(), z.number({ message: 'thresholds are numbers' }).finite()).optional(),
    lists: z.record(z.string(), z.array(z.union([z.string(), z.number()]))).optional(),
  })
  .strict();

const ChatbotSettings = z
  .object({
    /** The Slack workspace id shown in the AWS Chatbot console after authorising it (starts with T). */
    workspaceId: z.string().regex(/^[A-Z0-9]{9,15}$/, 'a Slack workspace (team) id such as T012ABCDEF'),
    /** The Slack channel id (right click the channel > Copy link; starts with C or G). */
    channelId: z.string().regex(/^[A-Z0-9]{9,15}$/, 'a Slack channel id such as C012ABCDEFG'),
  })
  .strict();

const SlackSettings = z
  .object({
    /** Name of a Secrets Manager secret whose value is the Slack incoming-webhook URL. */
    webhookSecretName: z
      .string()
      .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a Secrets Manager secret name (letters, digits and /_+=.@-)')
      .optional(),
    chatbot: ChatbotSettings.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.webhookSecretName && !s.chatbot)
      ctx.addIssue({
        code: 'custom',
        path: ['webhookSecretName'],
        message:
          'missing Slack secret name: set alerts.slack.webhookSecretName (a Secrets Manager secret holding the webhook URL) and/or alerts.slack.chatbot {workspaceId, channelId}, or remove alerts.slack',
      });
  });

const MIN_CUTOFF = 10 * 1024 * 1024;

export const FlowWatchConfigSchema = z
  .object({
    /** CloudFormation stack name. */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a CloudFormation stack name (letters, digits, -)')
      .default('FlowWatch'),
    /** Deployment account/region; default: the CLI's credentials and region (CDK_DEFAULT_*). */
    env: z.object({ account: AccountId.optional(), region: Region.optional() }).strict().default({}),
    source: z.discriminatedUnion('mode', [CreateSource, ExistingSource], {
      message: 'source.mode must be "create" or "existing"',
    }),
    /**
     * Accounts whose flow logs land in the bucket (partition projection enum). Default: the
     * deployment account. An organisation-wide bucket lists every member account here.
     */
    accounts: z.array(AccountId).min(1).optional(),
    /** Regions whose flow logs land in the bucket. Default: the deployment region. */
    regions: z.array(Region).min(1).optional(),
    /** Address space treated as "ours" by {{ is_internal(col) }}. */
    internalCidrs: z
      .array(Cidr)
      .min(1, 'list at least one CIDR')
      .default([...DEFAULT_INTERNAL_CIDRS]),
    /** Per-detection overrides, keyed by detection id. Every shipped detection is enabled by default. */
    detections: z.record(z.string(), DetectionOverride).default({}),
    /** Seconds to wait for late flow log delivery before a window is considered complete. */
    deliveryDelaySeconds: z.number().int().min(0).max(3600).default(600),
    alerts: z
      .object({
        emails: z.array(Email).default([]),
        /** Where alarms about FlowWatch itself go; default: the alert emails. */
        opsEmails: z.array(Email).optional(),
        slack: SlackSettings.optional(),
      })
      .strict()
      .superRefine((a, ctx) => {
        if (a.emails.length === 0 && !a.slack)
          ctx.addIssue({
            code: 'custom',
            path: ['emails'],
            message:
              'no alert destination: add at least one address to alerts.emails or configure alerts.slack',
          });
      }),
    retention: z
      .object({
        /** Days flow log objects are kept (0 = forever). */
        flowLogDays: z.number().int().min(0).default(365),
        /** Days before flow log objects move to S3 Standard-IA (0 = never). */
        flowLogInfrequentAccessDays: z.number().int().min(0).default(30),
        /** Days Athena query results are kept. */
        queryResultDays: z.number().int().min(1).default(7),
        /** Days S3 server access logs are kept. */
        accessLogDays: z.number().int().min(1).default(90),
        /** CloudWatch Logs retention of the Lambdas (must be a value CloudWatch accepts). */
        lambdaLogDays: z
          .number()
          .int()
          .refine((d) => LOG_RETENTION_DAYS.includes(d), {
            message:
              'CloudWatch accepts 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
          })
          .default(90),
      })
      .strict()
      .default({
        flowLogDays: 365,
        flowLogInfrequentAccessDays: 30,
        queryResultDays: 7,
        accessLogDays: 90,
        lambdaLogDays: 90,
      }),
    athena: z
      .object({
        workgroupName: z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,128}$/, 'letters, digits, . _ -')
          .default('flowwatch'),
        databaseName: z
          .string()
          .regex(/^[a-z][a-z0-9_]{0,254}$/, 'lowercase letters, digits and _ (Glue database names)')
          .default('flowwatch'),
        /** A query that would scan more is cancelled by Athena (minimum 10 MB). Default 10 GB. */
        bytesScannedCutoffPerQuery: z
          .number()
          .int()
          .min(MIN_CUTOFF, `Athena's minimum is 10 MB (${MIN_CUTOFF} bytes)`)
          .default(10 * 1024 ** 3),
        /** First hour the dt projection enumerates (yyyy/MM/dd/HH). */
        projectionStart: z
          .string()
          .regex(/^\d{4}\/\d{2}\/\d{2}\/\d{2}$/, 'yyyy/MM/dd/HH, e.g. 2024/01/01/00')
          .default('2024/01/01/00'),
        /** How far back saved (named) queries look by default, e.g. 24h. */
        savedQueryLookbackHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 31)
          .default(24),
      })
      .strict()
      .default({
        workgroupName: 'flowwatch',
        databaseName: 'flowwatch',
        bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        projectionStart: '2024/01/01/00',
        savedQueryLookbackHours: 24,
      }),
    /** ENI inventory (issue 7): hourly DescribeNetworkInterfaces snapshots and the eni_inventory table. */
    inventory: z
      .object({
        /**
         * The snapshot Lambda (ec2:DescribeNetworkInterfaces, hourly). Off by default; the
         * context bucket and the eni_inventory table exist either way.
         */
        enabled: z.boolean().default(false),
        /**
         * Role assumed in every other account of `accounts` (same name in each; docs/DEPLOY.md
         * shows its trust and permissions policies). Unset: only the deployment account is
         * snapshotted, the others are skipped with a log line.
         */
        memberRoleName: IamRoleName.optional(),
        /** sts:ExternalId the member roles' trust policy requires (optional). */
        externalId: z
          .string()
          .regex(
            /^[\w+=,.@:/-]{2,1224}$/,
            'an sts:ExternalId: 2 to 1224 letters, digits or +=,.@:/-_ characters',
          )
          .optional(),
      })
      .strict()
      .default({ enabled: false }),
    /** Threat intel (issue 7): the threat_intel table over lists uploaded to the context bucket. */
    threatIntel: z
      .object({
        /**
         * The hourly sync Lambda turning threat-intel/lists/ into the table's files. Off, the
         * threat_intel table still exists and reads JSON-lines files written there by hand.
         */
        enabled: z.boolean().default(true),
      })
      .strict()
      .default({ enabled: true }),
    /** `retain` keeps buckets, the dedupe table and keys when the stack is deleted. */
    removalPolicy: z.enum(['retain', 'destroy']).default('retain'),
  })
  .strict();

export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export type FlowWatchConfigInput = z.input<typeof FlowWatchConfigSchema>;
export type ParsedConfig = z.output<typeof FlowWatchConfigSchema>;

/** True when `s` is an IPv4 or IPv6 address (list items of type ip). */
export function isIpAddress(s: string): boolean {
  return isIP(s) !== 0;
}

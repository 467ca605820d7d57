import { AthenaClient, CreateWorkGroupCommand } from '@aws-sdk/client-athena';
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ENV } from '../../lib/constants/env';
import { DEDUPE_TABLE_SCHEMA } from '../../lib/runtime/dedupe';
import type { Log } from '../../lib/runtime/detection-run';
import type { Moto } from '../helpers/moto';

/**
 * The AWS side of a detection run, created in moto: dedupe table (with its pending index),
 * alert topic, an SQS queue subscribed to the topic (to read what was published), a workgroup.
 */
export interface AwsFixture {
  readonly athena: AthenaClient;
  readonly dynamodb: DynamoDBClient;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly table: string;
  readonly topicArn: string;
  readonly queueUrl: string;
  readonly env: Record<string, string>;
  /** Everything SNS delivered to the queue since the last call: the `sqs` form of each message. */
  published(): Promise<{ subject: string; doc: Record<string, unknown> }[]>;
  item(fingerprint: string): Promise<Record<string, string | undefined> | undefined>;
  deleteTopic(): Promise<void>;
  recreateTopic(): Promise<void>;
  destroy(): void;
}

export async function createAwsFixture(
  moto: Moto,
  detectionId = 'rejected-connections',
): Promise<AwsFixture> {
  const cfg = moto.clientConfig;
  const athena = new AthenaClient(cfg);
  const dynamodb = new DynamoDBClient(cfg);
  const sns = new SNSClient(cfg);
  const sqs = new SQSClient(cfg);
  const table = 'flowwatch-dedupe';
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: DEDUPE_TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
        { AttributeName: DEDUPE_TABLE_SCHEMA.pendingIndexKey, AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: DEDUPE_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: DEDUPE_TABLE_SCHEMA.pendingIndex,
          KeySchema: [{ AttributeName: DEDUPE_TABLE_SCHEMA.pendingIndexKey, KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await athena.send(new CreateWorkGroupCommand({ Name: 'flowwatch', Configuration: {} }));
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: 'alerts-tap' }));
  const queueUrl = queue.QueueUrl!;
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = attrs.Attributes!.QueueArn!;
  const makeTopic = async () => {
    const t = await sns.send(new CreateTopicCommand({ Name: 'flowwatch-alerts' }));
    await sns.send(new SubscribeCommand({ TopicArn: t.TopicArn, Protocol: 'sqs', Endpoint: queueArn }));
    return t.TopicArn!;
  };
  const topicArn = await makeTopic();
  return {
    athena,
    dynamodb,
    sns,
    sqs,
    table,
    topicArn,
    queueUrl,
    env: {
      [ENV.DETECTION_ID]: detectionId,
      [ENV.WORKGROUP]: 'flowwatch',
      [ENV.DATABASE]: 'flowwatch',
      [ENV.PARTITION_GRANULARITY]: 'hour',
      [ENV.DELIVERY_DELAY_SECONDS]: '600',
      [ENV.DEDUPE_TABLE]: table,
      [ENV.ALERT_TOPIC_ARN]: topicArn,
      [ENV.CHATBOT_ENABLED]: 'false',
    },
    published: async () => {
      const out: { subject: string; doc: Record<string, unknown> }[] = [];
      for (;;) {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
        if (!r.Messages?.length) return out;
        for (const m of r.Messages) {
          const envelope = JSON.parse(m.Body!) as { Subject: string; Message: string };
          out.push({ subject: envelope.Subject, doc: JSON.parse(envelope.Message) });
        }
        // Deleted once read, so a later call sees only what was published after this one.
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: r.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
    },
    item: async (fingerprint) => {
      const r = await dynamodb.send(
        new GetItemCommand({
          TableName: table,
          Key: { fingerprint: { S: fingerprint } },
          ConsistentRead: true,
        }),
      );
      if (!r.Item) return undefined;
      return Object.fromEntries(Object.entries(r.Item).map(([k, v]) => [k, v.S ?? v.N]));
    },
    deleteTopic: async () => {
      await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    },
    recreateTopic: async () => {
      const arn = await makeTopic();
      if (arn !== topicArn) throw new Error(`recreated topic has a different ARN: ${arn}`);
    },
    destroy: () => {
      for (const c of [athena, dynamodb, sns, sqs]) c.destroy();
    },
  };
}

/** A logger that records what was logged (to check, e.g., that no secret is ever written). */
export function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (message: string, extra?: Record<string, unknown>) => {
    lines.push(
      `${level} ${message} ${extra ? JSON.stringify(extra, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) : ''}`,
    );
  };
  return { lines, info: rec('INFO'), warn: rec('WARN'), error: rec('ERROR') };
}

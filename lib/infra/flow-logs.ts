import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { FlowLogField } from '../detection/fields';

const RESOURCE_TYPES = { vpc: 'VPC', subnet: 'Subnet', eni: 'NetworkInterface' } as const;

export interface FlowLogsProps {
  /** vpc-, subnet- or eni- ids in the stack's account and region; the type comes from the prefix. */
  readonly targets: readonly string[];
  readonly trafficType: 'ALL' | 'ACCEPT' | 'REJECT';
  /** 60 or 600 seconds. */
  readonly maxAggregationIntervalSeconds: 60 | 600;
  /** Fields to record, written as the flow log's LogFormat in this order. */
  readonly fields: readonly FlowLogField[];
  /** File format AWS writes. */
  readonly format: 'parquet' | 'text';
  readonly bucket: s3.IBucket;
  /** Key prefix; objects land under `<prefix>/AWSLogs/<account>/vpcflowlogs/<region>/yyyy/MM/dd/HH/`. */
  readonly prefix: string;
}

/** The LogFormat string AWS expects: `${version} ${account-id} ...`. */
export function logFormat(fields: readonly FlowLogField[]): string {
  return fields.map((f) => `\${${f.name}}`).join(' ');
}

/**
 * One AWS::EC2::FlowLog per target, delivered to S3 (Parquet by default) with per-hour partitions and
 * plain (not Hive-compatible) prefixes, which is what the Glue table's dt projection reads.
 */
export class FlowLogs extends Construct {
  readonly flowLogs: ec2.CfnFlowLog[] = [];

  constructor(scope: Construct, id: string, props: FlowLogsProps) {
    super(scope, id);
    const seen = new Set<string>();
    for (const target of props.targets) {
      const m = /^(vpc|subnet|eni)-[0-9a-f]{8,17}$/.exec(target);
      if (!m) throw new Error(`FlowLogs: target '${target}' is not a vpc-, subnet- or eni- id`);
      if (seen.has(target)) throw new Error(`FlowLogs: target '${target}' is listed twice`);
      seen.add(target);
      const flowLog = new ec2.CfnFlowLog(this, target, {
        resourceId: target,
        resourceType: RESOURCE_TYPES[m[1] as keyof typeof RESOURCE_TYPES],
        trafficType: props.trafficType,
        maxAggregationInterval: props.maxAggregationIntervalSeconds,
        logDestinationType: 's3',
        logDestination: `${props.bucket.bucketArn}/${props.prefix}`,
        logFormat: logFormat(props.fields),
        destinationOptions: {
          FileFormat: props.format === 'parquet' ? 'parquet' : 'plain-text',
          HiveCompatiblePartitions: false,
          PerHourPartition: true,
        },
        tags: [{ key: 'Name', value: `flowwatch-${target}` }],
      });
      // AWS checks the bucket policy when the flow log is created.
      if (props.bucket.policy) flowLog.node.addDependency(props.bucket.policy);
      this.flowLogs.push(flowLog);
    }
  }
}

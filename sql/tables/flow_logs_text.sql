-- GENERATED from sql/tables/flow-log-fields.json by lib/infra/table-definition.ts; do not edit.
-- Regenerate: UPDATE_DDL=1 npx jest test/infra/table-definition.test.ts
-- Athena table for text (.log.gz) flow logs with a header line, hourly partitions, all v2-v8 fields in
-- catalogue order. If your LogFormat lists fewer or other fields, put them first in file order.
-- Replace s3://DOC-EXAMPLE-BUCKET/vpc-flow-logs, the account ids and the regions with yours.
-- Daily (not per-hour) flow logs: use format yyyy/MM/dd, interval.unit DAYS and a yyyy/MM/dd range start.

CREATE EXTERNAL TABLE IF NOT EXISTS flow_logs (
  `version` int COMMENT 'Flow log version',
  `account_id` string COMMENT 'AWS account ID of the owner of the source network interface (can be \'unknown\')',
  `interface_id` string COMMENT 'ID of the network interface',
  `srcaddr` string COMMENT 'Source address (the ENI\'s primary private address for incoming traffic)',
  `dstaddr` string COMMENT 'Destination address (the ENI\'s primary private address for outgoing traffic)',
  `srcport` int COMMENT 'Source port',
  `dstport` int COMMENT 'Destination port',
  `protocol` int COMMENT 'IANA protocol number',
  `packets` bigint COMMENT 'Packets transferred during the flow',
  `bytes` bigint COMMENT 'Bytes transferred during the flow',
  `start` bigint COMMENT 'Time, in Unix seconds, when the first packet of the flow was received',
  `end` bigint COMMENT 'Time, in Unix seconds, when the last packet of the flow was received',
  `action` string COMMENT 'ACCEPT or REJECT',
  `log_status` string COMMENT 'OK, NODATA or SKIPDATA',
  `vpc_id` string COMMENT 'ID of the VPC',
  `subnet_id` string COMMENT 'ID of the subnet',
  `instance_id` string COMMENT 'ID of the instance that owns the network interface (absent for ELB, NAT, endpoint ENIs)',
  `tcp_flags` int COMMENT 'Bitmask of TCP flags seen (FIN 1, SYN 2, RST 4, SYN-ACK 18)',
  `type` string COMMENT 'IPv4, IPv6 or EFA',
  `pkt_srcaddr` string COMMENT 'Packet-level (original) source address',
  `pkt_dstaddr` string COMMENT 'Packet-level (original) destination address',
  `region` string COMMENT 'Region of the network interface',
  `az_id` string COMMENT 'Availability Zone ID',
  `sublocation_type` string COMMENT 'wavelength, outpost or localzone',
  `sublocation_id` string COMMENT 'ID of the sublocation',
  `pkt_src_aws_service` string COMMENT 'AWS service owning pkt-srcaddr\'s IP range',
  `pkt_dst_aws_service` string COMMENT 'AWS service owning pkt-dstaddr\'s IP range',
  `flow_direction` string COMMENT 'ingress or egress, relative to the interface',
  `traffic_path` int COMMENT 'Path egress traffic takes (1 same VPC, 2 IGW, 3 VGW, 4 intra-region peering, 5 inter-region peering, 6 local gateway, 7 VPC endpoint, 8 IGW via Wavelength)',
  `ecs_cluster_arn` string COMMENT 'ECS cluster ARN',
  `ecs_cluster_name` string COMMENT 'ECS cluster name',
  `ecs_container_instance_arn` string COMMENT 'ECS container instance ARN',
  `ecs_container_instance_id` string COMMENT 'ECS container instance ID',
  `ecs_container_id` string COMMENT 'Docker runtime ID of the first container in the task',
  `ecs_second_container_id` string COMMENT 'Docker runtime ID of the second container in the task',
  `ecs_service_name` string COMMENT 'ECS service name',
  `ecs_task_definition_arn` string COMMENT 'ECS task definition ARN',
  `ecs_task_arn` string COMMENT 'ECS task ARN',
  `ecs_task_id` string COMMENT 'ECS task ID',
  `reject_reason` string COMMENT 'Why traffic was rejected (BPA = VPC Block Public Access)'
)
PARTITIONED BY (
  `aws_account_id` string COMMENT 'Account the flow log belongs to (from the S3 key)',
  `aws_region` string COMMENT 'Region of the flow log (from the S3 key)',
  `dt` string COMMENT 'Delivery hour yyyy/MM/dd/HH (or day yyyy/MM/dd) from the S3 key'
)
ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe'
WITH SERDEPROPERTIES (
  'field.delim' = ' ',
  'serialization.format' = ' ',
  'serialization.null.format' = '-'
)
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://DOC-EXAMPLE-BUCKET/vpc-flow-logs/AWSLogs/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.aws_account_id.type' = 'enum',
  'projection.aws_account_id.values' = '111111111111,222222222222',
  'projection.aws_region.type' = 'enum',
  'projection.aws_region.values' = 'us-east-1,eu-west-1',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy/MM/dd/HH',
  'projection.dt.range' = '2024/01/01/00,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'HOURS',
  'storage.location.template' = 's3://DOC-EXAMPLE-BUCKET/vpc-flow-logs/AWSLogs/${aws_account_id}/vpcflowlogs/${aws_region}/${dt}',
  'classification' = 'csv',
  'skip.header.line.count' = '1'
);

/*
id: exfiltration-volume
title: Large data transfer from an internal host to one external address
description: >
  An internal source sent more than min_bytes (default 1 GiB) to a single external address
  within the one-hour window. Only egress is counted: records with flow_direction = 'egress'
  (v5+ logs), or, where flow_direction is NULL (v2-v4 logs), records from an internal source
  address. Only ACCEPTed, OK records count. A destination on the allowed_destinations list
  (a backup target, a partner's SFTP server) is never reported.
severity: high
schedule: rate(1 hour)
lookback: 1h
suppression: 24h
thresholds:
  min_bytes:
    default: 1073741824
    description: >
      Bytes from one internal source to one external address within the window before it is
      reported. Default 1 GiB per hour (about 2.4 Mbit/s sustained); scale it with the lookback.
    min: 1
lists:
  allowed_destinations:
    items: ip
    default: []
    description: External addresses that legitimately receive bulk data (backup and replication targets)
key_fields: [srcaddr, dstaddr]
mitre:
  - technique: T1048
    name: Exfiltration Over Alternative Protocol
  - technique: T1041
    name: Exfiltration Over C2 Channel
tags: [exfiltration, egress, volume]
runbook: >
  Identify the workload behind srcaddr (interface_id, instance_id) and the owner of dstaddr
  (whois, threat intel; dst_aws_service shows when it is an AWS service such as S3). Ask the
  owner whether a backup, replication or upload job explains the volume; if so add dstaddr to
  allowed_destinations. If not, isolate the instance (quarantine security group), snapshot its
  volumes and review what process opened the connections. A NAT gateway reports the same
  transfer again under its own private address; follow it back to the instance.
*/
SELECT
  srcaddr,
  dstaddr,
  sum(bytes) AS bytes,
  sum(packets) AS packets,
  count(*) AS flows,
  count(DISTINCT dstport) AS distinct_ports,
  max(interface_id) AS interface_id,
  max(instance_id) AS instance_id,
  max(pkt_dst_aws_service) AS dst_aws_service,
  min(start) AS first_seen,
  max("end") AS last_seen
FROM flow_logs
WHERE dt BETWEEN :dt_start AND :dt_end
  AND start >= :window_start AND start < :window_end
  AND log_status = 'OK'
  AND action = 'ACCEPT'
  AND {{ is_external(dstaddr) }}
  AND (flow_direction = 'egress' OR (flow_direction IS NULL AND {{ is_internal(srcaddr) }}))
  AND dstaddr NOT IN (:allowed_destinations)
GROUP BY srcaddr, dstaddr
HAVING sum(bytes) >= :min_bytes
ORDER BY bytes DESC, srcaddr, dstaddr

/*
id: direct-to-ec2-bypass
title: Internet traffic reaching an EC2 instance directly on a web port
description: >
  ACCEPTed inbound flows from external addresses to an instance's own network interface on a
  web port (default 80 and 443), i.e. traffic that did not come through the load balancer, WAF
  or CDN in front of the service. An interface is an instance's when the record carries
  instance_id (v3+ logs) or, for v2-only logs, when the ENI inventory (eni_inventory, latest
  snapshot within 7 days) says its owner is an EC2 instance. Load balancer, NAT gateway and
  endpoint ENIs never match; the load balancer's own flows to the instance come from internal
  addresses. Inbound means flow_direction = 'ingress', or, where flow_direction is NULL (v2-v4),
  a destination inside the internal address space. Findings name the instance and its Name tag
  (entity_type, entity_id, entity_name) when the inventory knows them.
  A Network Load Balancer that preserves client IPs (the default for instance targets) or
  Global Accelerator forwards internet addresses unchanged, so its targets look the same as a
  bypass: list those instances under allowed_instance_ids.
severity: high
schedule: rate(15 minutes)
lookback: 15m
suppression: 24h
thresholds:
  min_flows:
    default: 1
    description: Accepted inbound flows to one instance port within the window before it is reported
    min: 1
lists:
  web_ports:
    items: port
    default: [80, 443]
    description: Destination ports served through a load balancer that instances must not expose directly
  allowed_instance_ids:
    items: string
    default: []
    description: Instances that are meant to be reached directly (for example a standalone public web server)
key_fields: [instance_id, interface_id, dstaddr, dstport]
mitre:
  - technique: T1190
    name: Exploit Public-Facing Application
  - technique: T1133
    name: External Remote Services
tags: [exposure, ingress, load-balancer-bypass]
runbook: >
  The instance has a public address (or an EIP) and a security group that admits the internet
  on a web port, so attackers can skip the load balancer and WAF. Confirm with the instance's
  security groups and public IP; restrict the web ports to the load balancer's security group
  and remove the public address. Review sample_srcaddr and the investigation query for
  requests that reached the instance directly (entity_name is the instance's Name tag). If direct exposure is intended, or the
  instance is an NLB target with client IP preservation, add it to allowed_instance_ids.
*/
WITH hits AS (
  SELECT
    COALESCE(f.instance_id, i.owner_id) AS instance_id,
    f.interface_id,
    f.dstaddr,
    f.dstport,
    max(i.name_tag) AS name_tag,
    count(DISTINCT f.srcaddr) AS distinct_sources,
    min(f.srcaddr) AS sample_srcaddr,
    count(*) AS flows,
    sum(f.packets) AS packets,
    sum(f.bytes) AS bytes,
    min(f.start) AS first_seen,
    max(f."end") AS last_seen
  FROM flow_logs f
  -- Each interface's latest snapshot within 7 days: one deleted during the window still resolves.
  LEFT JOIN {{ latest_eni_inventory }} i ON i.interface_id = f.interface_id
  WHERE f.dt BETWEEN :dt_start AND :dt_end
    AND f.start >= :window_start AND f.start < :window_end
    AND f.log_status = 'OK'
    AND f.action = 'ACCEPT'
    AND (f.instance_id IS NOT NULL OR i.owner_type = 'ec2_instance')
    AND f.dstport IN (:web_ports)
    AND {{ is_external(f.srcaddr) }}
    AND (f.flow_direction = 'ingress' OR (f.flow_direction IS NULL AND {{ is_internal(f.dstaddr) }}))
    AND COALESCE(f.instance_id, i.owner_id) NOT IN (:allowed_instance_ids)
  GROUP BY COALESCE(f.instance_id, i.owner_id), f.interface_id, f.dstaddr, f.dstport
  HAVING count(*) >= :min_flows
)
SELECT
  instance_id,
  interface_id,
  dstaddr,
  dstport,
  'ec2_instance' AS entity_type,
  instance_id AS entity_id,
  name_tag AS entity_name,
  distinct_sources,
  sample_srcaddr,
  flows,
  packets,
  bytes,
  first_seen,
  last_seen
FROM hits
ORDER BY flows DESC, instance_id, interface_id, dstaddr, dstport

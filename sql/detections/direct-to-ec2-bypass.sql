/*
id: direct-to-ec2-bypass
title: Internet traffic reaching an EC2 instance directly on a web port
description: >
  ACCEPTed inbound flows from external addresses to an instance's own network interface on a
  web port (default 80 and 443), i.e. traffic that did not come through the load balancer, WAF
  or CDN in front of the service. Load balancer ENIs carry no instance_id and so never match;
  the load balancer's own flows to the instance come from internal addresses. Needs instance_id
  (v3+ logs); v2-only records never match. Inbound means flow_direction = 'ingress', or, where
  flow_direction is NULL (v3-v4), a destination inside the internal address space.
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
  requests that reached the instance directly. If direct exposure is intended, or the
  instance is an NLB target with client IP preservation, add it to allowed_instance_ids.
*/
SELECT
  instance_id,
  interface_id,
  dstaddr,
  dstport,
  count(DISTINCT srcaddr) AS distinct_sources,
  min(srcaddr) AS sample_srcaddr,
  count(*) AS flows,
  sum(packets) AS packets,
  sum(bytes) AS bytes,
  min(start) AS first_seen,
  max("end") AS last_seen
FROM flow_logs
WHERE dt BETWEEN :dt_start AND :dt_end
  AND start >= :window_start AND start < :window_end
  AND log_status = 'OK'
  AND action = 'ACCEPT'
  AND instance_id IS NOT NULL
  AND dstport IN (:web_ports)
  AND {{ is_external(srcaddr) }}
  AND (flow_direction = 'ingress' OR (flow_direction IS NULL AND {{ is_internal(dstaddr) }}))
  AND instance_id NOT IN (:allowed_instance_ids)
GROUP BY instance_id, interface_id, dstaddr, dstport
HAVING count(*) >= :min_flows
ORDER BY flows DESC, instance_id, interface_id, dstaddr, dstport

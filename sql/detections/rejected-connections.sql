/*
id: rejected-connections
title: Unusual number of rejected connections from one source
description: >
  One source address had many flows rejected by security groups or network ACLs in the
  window: a scan or brute force against closed ports, or a client retrying a blocked path.
severity: medium
schedule: rate(15 minutes)
lookback: 15m
suppression: 6h
thresholds:
  min_rejected_flows:
    default: 100
    description: Rejected flows from one source within the window before it is reported
key_fields: [srcaddr]
mitre:
  - technique: T1046
    name: Network Service Discovery
tags: [reconnaissance, rejected-traffic]
runbook: >
  Look up the source: an internal address is usually a misconfigured service (fix its
  security group or target); an external one is probing you. Check whether any flow from it
  was ACCEPTed in the same window with the investigation query, and block it at the NACL or
  WAF if it keeps coming.
*/
SELECT
  srcaddr,
  count(*) AS flows,
  count(DISTINCT dstaddr) AS distinct_destinations,
  count(DISTINCT dstport) AS distinct_ports,
  sum(packets) AS packets,
  sum(bytes) AS bytes,
  min(start) AS first_seen,
  max("end") AS last_seen
FROM flow_logs
WHERE dt BETWEEN :dt_start AND :dt_end
  AND start >= :window_start AND start < :window_end
  AND action = 'REJECT'
  AND log_status = 'OK'
GROUP BY srcaddr
HAVING count(*) >= :min_rejected_flows
ORDER BY flows DESC, srcaddr

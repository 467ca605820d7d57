/*
id: port-scan
title: One source probing many ports or hosts
description: >
  One source sent connection probes to at least min_distinct_ports destination ports or
  min_distinct_hosts destination addresses within the window. A probe is a REJECTed flow or a
  TCP flow of at most max_probe_packets packets (a SYN, a retry, a reset), sent from the client
  side: the source port is above the destination port, or the destination port is below 1024.
  That leaves out a server's replies to many clients' ephemeral ports, the usual false positive.
  ICMP sweeps and scans from a source port below the target port (nmap -g 53 against high
  ports) are not counted.
severity: medium
schedule: rate(15 minutes)
lookback: 15m
suppression: 6h
thresholds:
  min_distinct_ports:
    default: 25
    description: Distinct destination ports probed by one source within the window (vertical scan)
    min: 1
  min_distinct_hosts:
    default: 50
    description: Distinct destination addresses probed by one source within the window (horizontal sweep)
    min: 1
  max_probe_packets:
    default: 3
    description: Largest accepted TCP flow, in packets, still counted as a probe rather than a conversation
    min: 1
lists:
  allowed_sources:
    items: ip
    default: []
    description: Sources expected to touch many ports or hosts (vulnerability scanners, monitoring, service discovery)
key_fields: [srcaddr]
mitre:
  - technique: T1046
    name: Network Service Discovery
  - technique: T1595.001
    name: 'Active Scanning: Scanning IP Blocks'
tags: [reconnaissance, scan]
runbook: >
  An external srcaddr is reconnaissance against your addresses: check that nothing it probed
  answered (rejected_flows versus flows, and the investigation query for larger ACCEPTed flows)
  and block it at the NACL or WAF if it persists. An internal srcaddr scanning its neighbours
  is a strong sign of a compromised host or an unapproved tool: identify the instance, isolate
  it if nobody owns the scan, and add approved scanners to allowed_sources.
*/
SELECT
  srcaddr,
  count(DISTINCT dstport) AS distinct_ports,
  count(DISTINCT dstaddr) AS distinct_hosts,
  count(*) AS flows,
  sum(CASE WHEN action = 'REJECT' THEN 1 ELSE 0 END) AS rejected_flows,
  sum(packets) AS packets,
  sum(bytes) AS bytes,
  min(start) AS first_seen,
  max("end") AS last_seen
FROM flow_logs
WHERE dt BETWEEN :dt_start AND :dt_end
  AND start >= :window_start AND start < :window_end
  AND log_status = 'OK'
  AND (action = 'REJECT' OR (protocol = 6 AND packets <= :max_probe_packets))
  AND (srcport > dstport OR dstport < 1024)
  AND srcaddr NOT IN (:allowed_sources)
GROUP BY srcaddr
HAVING count(DISTINCT dstport) >= :min_distinct_ports
    OR count(DISTINCT dstaddr) >= :min_distinct_hosts
ORDER BY distinct_ports DESC, distinct_hosts DESC, srcaddr

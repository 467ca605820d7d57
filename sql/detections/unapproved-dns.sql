/*
id: unapproved-dns
title: Internal host using an unapproved external DNS resolver
description: >
  An internal host sent DNS (53) or DNS over TLS/QUIC (853) to an external address that is
  not on allowed_resolvers. Queries to the Amazon-provided resolver (VPC+2, 169.254.169.253,
  fd00:ec2::253) are never written to flow logs, so in a VPC that uses it any DNS to the
  internet bypasses DNS logging and Route 53 Resolver DNS Firewall: malware, tunnelling or a
  misconfigured image. The default allow-list holds only the Amazon-provided addresses; add
  your corporate or on-premises resolvers reached over public addresses, and list your own
  recursive resolvers (which must query the internet) under allowed_sources. DNS over HTTPS
  (443) cannot be told apart by port and is not covered. Egress only, ACCEPTed, OK records.
severity: medium
schedule: rate(1 hour)
lookback: 1h
suppression: 24h
lists:
  dns_ports:
    items: port
    default: [53, 853]
    description: DNS and DNS-over-TLS/QUIC destination ports
  allowed_resolvers:
    items: ip
    default: [169.254.169.253, 'fd00:ec2::253']
    description: External resolver addresses hosts may query (default only the Amazon-provided DNS addresses)
  allowed_sources:
    items: ip
    default: []
    description: Internal hosts allowed to query external DNS servers (your own recursive resolvers)
key_fields: [srcaddr, dstaddr, dstport]
mitre:
  - technique: T1071.004
    name: 'Application Layer Protocol: DNS'
  - technique: T1572
    name: Protocol Tunneling
tags: [command-and-control, dns, egress]
runbook: >
  Identify the process on the instance behind srcaddr that talks to dstaddr (for example with
  ss -tunp or Sysmon event 22). A hard-coded public resolver in an image or container is a
  hygiene fix; many small flows with large bytes to an unknown resolver suggest DNS tunnelling:
  isolate the host. Block outbound 53/853 to the internet in security groups or the Network
  Firewall, and add legitimate resolvers to allowed_resolvers.
*/
SELECT
  srcaddr,
  dstaddr,
  dstport,
  max(interface_id) AS interface_id,
  max(instance_id) AS instance_id,
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
  AND protocol IN (6, 17)
  AND dstport IN (:dns_ports)
  AND {{ is_external(dstaddr) }}
  AND (flow_direction = 'egress' OR (flow_direction IS NULL AND {{ is_internal(srcaddr) }}))
  AND dstaddr NOT IN (:allowed_resolvers)
  AND srcaddr NOT IN (:allowed_sources)
GROUP BY srcaddr, dstaddr, dstport
ORDER BY flows DESC, srcaddr, dstaddr, dstport

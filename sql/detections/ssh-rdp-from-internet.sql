/*
id: ssh-rdp-from-internet
title: SSH or RDP accepted from the internet
description: >
  ACCEPTed inbound flows from an external address to SSH (22) or RDP (3389): a security group
  open to the internet on a remote administration port, and someone using it. Inbound means
  flow_direction = 'ingress', or, where flow_direction is NULL (v2-v4 logs), a destination
  inside the internal address space. Sources on allowed_sources (a corporate VPN egress
  address) are never reported. REJECTed attempts are left to rejected-connections.
severity: high
schedule: rate(15 minutes)
lookback: 15m
suppression: 24h
lists:
  admin_ports:
    items: port
    default: [22, 3389]
    description: Remote administration ports that must not be reachable from the internet
  allowed_sources:
    items: ip
    default: []
    description: External addresses allowed to administer instances directly (VPN or office egress)
key_fields: [srcaddr, dstaddr, dstport]
mitre:
  - technique: T1133
    name: External Remote Services
  - technique: T1021.004
    name: 'Remote Services: SSH'
  - technique: T1021.001
    name: 'Remote Services: Remote Desktop Protocol'
tags: [exposure, ingress, remote-access]
runbook: >
  Find the security group rule that admits 0.0.0.0/0 (or ::/0) on dstport for the instance
  behind interface_id and replace it with Session Manager, a bastion or the VPN range. Check
  the instance's auth logs (/var/log/secure, Windows event 4624/4625) for logins from srcaddr;
  large bytes mean a session was established. Treat a successful login you cannot explain
  as a compromise: isolate and snapshot the instance.
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
  AND dstport IN (:admin_ports)
  AND {{ is_external(srcaddr) }}
  AND (flow_direction = 'ingress' OR (flow_direction IS NULL AND {{ is_internal(dstaddr) }}))
  AND srcaddr NOT IN (:allowed_sources)
GROUP BY srcaddr, dstaddr, dstport
ORDER BY bytes DESC, srcaddr, dstaddr, dstport

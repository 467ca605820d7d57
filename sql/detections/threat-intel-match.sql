/*
id: threat-intel-match
title: Traffic to or from an address on a threat-intel list
description: >
  Flows between any address and an external address listed in threat_intel (your lists,
  abuse.ch Feodo Tracker botnet C2s, Spamhaus DROP netblocks, ...), one finding per listed
  address, peer and action. Both record directions of a conversation are counted together
  (bytes_to_listed and bytes_from_listed). ACCEPTed traffic is high severity (a connection
  happened); REJECTed traffic is medium when the peer tried to send to the listed address (an
  infected host calling out, stopped by a security group or NACL) and low when only the listed
  address knocked (inbound scanning that was refused). When an address is in several entries,
  the most specific (longest prefix) is reported and list_entries counts them. IPv4 only: IPv6
  entries are loaded but not matched yet. Findings name the entity behind the interface
  (entity_type, entity_id, entity_name) when the ENI inventory knows it.
severity: high
schedule: rate(15 minutes)
lookback: 15m
suppression: 24h
thresholds:
  min_flows:
    default: 1
    description: Flow records between one peer and one listed address within the window before it is reported
    min: 1
lists:
  allowed_peers:
    items: ip
    default: []
    description: Addresses whose traffic with listed addresses is expected (a honeypot, a scanner, a threat-intel collector)
key_fields: [listed_addr, peer_addr, action]
mitre:
  - technique: T1071
    name: Application Layer Protocol
  - technique: T1595
    name: Active Scanning
tags: [threat-intel, c2, context]
runbook: >
  peer_addr exchanged traffic with listed_addr, which list_source lists (list_description says
  why, listed_cidr which entry). For ACCEPT: treat the entity as possibly compromised; isolate
  it (security group with no rules), capture memory or a snapshot, and look for other hosts
  talking to the same address with the saved query for traffic to indicated threats. For a
  REJECT from the peer: the host tried to reach the address and was blocked; find the process.
  For a REJECT from the listed address only: the controls held; no action unless it repeats.
*/
WITH pairs AS (
  SELECT
    srcaddr,
    dstaddr,
    action,
    min(srcport) AS srcport,
    min(dstport) AS dstport,
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
    AND action IN ('ACCEPT', 'REJECT')
  GROUP BY srcaddr, dstaddr, action
),
addresses AS (
  SELECT srcaddr AS addr FROM pairs
  UNION
  SELECT dstaddr AS addr FROM pairs
),
entries AS (
  -- Range join on the address as an integer; only external addresses can be listed.
  SELECT
    a.addr,
    t.cidr,
    t.source,
    t.description,
    t.port,
    count(*) OVER (PARTITION BY a.addr) AS list_entries,
    row_number() OVER (PARTITION BY a.addr ORDER BY t.prefix DESC, t.source, t.cidr) AS entry_rank
  FROM addresses a
  JOIN threat_intel t
    ON t.family = 4
   AND {{ ipv4_to_int(a.addr) }} BETWEEN t.ip_start AND t.ip_end
  WHERE {{ is_external(a.addr) }}
),
listed AS (
  SELECT addr, cidr, source, description, port, list_entries FROM entries WHERE entry_rank = 1
),
sides AS (
  SELECT
    l.addr AS listed_addr,
    p.srcaddr AS peer_addr,
    p.action,
    p.flows AS flows_to_listed,
    p.bytes AS bytes_to_listed,
    CAST(0 AS BIGINT) AS bytes_from_listed,
    p.dstport AS listed_side_port,
    p.interface_id,
    p.instance_id,
    p.flows,
    p.packets,
    p.bytes,
    p.first_seen,
    p.last_seen,
    l.cidr,
    l.source,
    l.description,
    l.port,
    l.list_entries
  FROM pairs p
  JOIN listed l ON l.addr = p.dstaddr
  UNION ALL
  SELECT
    l.addr AS listed_addr,
    p.dstaddr AS peer_addr,
    p.action,
    CAST(0 AS BIGINT) AS flows_to_listed,
    CAST(0 AS BIGINT) AS bytes_to_listed,
    p.bytes AS bytes_from_listed,
    p.srcport AS listed_side_port,
    p.interface_id,
    p.instance_id,
    p.flows,
    p.packets,
    p.bytes,
    p.first_seen,
    p.last_seen,
    l.cidr,
    l.source,
    l.description,
    l.port,
    l.list_entries
  FROM pairs p
  JOIN listed l ON l.addr = p.srcaddr
),
hits AS (
  SELECT
    listed_addr,
    peer_addr,
    action,
    CASE
      WHEN action = 'ACCEPT' THEN 'high'
      WHEN sum(flows_to_listed) > 0 THEN 'medium'
      ELSE 'low'
    END AS severity,
    max(cidr) AS listed_cidr,
    max(source) AS list_source,
    max(description) AS list_description,
    max(port) AS listed_port,
    max(list_entries) AS list_entries,
    min(listed_side_port) AS sample_port,
    max(interface_id) AS interface_id,
    max(instance_id) AS instance_id,
    sum(flows) AS flows,
    sum(packets) AS packets,
    sum(bytes) AS bytes,
    sum(bytes_to_listed) AS bytes_to_listed,
    sum(bytes_from_listed) AS bytes_from_listed,
    min(first_seen) AS first_seen,
    max(last_seen) AS last_seen
  FROM sides
  WHERE peer_addr NOT IN (:allowed_peers)
  GROUP BY listed_addr, peer_addr, action
  HAVING sum(flows) >= :min_flows
),
inventory AS (
  -- The latest snapshot of each interface: one that disappeared in the window still resolves.
  SELECT interface_id, owner_type, owner_id, name_tag
  FROM (
    SELECT interface_id, owner_type, owner_id, name_tag,
      row_number() OVER (PARTITION BY interface_id ORDER BY snapshot_time DESC) AS snapshot_rank
    FROM eni_inventory
    WHERE dt >= :inventory_dt_start
  ) snapshots
  WHERE snapshot_rank = 1
)
SELECT
  h.listed_addr,
  h.peer_addr,
  h.action,
  h.severity,
  h.list_source,
  h.list_description,
  h.listed_cidr,
  h.listed_port,
  h.list_entries,
  h.sample_port,
  h.interface_id,
  COALESCE(i.owner_type, CASE WHEN h.instance_id IS NOT NULL THEN 'ec2_instance' END) AS entity_type,
  COALESCE(i.owner_id, h.instance_id) AS entity_id,
  i.name_tag AS entity_name,
  h.flows,
  h.packets,
  h.bytes,
  h.bytes_to_listed,
  h.bytes_from_listed,
  h.first_seen,
  h.last_seen
FROM hits h
LEFT JOIN inventory i ON i.interface_id = h.interface_id
ORDER BY CASE h.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, h.bytes DESC, h.listed_addr, h.peer_addr, h.action

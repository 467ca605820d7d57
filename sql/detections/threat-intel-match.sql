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
  the most specific (longest prefix) is reported and list_entries counts them. IPv4 and IPv6:
  an IPv4 address is matched as an integer, an IPv6 address (in any text form; dotted
  IPv4-mapped forms are not, flow logs write IPv4 as IPv4) as 32 hex digits against the
  entries' ip6_start/ip6_end. flow_logs is read once (each record pair is looked at from both
  sides in one pass) and the range join is keyed on the first octet (IPv4) or the first 16 bits
  (IPv6), as entries are /8 or /16 or narrower. Findings name the entity behind the interface
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
    -- Without any list entry there is nothing to match: skip the grouping (evaluated once).
    AND EXISTS (SELECT 1 FROM threat_intel)
  GROUP BY srcaddr, dstaddr, action
),
sides AS (
  -- Each pair from both ends in one pass (a UNION of two reads would make Athena scan
  -- flow_logs twice): to_listed = 1 checks the destination, 0 the source.
  SELECT
    d.to_listed,
    CASE WHEN d.to_listed = 1 THEN p.dstaddr ELSE p.srcaddr END AS listed_addr,
    CASE WHEN d.to_listed = 1 THEN p.srcaddr ELSE p.dstaddr END AS peer_addr,
    CASE WHEN d.to_listed = 1 THEN p.dstport ELSE p.srcport END AS listed_side_port,
    p.srcaddr,
    p.dstaddr,
    p.action,
    p.interface_id,
    p.instance_id,
    p.flows,
    p.packets,
    p.bytes,
    p.first_seen,
    p.last_seen
  FROM pairs p
  CROSS JOIN (VALUES (1), (0)) AS d(to_listed)
),
candidates AS (
  -- Both range keys once per row: the address as an integer (IPv4) or as 32 hex digits (IPv6),
  -- the other NULL. join_key is the part every entry holding the address shares (entries are
  -- /8 or narrower, /16 or narrower for IPv6): the first octet, or the first four hex digits.
  SELECT
    k.*,
    COALESCE(substr(k.listed_hex, 1, 4), split_part(k.listed_addr, '.', 1)) AS join_key
  FROM (
    SELECT
      s.*,
      {{ ipv4_to_int(s.listed_addr) }} AS listed_int,
      {{ ipv6_to_hex(s.listed_addr) }} AS listed_hex
    FROM sides s
    WHERE {{ is_external(s.listed_addr) }}
  ) k
),
entries AS (
  -- An equality on join_key makes it a hash join; the range test runs within a key.
  SELECT
    c.*,
    t.cidr,
    t.source,
    t.description,
    t.port,
    count(*) OVER (PARTITION BY c.to_listed, c.srcaddr, c.dstaddr, c.action) AS list_entries,
    row_number() OVER (
      PARTITION BY c.to_listed, c.srcaddr, c.dstaddr, c.action
      ORDER BY t.prefix DESC, t.source, t.cidr
    ) AS entry_rank
  FROM candidates c
  JOIN threat_intel t
    ON c.join_key = CASE WHEN t.family = 4 THEN split_part(t.cidr, '.', 1) ELSE substr(t.ip6_start, 1, 4) END
   AND (
     (t.family = 4 AND c.listed_int BETWEEN t.ip_start AND t.ip_end)
     OR (t.family = 6 AND c.listed_hex BETWEEN t.ip6_start AND t.ip6_end)
   )
),
hits AS (
  SELECT
    listed_addr,
    peer_addr,
    action,
    CASE
      WHEN action = 'ACCEPT' THEN 'high'
      WHEN sum(to_listed * flows) > 0 THEN 'medium'
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
    sum(to_listed * bytes) AS bytes_to_listed,
    sum((1 - to_listed) * bytes) AS bytes_from_listed,
    min(first_seen) AS first_seen,
    max(last_seen) AS last_seen
  FROM entries
  WHERE entry_rank = 1
    AND peer_addr NOT IN (:allowed_peers)
  GROUP BY listed_addr, peer_addr, action
  HAVING sum(flows) >= :min_flows
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
-- Each interface's latest snapshot within 7 days: one deleted during the window still resolves.
LEFT JOIN {{ latest_eni_inventory }} i ON i.interface_id = h.interface_id
ORDER BY CASE h.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, h.bytes DESC, h.listed_addr, h.peer_addr, h.action

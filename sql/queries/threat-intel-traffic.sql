/*
description: >
  Traffic to or from addresses on the threat-intel lists (table threat_intel, IPv4 and IPv6) in
  the window: direction (to_listed or from_listed), action (an ACCEPT got through, a REJECT was
  stopped), the listed address and the list entry (cidr, source, description, the feed's port),
  and the local side named by its entity from the ENI inventory (each interface as last seen within a week) (owner_type,
  owner_id, instance id, Name tag). Ports are the lowest seen on each side. ACCEPTed first,
  then by bytes.
*/
WITH inventory AS (
  SELECT interface_id, owner_type, owner_id, instance_id, name_tag
  FROM {{ latest_eni_inventory }} latest
),
pairs AS (
  SELECT
    aws_account_id,
    interface_id,
    instance_id,
    srcaddr,
    dstaddr,
    protocol,
    action,
    min(srcport) AS srcport,
    min(dstport) AS dstport,
    count(*) AS flows,
    sum(packets) AS packets,
    sum(bytes) AS bytes,
    min(start) AS first_seen,
    max("end") AS last_seen
  FROM flow_logs
  WHERE dt >= :dt_start
    AND start >= :window_start
    AND log_status = 'OK'
  GROUP BY aws_account_id, interface_id, instance_id, srcaddr, dstaddr, protocol, action
),
sides AS (
  -- Each pair once per direction: a two-row VALUES, not a UNION of two reads of pairs (Athena
  -- inlines CTEs, so a UNION would scan flow_logs twice and bill it twice).
  SELECT
    d.direction,
    CASE WHEN d.direction = 'to_listed' THEN p.dstaddr ELSE p.srcaddr END AS remote_addr,
    CASE WHEN d.direction = 'to_listed' THEN p.dstport ELSE p.srcport END AS remote_port,
    CASE WHEN d.direction = 'to_listed' THEN p.srcaddr ELSE p.dstaddr END AS local_addr,
    CASE WHEN d.direction = 'to_listed' THEN p.srcport ELSE p.dstport END AS local_port,
    p.*
  FROM pairs p
  CROSS JOIN (VALUES ('to_listed'), ('from_listed')) AS d(direction)
),
candidates AS (
  -- Both range keys once per row: the address as an integer (IPv4) or as 32 hex digits (IPv6),
  -- the other NULL; join_key is what every entry holding the address shares (entries are /8 or
  -- narrower, /16 or narrower for IPv6): the first octet, or the first four hex digits.
  SELECT
    k.*,
    COALESCE(substr(k.remote_hex, 1, 4), split_part(k.remote_addr, '.', 1)) AS join_key
  FROM (
    SELECT
      s.*,
      {{ ipv4_to_int(s.remote_addr) }} AS remote_int,
      {{ ipv6_to_hex(s.remote_addr) }} AS remote_hex
    FROM sides s
  ) k
)
SELECT
  c.direction,
  c.action,
  c.remote_addr AS listed_addr,
  t.cidr AS listed_cidr,
  t.source AS intel_source,
  t.description AS intel_description,
  t.port AS listed_port,
  c.remote_port,
  c.local_addr,
  c.local_port,
  c.protocol,
  c.aws_account_id,
  c.interface_id,
  e.owner_type,
  e.owner_id,
  coalesce(e.instance_id, c.instance_id) AS instance_id,
  e.name_tag,
  c.flows,
  c.packets,
  c.bytes,
  c.first_seen,
  c.last_seen
FROM candidates c
-- An equality on join_key makes it a hash join, not every flow against every entry.
JOIN threat_intel t
  ON c.join_key = CASE WHEN t.family = 4 THEN split_part(t.cidr, '.', 1) ELSE substr(t.ip6_start, 1, 4) END
  AND (
    (t.family = 4 AND c.remote_int BETWEEN t.ip_start AND t.ip_end)
    OR (t.family = 6 AND c.remote_hex BETWEEN t.ip6_start AND t.ip6_end)
  )
LEFT JOIN inventory e ON e.interface_id = c.interface_id
ORDER BY c.action, c.bytes DESC, c.remote_addr, c.local_addr, c.interface_id, c.direction, t.cidr, t.source
LIMIT 1000

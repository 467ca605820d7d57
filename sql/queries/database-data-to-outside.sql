/*
description: >
  Data flowing from databases to addresses outside the internal CIDRs in the window, bytes
  first. A database is an RDS network interface per the ENI inventory (each interface as last seen within a week) (any
  port), or any interface sending from a database port (MySQL, PostgreSQL, SQL Server, Oracle,
  MongoDB, Redis, Cassandra, Elasticsearch, Memcached, ...) to a client port (1024 and above);
  matched_by says which. Named by entity (owner_type, owner_id, instance id, Name tag).
*/
WITH inventory AS (
  SELECT interface_id, vpc_id, owner_type, owner_id, instance_id, name_tag
  FROM {{ latest_eni_inventory }} latest
)
SELECT
  f.aws_account_id,
  e.vpc_id,
  e.owner_type,
  e.owner_id,
  coalesce(e.instance_id, f.instance_id) AS instance_id,
  e.name_tag,
  f.interface_id,
  CASE WHEN e.owner_type = 'rds' THEN 'rds_interface' ELSE 'database_port' END AS matched_by,
  f.srcaddr,
  f.srcport,
  f.dstaddr,
  count(*) AS flows,
  sum(f.packets) AS packets,
  sum(f.bytes) AS bytes,
  min(f.start) AS first_seen,
  max(f."end") AS last_seen
FROM flow_logs f
LEFT JOIN inventory e ON e.interface_id = f.interface_id
WHERE f.dt >= :dt_start
  AND f.start >= :window_start
  AND f.log_status = 'OK'
  AND f.action = 'ACCEPT'
  AND {{ is_external(f.dstaddr) }}
  AND (f.flow_direction = 'egress' OR (f.flow_direction IS NULL AND {{ is_internal(f.srcaddr) }}))
  AND (
    e.owner_type = 'rds'
    OR (
      f.srcport IN (1433, 1521, 2483, 2484, 3306, 5432, 5984, 6379, 7474, 8086, 9042, 9200, 9300, 11211, 26257, 27017, 27018, 27019)
      AND f.dstport >= 1024
    )
  )
GROUP BY
  f.aws_account_id,
  e.vpc_id,
  e.owner_type,
  e.owner_id,
  coalesce(e.instance_id, f.instance_id),
  e.name_tag,
  f.interface_id,
  CASE WHEN e.owner_type = 'rds' THEN 'rds_interface' ELSE 'database_port' END,
  f.srcaddr,
  f.srcport,
  f.dstaddr
ORDER BY bytes DESC, f.interface_id, f.srcaddr, f.srcport, f.dstaddr
LIMIT 1000

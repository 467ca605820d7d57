/*
id: database-egress
title: Data leaving a database port for the internet
description: >
  An internal host sent at least min_bytes (default 128 KiB) from a database port (MySQL,
  PostgreSQL, SQL Server, Oracle, MongoDB, Redis, Cassandra, CouchDB, Elasticsearch,
  Memcached, ...) to one external address within the window: a database answering an internet
  client, i.e. an exposed database or data being pulled out of it. Egress only (flow_direction
  = 'egress', or an internal source where flow_direction is NULL), ACCEPTed and OK records,
  destination port 1024 or above (the client's ephemeral port; this also drops NAT gateway
  translations that happen to reuse a database port number as the source port). Interfaces the
  ENI inventory attributes to RDS (owner_type rds) count whatever their port, so a database on a
  non-standard port is covered too. Findings name the entity behind the interface (entity_type,
  entity_id, entity_name: an instance and its Name tag, or rds) when the inventory knows it.
severity: high
schedule: rate(15 minutes)
lookback: 15m
suppression: 24h
thresholds:
  min_bytes:
    default: 131072
    description: Bytes from one database port to one external address within the window (default 128 KiB)
    min: 1
lists:
  db_ports:
    items: port
    default: [1433, 1521, 2483, 2484, 3306, 5432, 5984, 6379, 7474, 8086, 9042, 9200, 9300, 11211, 26257, 27017, 27018, 27019]
    description: Source ports of database servers (SQL Server, Oracle, MySQL, PostgreSQL, CouchDB, Redis, Neo4j, InfluxDB, Cassandra, Elasticsearch, Memcached, CockroachDB, MongoDB)
  allowed_destinations:
    items: ip
    default: []
    description: External clients allowed to read from databases (a replica or analytics service outside AWS)
key_fields: [srcaddr, srcport, dstaddr]
mitre:
  - technique: T1048
    name: Exfiltration Over Alternative Protocol
  - technique: T1190
    name: Exploit Public-Facing Application
tags: [exfiltration, exposure, database, egress]
runbook: >
  A database answered an internet address. Check the instance or RDS security group for a rule
  that admits the internet on srcport and close it; check whether the database has a public
  address. Look up dstaddr and review the database's connection and query logs for sessions
  from it during first_seen..last_seen. Rotate the credentials used by that session and treat
  the data it could read as exposed until proven otherwise.
*/
WITH hits AS (
  SELECT
    f.srcaddr,
    f.srcport,
    f.dstaddr,
    max(f.interface_id) AS interface_id,
    max(f.instance_id) AS instance_id,
    max(COALESCE(i.owner_type, CASE WHEN f.instance_id IS NOT NULL THEN 'ec2_instance' END)) AS entity_type,
    max(COALESCE(i.owner_id, f.instance_id)) AS entity_id,
    max(i.name_tag) AS entity_name,
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
    AND (f.srcport IN (:db_ports) OR i.owner_type = 'rds')
    AND f.dstport >= 1024
    AND {{ is_external(f.dstaddr) }}
    AND (f.flow_direction = 'egress' OR (f.flow_direction IS NULL AND {{ is_internal(f.srcaddr) }}))
    AND f.dstaddr NOT IN (:allowed_destinations)
  GROUP BY f.srcaddr, f.srcport, f.dstaddr
  HAVING sum(f.bytes) >= :min_bytes
)
SELECT
  srcaddr,
  srcport,
  dstaddr,
  interface_id,
  instance_id,
  entity_type,
  entity_id,
  entity_name,
  flows,
  packets,
  bytes,
  first_seen,
  last_seen
FROM hits
ORDER BY bytes DESC, srcaddr, srcport, dstaddr

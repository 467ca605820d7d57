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
  translations that happen to reuse a database port number as the source port).
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
SELECT
  srcaddr,
  srcport,
  dstaddr,
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
  AND srcport IN (:db_ports)
  AND dstport >= 1024
  AND {{ is_external(dstaddr) }}
  AND (flow_direction = 'egress' OR (flow_direction IS NULL AND {{ is_internal(srcaddr) }}))
  AND dstaddr NOT IN (:allowed_destinations)
GROUP BY srcaddr, srcport, dstaddr
HAVING sum(bytes) >= :min_bytes
ORDER BY bytes DESC, srcaddr, srcport, dstaddr

/*
description: >
  Internal services (entity and port) that ACCEPTed connections straight from external
  addresses in the window, i.e. not through a load balancer, NAT gateway or VPC endpoint. The
  entity (owner_type, owner_id, instance id, Name tag) comes from the ENI inventory, each
  interface as last seen within a week; an interface missing from it is still listed, with an
  empty owner_type.
  Replies to connections the host opened itself are left out (the service port is the lower
  one). NLB targets with client IP preservation look the same as direct exposure.
*/
WITH inventory AS (
  SELECT interface_id, owner_type, owner_id, instance_id, name_tag
  FROM {{ latest_eni_inventory }} latest
)
SELECT
  f.aws_account_id,
  e.owner_type,
  coalesce(e.owner_id, e.instance_id, f.instance_id, f.interface_id) AS entity_id,
  e.name_tag,
  f.protocol,
  f.dstport,
  count(DISTINCT f.interface_id) AS interfaces,
  count(DISTINCT f.srcaddr) AS distinct_sources,
  min(f.srcaddr) AS sample_srcaddr,
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
  AND f.protocol IN (6, 17)
  AND {{ is_external(f.srcaddr) }}
  AND {{ is_internal(f.dstaddr) }}
  AND (f.flow_direction IS NULL OR f.flow_direction = 'ingress')
  AND (f.dstport < 1024 OR f.dstport < f.srcport)
  AND (
    e.owner_type IS NULL
    OR e.owner_type NOT IN ('elb_alb', 'elb_nlb', 'elb_classic', 'elb_gwlb', 'nat_gateway', 'vpc_endpoint')
  )
GROUP BY
  f.aws_account_id,
  e.owner_type,
  coalesce(e.owner_id, e.instance_id, f.instance_id, f.interface_id),
  e.name_tag,
  f.protocol,
  f.dstport
ORDER BY distinct_sources DESC, flows DESC, entity_id, dstport
LIMIT 1000

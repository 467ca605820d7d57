/*
description: >
  Which load balancers each EC2 instance answers to: flows logged on the instance's own network
  interfaces (owner_type ec2_instance in the ENI inventory (each interface as last seen within a week), so v2 logs work too)
  whose source is a private address of an ALB, NLB, Classic or Gateway Load Balancer interface
  in the same VPC, per instance, load balancer and instance port. An NLB that preserves client
  IPs sends from the client's address and is not seen here.
*/
WITH inventory AS (
  SELECT interface_id, account_id, vpc_id, owner_type, owner_id, instance_id, name_tag, private_ips, snapshot_time
  FROM {{ latest_eni_inventory }} latest
),
lb_addresses AS (
  -- One interface per private address and VPC: the most recently seen (addresses are reused).
  SELECT ip, vpc_id, owner_type, owner_id
  FROM (
    SELECT
      u.ip,
      i.vpc_id,
      i.owner_type,
      i.owner_id,
      row_number() OVER (PARTITION BY i.vpc_id, u.ip ORDER BY i.snapshot_time DESC, i.interface_id) AS address_rank
    FROM inventory i
    CROSS JOIN UNNEST(i.private_ips) AS u(ip)
  ) AS ranked
  WHERE address_rank = 1
    AND owner_type IN ('elb_alb', 'elb_nlb', 'elb_classic', 'elb_gwlb')
)
SELECT
  e.account_id AS aws_account_id,
  e.vpc_id,
  e.owner_id AS instance_id,
  e.name_tag,
  lb.owner_type AS lb_type,
  lb.owner_id AS lb_name,
  f.protocol,
  f.dstport AS instance_port,
  count(DISTINCT f.srcaddr) AS lb_addresses,
  count(*) AS flows,
  sum(f.packets) AS packets,
  sum(f.bytes) AS bytes,
  min(f.start) AS first_seen,
  max(f."end") AS last_seen
FROM flow_logs f
JOIN inventory e ON e.interface_id = f.interface_id
JOIN lb_addresses lb ON lb.ip = f.srcaddr AND lb.vpc_id = e.vpc_id
WHERE f.dt >= :dt_start
  AND f.start >= :window_start
  AND f.log_status = 'OK'
  AND f.action = 'ACCEPT'
  AND e.owner_type = 'ec2_instance'
GROUP BY
  e.account_id,
  e.vpc_id,
  e.owner_id,
  e.name_tag,
  lb.owner_type,
  lb.owner_id,
  f.protocol,
  f.dstport
ORDER BY instance_id, lb_name, instance_port, protocol
LIMIT 1000

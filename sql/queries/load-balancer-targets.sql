/*
description: >
  Where the load balancers connect: flows from the private addresses of ALBs, NLBs, Classic and
  Gateway Load Balancers (ENI inventory, each interface as last seen within a week) to internal
  addresses in the window, per load balancer, target address and target port, with the target
  named by its entity in the same VPC (owner_type, owner_id, instance id, Name tag; empty when
  the address is not in the inventory). A connection is logged on the load balancer's interface,
  on the target's, or both (seen_on); counts are those of the fuller side, not the sum. Client
  traffic to the load balancer and its replies to clients (from the listener port) are left out.
*/
WITH inventory AS (
  SELECT interface_id, account_id, vpc_id, owner_type, owner_id, instance_id, name_tag, private_ips, snapshot_time
  FROM {{ latest_eni_inventory }} latest
),
addresses AS (
  -- One interface per private address and VPC: the most recently seen (addresses are reused).
  SELECT ip, account_id, vpc_id, owner_type, owner_id, instance_id, name_tag
  FROM (
    SELECT
      u.ip,
      i.account_id,
      i.vpc_id,
      i.owner_type,
      i.owner_id,
      i.instance_id,
      i.name_tag,
      row_number() OVER (PARTITION BY i.vpc_id, u.ip ORDER BY i.snapshot_time DESC, i.interface_id) AS address_rank
    FROM inventory i
    CROSS JOIN UNNEST(i.private_ips) AS u(ip)
  ) AS ranked
  WHERE address_rank = 1
),
per_side AS (
  SELECT
    lb.account_id,
    lb.vpc_id,
    lb.owner_type AS lb_type,
    lb.owner_id AS lb_name,
    f.dstaddr AS target_addr,
    f.protocol,
    f.dstport AS target_port,
    t.owner_type AS target_owner_type,
    t.owner_id AS target_owner_id,
    t.instance_id AS target_instance_id,
    t.name_tag AS target_name_tag,
    CASE WHEN e.owner_type = lb.owner_type AND e.owner_id = lb.owner_id THEN 'load_balancer' ELSE 'target' END AS logged_on,
    count(*) AS flows,
    sum(f.packets) AS packets,
    sum(f.bytes) AS bytes,
    min(f.start) AS first_seen,
    max(f."end") AS last_seen
  FROM flow_logs f
  -- The VPC of the interface that logged the record (v2 logs have no vpc_id).
  LEFT JOIN inventory e ON e.interface_id = f.interface_id
  JOIN addresses lb
    ON lb.ip = f.srcaddr
    AND lb.vpc_id = coalesce(e.vpc_id, f.vpc_id)
    AND lb.owner_type IN ('elb_alb', 'elb_nlb', 'elb_classic', 'elb_gwlb')
  LEFT JOIN addresses t ON t.ip = f.dstaddr AND t.vpc_id = lb.vpc_id
  WHERE f.dt >= :dt_start
    AND f.start >= :window_start
    AND f.log_status = 'OK'
    AND f.action = 'ACCEPT'
    AND {{ is_internal(f.dstaddr) }}
    AND (f.dstport < 1024 OR f.dstport < f.srcport)
    AND (t.owner_type IS NULL OR t.owner_type NOT IN ('elb_alb', 'elb_nlb', 'elb_classic', 'elb_gwlb'))
  GROUP BY
    lb.account_id,
    lb.vpc_id,
    lb.owner_type,
    lb.owner_id,
    f.dstaddr,
    f.protocol,
    f.dstport,
    t.owner_type,
    t.owner_id,
    t.instance_id,
    t.name_tag,
    CASE WHEN e.owner_type = lb.owner_type AND e.owner_id = lb.owner_id THEN 'load_balancer' ELSE 'target' END
)
SELECT
  account_id AS aws_account_id,
  vpc_id,
  lb_type,
  lb_name,
  target_addr,
  protocol,
  target_port,
  target_owner_type,
  target_owner_id,
  target_instance_id,
  target_name_tag,
  CASE WHEN count(*) > 1 THEN 'both' ELSE max(logged_on) END AS seen_on,
  max(flows) AS flows,
  max(packets) AS packets,
  max(bytes) AS bytes,
  min(first_seen) AS first_seen,
  max(last_seen) AS last_seen
FROM per_side
GROUP BY
  account_id,
  vpc_id,
  lb_type,
  lb_name,
  target_addr,
  protocol,
  target_port,
  target_owner_type,
  target_owner_id,
  target_instance_id,
  target_name_tag
ORDER BY lb_name, target_addr, target_port, protocol
LIMIT 1000

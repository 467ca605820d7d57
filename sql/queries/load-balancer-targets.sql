/*
description: >
  Where the load balancers connect: flows that the network interfaces of ALBs, NLBs, Classic
  and Gateway Load Balancers (ENI inventory, each interface as last seen within a week) sent to internal addresses in the
  window, per load balancer, target address and target port, with the target named by its
  entity in the same VPC (owner_type, owner_id, instance id, Name tag; empty when the address
  is not in the inventory). Client traffic to the load balancer and its replies to clients
  (from the listener port) are left out.
*/
WITH inventory AS (
  SELECT interface_id, account_id, vpc_id, owner_type, owner_id, instance_id, name_tag, private_ips, snapshot_time
  FROM (
    SELECT
      interface_id,
      account_id,
      vpc_id,
      owner_type,
      owner_id,
      instance_id,
      name_tag,
      private_ips,
      snapshot_time,
      row_number() OVER (PARTITION BY interface_id ORDER BY snapshot_time DESC) AS snapshot_rank
    FROM eni_inventory
    WHERE dt >= :inventory_dt_start
  ) AS ranked
  WHERE snapshot_rank = 1
),
addresses AS (
  -- One interface per private address and VPC: the most recently seen (addresses are reused).
  SELECT ip, vpc_id, owner_type, owner_id, instance_id, name_tag
  FROM (
    SELECT
      u.ip,
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
)
SELECT
  lb.account_id AS aws_account_id,
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
  count(DISTINCT f.interface_id) AS lb_interfaces,
  count(*) AS flows,
  sum(f.packets) AS packets,
  sum(f.bytes) AS bytes,
  min(f.start) AS first_seen,
  max(f."end") AS last_seen
FROM flow_logs f
JOIN inventory lb ON lb.interface_id = f.interface_id
LEFT JOIN addresses t ON t.ip = f.dstaddr AND t.vpc_id = lb.vpc_id
WHERE f.dt >= :dt_start
  AND f.start >= :window_start
  AND f.log_status = 'OK'
  AND f.action = 'ACCEPT'
  AND lb.owner_type IN ('elb_alb', 'elb_nlb', 'elb_classic', 'elb_gwlb')
  AND {{ is_internal(f.dstaddr) }}
  AND NOT contains(lb.private_ips, f.dstaddr)
  AND (f.dstport < 1024 OR f.dstport < f.srcport)
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
  t.name_tag
ORDER BY lb_name, target_addr, target_port, protocol
LIMIT 1000

/*
description: Subnets whose network interfaces moved the most bytes in the window, split by direction (needs v3 subnet-id and v5 flow-direction).
*/
SELECT
  subnet_id,
  vpc_id,
  flow_direction,
  sum(bytes) AS bytes,
  sum(packets) AS packets,
  count(*) AS flows
FROM flow_logs
WHERE dt >= :dt_start
  AND start >= :window_start
  AND log_status = 'OK'
  AND subnet_id IS NOT NULL
GROUP BY subnet_id, vpc_id, flow_direction
ORDER BY bytes DESC
LIMIT 100

/*
description: Source addresses that sent the most bytes in the window, with how many peers and ports they reached.
*/
SELECT
  srcaddr,
  sum(bytes) AS bytes,
  sum(packets) AS packets,
  count(*) AS flows,
  count(DISTINCT dstaddr) AS distinct_destinations,
  count(DISTINCT dstport) AS distinct_ports
FROM flow_logs
WHERE dt >= :dt_start
  AND start >= :window_start
  AND log_status = 'OK'
GROUP BY srcaddr
ORDER BY bytes DESC
LIMIT 100

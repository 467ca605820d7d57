/*
description: Total bytes and packets between each source and destination pair in the window, largest first.
*/
SELECT
  srcaddr,
  dstaddr,
  sum(bytes) AS bytes,
  sum(packets) AS packets,
  count(*) AS flows,
  count(DISTINCT dstport) AS distinct_ports
FROM flow_logs
WHERE dt >= :dt_start
  AND start >= :window_start
  AND log_status = 'OK'
GROUP BY srcaddr, dstaddr
ORDER BY bytes DESC
LIMIT 200

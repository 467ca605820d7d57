/*
description: Every flow from one source address (interface or original packet address) in the window, newest first.
parameters:
  source_addr: Source IP address to follow, e.g. 203.0.113.9
*/
SELECT
  from_unixtime(start) AS start_time,
  aws_account_id,
  interface_id,
  srcaddr,
  pkt_srcaddr,
  srcport,
  dstaddr,
  dstport,
  protocol,
  action,
  packets,
  bytes
FROM flow_logs
WHERE dt >= :dt_start
  AND start >= :window_start
  AND :source_addr IN (srcaddr, pkt_srcaddr)
ORDER BY start DESC
LIMIT 1000

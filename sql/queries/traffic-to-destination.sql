/*
description: Every flow to one destination address (interface or original packet address) in the window, newest first.
parameters:
  destination_addr: Destination IP address to follow, e.g. 10.0.3.17
*/
SELECT
  from_unixtime(start) AS start_time,
  aws_account_id,
  interface_id,
  srcaddr,
  srcport,
  dstaddr,
  pkt_dstaddr,
  dstport,
  protocol,
  action,
  packets,
  bytes
FROM flow_logs
WHERE dt >= :dt_start
  AND start >= :window_start
  AND :destination_addr IN (dstaddr, pkt_dstaddr)
ORDER BY start DESC
LIMIT 1000

/*
description: Accepted flows from outside the internal CIDRs into internal addresses in the window, largest first.
*/
SELECT
  from_unixtime(start) AS start_time,
  aws_account_id,
  interface_id,
  instance_id,
  srcaddr,
  srcport,
  dstaddr,
  dstport,
  protocol,
  packets,
  bytes
FROM flow_logs
WHERE dt >= :dt_start
  AND start >= :window_start
  AND action = 'ACCEPT'
  AND log_status = 'OK'
  AND {{ is_external(srcaddr) }}
  AND {{ is_internal(dstaddr) }}
ORDER BY bytes DESC
LIMIT 1000

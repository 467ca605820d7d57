/*
description: Rejected flows (security group or network ACL denied) in the window, newest first, with the rule that rejected them when the flow log records reject-reason.
*/
SELECT
  from_unixtime(start) AS start_time,
  aws_account_id,
  interface_id,
  srcaddr,
  srcport,
  dstaddr,
  dstport,
  protocol,
  packets,
  bytes,
  reject_reason
FROM flow_logs
WHERE dt >= :dt_start
  AND start >= :window_start
  AND action = 'REJECT'
  AND log_status = 'OK'
ORDER BY start DESC
LIMIT 1000

/*
description: SSH (22) and RDP (3389) flows in the window grouped by source, destination and action; external sources first.
*/
SELECT
  srcaddr,
  dstaddr,
  dstport,
  action,
  {{ is_external(srcaddr) }} AS external_source,
  count(*) AS flows,
  sum(bytes) AS bytes,
  from_unixtime(min(start)) AS first_seen,
  from_unixtime(max("end")) AS last_seen
FROM flow_logs
WHERE dt >= :dt_start
  AND start >= :window_start
  AND protocol = 6
  AND dstport IN (22, 3389)
  AND log_status = 'OK'
GROUP BY srcaddr, dstaddr, dstport, action, {{ is_external(srcaddr) }}
ORDER BY external_source DESC, flows DESC
LIMIT 1000

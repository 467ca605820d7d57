/*
description: Rejected TCP flows per source and destination port in the window; a long port list from one source is a scan.
*/
SELECT
  srcaddr,
  dstport,
  count(*) AS flows,
  count(DISTINCT dstaddr) AS distinct_destinations,
  sum(packets) AS packets,
  from_unixtime(min(start)) AS first_seen,
  from_unixtime(max("end")) AS last_seen
FROM flow_logs
WHERE dt >= :dt_start
  AND start >= :window_start
  AND action = 'REJECT'
  AND protocol = 6
  AND log_status = 'OK'
GROUP BY srcaddr, dstport
ORDER BY flows DESC
LIMIT 500

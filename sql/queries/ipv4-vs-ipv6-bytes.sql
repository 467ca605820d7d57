/*
description: Bytes, packets and flows per address family (IPv4, IPv6) and action in the window; the family comes from the address so v2-only logs work too.
*/
SELECT
  CASE WHEN strpos(srcaddr, ':') > 0 THEN 'IPv6' ELSE 'IPv4' END AS address_family,
  action,
  sum(bytes) AS bytes,
  sum(packets) AS packets,
  count(*) AS flows
FROM flow_logs
WHERE dt >= :dt_start
  AND start >= :window_start
  AND log_status = 'OK'
GROUP BY CASE WHEN strpos(srcaddr, ':') > 0 THEN 'IPv6' ELSE 'IPv4' END, action
ORDER BY bytes DESC

/*
description: Top talkers by original packet addresses (pkt-srcaddr, pkt-dstaddr) rather than the interface address, which shows the real client behind a NAT gateway or load balancer.
*/
SELECT
  pkt_srcaddr,
  pkt_dstaddr,
  pkt_src_aws_service,
  pkt_dst_aws_service,
  sum(bytes) AS bytes,
  sum(packets) AS packets,
  count(*) AS flows
FROM flow_logs
WHERE dt >= :dt_start
  AND start >= :window_start
  AND log_status = 'OK'
  AND pkt_srcaddr IS NOT NULL
GROUP BY pkt_srcaddr, pkt_dstaddr, pkt_src_aws_service, pkt_dst_aws_service
ORDER BY bytes DESC
LIMIT 100

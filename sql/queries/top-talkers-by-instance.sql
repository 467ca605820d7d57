/*
description: EC2 instances whose network interfaces moved the most bytes in the window (needs the v3 instance-id field).
*/
SELECT
  instance_id,
  aws_account_id,
  vpc_id,
  sum(bytes) AS bytes,
  sum(packets) AS packets,
  count(*) AS flows,
  count(DISTINCT interface_id) AS interfaces
FROM flow_logs
WHERE dt >= :dt_start
  AND start >= :window_start
  AND log_status = 'OK'
  AND instance_id IS NOT NULL
GROUP BY instance_id, aws_account_id, vpc_id
ORDER BY bytes DESC
LIMIT 100

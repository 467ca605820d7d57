/*
description: Flows to administrative and database ports (SSH, Telnet, RDP, VNC, WinRM, SMB, MySQL, PostgreSQL, MSSQL, Oracle, MongoDB, Redis, Elasticsearch, Docker, Kubernetes API, etcd) in the window.
*/
SELECT
  dstport,
  action,
  srcaddr,
  dstaddr,
  {{ is_external(srcaddr) }} AS external_source,
  count(*) AS flows,
  sum(bytes) AS bytes
FROM flow_logs
WHERE dt >= :dt_start
  AND start >= :window_start
  AND protocol = 6
  AND dstport IN (22, 23, 445, 1433, 1521, 2375, 2376, 2379, 3306, 3389, 5432, 5900, 5985, 5986, 6379, 6443, 9200, 27017)
  AND log_status = 'OK'
GROUP BY dstport, action, srcaddr, dstaddr, {{ is_external(srcaddr) }}
ORDER BY external_source DESC, flows DESC
LIMIT 1000

/*
id: log-delivery-gaps
title: Flow log records skipped for a network interface
description: >
  AWS wrote SKIPDATA records for a network interface: flow log records were lost during the
  aggregation interval (an internal capacity constraint or error on AWS's side), so every
  other detection is blind to that interface's traffic for skipped_seconds. NODATA records
  (no traffic) are normal and not reported.
severity: medium
schedule: rate(1 hour)
lookback: 1h
suppression: 24h
thresholds:
  min_skipdata_records:
    default: 1
    description: SKIPDATA records for one interface within the window before it is reported
    min: 1
key_fields: [interface_id]
mitre:
  - technique: T1562.008
    name: 'Impair Defenses: Disable or Modify Cloud Logs'
tags: [visibility, logging, pipeline-health]
runbook: >
  Check whether the gap is isolated or recurring for this interface and whether other
  interfaces show it too (a widespread gap points at AWS; see the AWS Health dashboard). Confirm
  with CloudTrail that nobody deleted or changed the flow log (DeleteFlowLogs, CreateFlowLogs)
  around first_seen. Treat the interface's traffic during the gap as unmonitored and review the
  host by other means (CloudTrail, GuardDuty, host logs).
*/
SELECT
  interface_id,
  max(account_id) AS account_id,
  count(*) AS skipped_records,
  sum("end" - start) AS skipped_seconds,
  min(start) AS first_seen,
  max("end") AS last_seen
FROM flow_logs
WHERE dt BETWEEN :dt_start AND :dt_end
  AND start >= :window_start AND start < :window_end
  AND log_status = 'SKIPDATA'
GROUP BY interface_id
HAVING count(*) >= :min_skipdata_records
ORDER BY skipped_records DESC, interface_id

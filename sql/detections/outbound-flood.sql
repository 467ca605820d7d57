/*
id: outbound-flood
title: Internal hosts flooding one external address
description: >
  Traffic toward one external address that looks like your instances taking part in a denial
  of service: at least min_sources distinct internal sources, or a peak rate of at least
  min_packets_per_second. The rate is per minute of flow start: each record contributes
  packets / max(duration, 60 s) to the minute it started in; the busiest minute's sum,
  rounded to whole packets per second, is compared.
  Egress only (flow_direction = 'egress', or an internal source where flow_direction is
  NULL), ACCEPTed and OK records.
severity: high
schedule: rate(15 minutes)
lookback: 15m
suppression: 6h
thresholds:
  min_sources:
    default: 50
    description: Distinct internal sources sending to the one external address within the window
    min: 2
  min_packets_per_second:
    default: 20000
    description: Peak packets per second toward the one external address, averaged over a minute
    min: 1
lists:
  allowed_destinations:
    items: ip
    default: []
    description: External addresses that legitimately receive many sources or high packet rates (a SaaS API, a media ingest endpoint)
key_fields: [dstaddr]
mitre:
  - technique: T1498
    name: Network Denial of Service
  - technique: T1498.001
    name: 'Network Denial of Service: Direct Network Flood'
tags: [impact, dos, egress]
runbook: >
  Find the instances sending to dstaddr (the investigation query lists them; sample_srcaddr is
  one). A sudden high packet rate from hosts that do not normally talk to dstaddr suggests a
  bot or a compromised container: isolate the sources and look for a new process or cron job.
  Many sources with a modest rate toward one SaaS endpoint is usually a fleet calling an API;
  add dstaddr to allowed_destinations. AWS may also have sent an abuse report for the account.
*/
WITH egress AS (
  SELECT
    dstaddr,
    srcaddr,
    start - start % 60 AS minute_start,
    CAST(packets AS DOUBLE) / greatest("end" - start, 60) AS pps,
    packets,
    bytes,
    start,
    "end"
  FROM flow_logs
  WHERE dt BETWEEN :dt_start AND :dt_end
    AND start >= :window_start AND start < :window_end
    AND log_status = 'OK'
    AND action = 'ACCEPT'
    AND {{ is_external(dstaddr) }}
    AND (flow_direction = 'egress' OR (flow_direction IS NULL AND {{ is_internal(srcaddr) }}))
    AND dstaddr NOT IN (:allowed_destinations)
),
-- One pass, two groupings: per destination and minute (the rate), per destination and source
-- (the sources and totals). grouping(srcaddr) is 1 on the per-minute rows.
grouped AS (
  SELECT
    dstaddr,
    srcaddr,
    grouping(srcaddr) AS per_minute,
    sum(pps) AS pps,
    count(*) AS flows,
    sum(packets) AS packets,
    sum(bytes) AS bytes,
    min(start) AS first_seen,
    max("end") AS last_seen
  FROM egress
  GROUP BY GROUPING SETS ((dstaddr, minute_start), (dstaddr, srcaddr))
)
SELECT
  dstaddr,
  sum(CASE WHEN per_minute = 0 THEN 1 ELSE 0 END) AS distinct_sources,
  min(srcaddr) AS sample_srcaddr,
  -- rounded: a sum of fractions must not fall to 9 for 10 depending on summation order
  CAST(round(max(CASE WHEN per_minute = 1 THEN pps END)) AS BIGINT) AS peak_packets_per_second,
  sum(CASE WHEN per_minute = 0 THEN flows END) AS flows,
  sum(CASE WHEN per_minute = 0 THEN packets END) AS packets,
  sum(CASE WHEN per_minute = 0 THEN bytes END) AS bytes,
  min(first_seen) AS first_seen,
  max(last_seen) AS last_seen
FROM grouped
GROUP BY dstaddr
HAVING sum(CASE WHEN per_minute = 0 THEN 1 ELSE 0 END) >= :min_sources
    OR round(max(CASE WHEN per_minute = 1 THEN pps END)) >= :min_packets_per_second
ORDER BY peak_packets_per_second DESC, distinct_sources DESC, dstaddr

/**
 * Partition values from a flow log file's path, for the two S3 layouts AWS delivers to:
 *
 *   plain: .../AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{MM}/{dd}/[{HH}/]file
 *   hive:  .../AWSLogs/aws-account-id={a}/aws-service=vpcflowlogs/aws-region={r}/
 *          year={y}/month={m}/day={d}/[hour={h}/]file
 *
 * `dt` is only taken from the path for hourly layouts (`yyyy/MM/dd/HH`); for daily layouts and
 * files outside an AWS layout the loader derives it from each record's `start` (UTC hour).
 */
export interface PathPartitions {
  readonly accountId: string | null;
  readonly region: string | null;
  /** `yyyy/MM/dd/HH` when the layout is hourly, else null. */
  readonly dt: string | null;
  readonly layout: 'plain' | 'hive' | null;
}

const NONE: PathPartitions = { accountId: null, region: null, dt: null, layout: null };

// Account ids are 12 digits; regions like us-east-1 / us-gov-west-1 / cn-north-1.
const PLAIN =
  /(?:^|\/)AWSLogs\/(\d{12}|[^/]+)\/vpcflowlogs\/([a-z]{2}(?:-[a-z]+)+-\d+)\/(\d{4})\/(\d{2})\/(\d{2})\/(?:(\d{2})\/)?[^/]+$/;
const HIVE =
  /(?:^|\/)aws-account-id=([^/]+)\/aws-service=vpcflowlogs\/aws-region=([^/]+)\/year=(\d{4})\/month=(\d{1,2})\/day=(\d{1,2})\/(?:hour=(\d{1,2})\/)?[^/]+$/;

const pad2 = (s: string): string => s.padStart(2, '0');

export function partitionsFromPath(filePath: string): PathPartitions {
  const p = filePath.replace(/\\/g, '/');
  const plain = PLAIN.exec(p);
  const m = plain ?? HIVE.exec(p);
  if (!m) return NONE;
  const [, accountId, region, y, mo, d, h] = m;
  return {
    accountId,
    region,
    dt: h === undefined ? null : `${y}/${pad2(mo)}/${pad2(d)}/${pad2(h)}`,
    layout: plain ? 'plain' : 'hive',
  };
}

/** `yyyy/MM/dd/HH` (UTC) of a Unix-seconds timestamp; null when absent or out of range. */
export function dtFromStart(start: bigint | null): string | null {
  if (start === null || start < 0n || start > 253402300799n) return null;
  const iso = new Date(Number(start) * 1000).toISOString();
  return `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}`;
}

/** The same as {@link dtFromStart} in DuckDB SQL, over the column `start`. */
export const DT_FROM_START_SQL = `CASE WHEN "start" BETWEEN 0 AND 253402300799 THEN strftime(make_timestamp("start" * 1000000), '%Y/%m/%d/%H') END`;

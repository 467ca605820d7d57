import {
  ATHENA_MIN_BYTES_PER_QUERY,
  billedBytes,
  bytesPerRunUnpartitioned,
  GB,
  MB,
  monthlyCostUsd,
  partitionShareAt,
  partitionsInRange,
  queryCostUsd,
  referencedColumns,
  runsPerDay,
  scheduledRunTimes,
  TB,
  volumeFactor,
} from '../../bench/cost';

describe('Athena billing', () => {
  it('bills at least 10 MB and rounds up to the next MB', () => {
    // GIVEN queries reading 1 byte, 10.5 MB and 1 TB
    // THEN the small one pays the minimum, the middle one 11 MB, the large one its size
    expect(billedBytes(1)).toBe(ATHENA_MIN_BYTES_PER_QUERY);
    expect(billedBytes(10.5 * MB)).toBe(11 * MB);
    expect(billedBytes(TB)).toBe(TB);
    expect(queryCostUsd(TB)).toBeCloseTo(5, 10);
    expect(queryCostUsd(0)).toBeCloseTo((10 * MB * 5) / TB, 12);
  });

  it('multiplies a run cost by runs per day and 30 days', () => {
    // GIVEN 1 TB per run, 96 runs a day WHEN costed per month THEN 96 * 30 * $5
    expect(monthlyCostUsd(TB, 96)).toBeCloseTo(96 * 30 * 5, 6);
  });
});

describe('runsPerDay', () => {
  it.each([
    ['rate(15 minutes)', 96],
    ['rate(1 minute)', 1440],
    ['rate(1 hour)', 24],
    ['rate(6 hours)', 4],
    ['rate(1 day)', 1],
    ['cron(0/15 * * * ? *)', 96],
    ['cron(0 * * * ? *)', 24],
    ['cron(0,30 8-17 * * ? *)', 20],
    ['cron(5 0/6 * * ? *)', 4],
  ])('%s runs %d times a day', (schedule, expected) => {
    expect(runsPerDay(schedule)).toBe(expected);
  });

  it('refuses what it cannot model, naming the schedule', () => {
    expect(() => runsPerDay('cron(0 8 ? * MON-FRI *)')).toThrow(/cron\(0 8 \? \* MON-FRI \*\)/);
    expect(() => runsPerDay('every 5 minutes')).toThrow(/every 5 minutes/);
  });
});

describe('referencedColumns', () => {
  const columns = ['srcaddr', 'dstaddr', 'action', 'end', 'start', 'bytes', 'log_status', 'region'];

  it('finds identifiers and quoted identifiers, ignoring string literals and comments', () => {
    // GIVEN SQL mentioning 'region' only inside a literal and a comment, and "end" quoted
    const sql = `SELECT srcaddr, max("end") AS last_seen -- region is not read
      FROM flow_logs /* dstaddr neither */ WHERE action = 'REJECT region' AND start >= ?`;
    // THEN exactly the columns read are returned, in catalogue order
    expect(referencedColumns(sql, columns)).toEqual(['srcaddr', 'action', 'end', 'start']);
  });

  it('does not match a column name inside a longer identifier', () => {
    expect(referencedColumns('SELECT sum(bytes_total) FROM t', columns)).toEqual([]);
  });
});

describe('schedule and partition model', () => {
  it('lists rate() run times aligned to the step inside the range', () => {
    // GIVEN a 15-minute schedule between 00:10 and 01:00 THEN runs at 00:15, 00:30, 00:45, 01:00
    expect(scheduledRunTimes('rate(15 minutes)', 600, 3600)).toEqual([900, 1800, 2700, 3600]);
  });

  it('counts a partition as written up to the run time', () => {
    expect(partitionShareAt(3600, 3600)).toBe(0);
    expect(partitionShareAt(3600, 3600 + 900)).toBe(0.25);
    expect(partitionShareAt(0, 7200)).toBe(1);
  });

  it('selects dt partitions by string range', () => {
    const dts = ['2026/01/15/08', '2026/01/15/09', '2026/01/15/10', '2026/01/16/00'];
    expect([...partitionsInRange(dts, '2026/01/15/09', '2026/01/15/10')]).toEqual([
      '2026/01/15/09',
      '2026/01/15/10',
    ]);
  });

  it('scales local bytes to a daily volume and to a retention for unpartitioned tables', () => {
    // GIVEN 12 h of local data, 1 GB uncompressed: 2 GB/day locally
    const s = { localRawBytes: GB, localHours: 12, dailyRawBytes: 100 * GB };
    // THEN the factor to 100 GB/day is 50, and an unpartitioned 30-day table reads 60x the local bytes * 50
    expect(volumeFactor(s)).toBe(50);
    expect(bytesPerRunUnpartitioned(10 * MB, s, 30)).toBe(10 * MB * 50 * 60);
  });
});

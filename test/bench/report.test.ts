import { parseBenchArgs, parseCount } from '../../bench/args';
import { goalLine, humanBytes, shortCount, table } from '../../bench/report';

describe('goal lines', () => {
  it('print exactly `<metric>: <value> (goal <goal>)`', () => {
    expect(goalLine({ metric: 'scan/floor ratio (text)', value: '1.32', goal: '<= 1.5' })).toBe(
      'scan/floor ratio (text): 1.32 (goal <= 1.5)',
    );
    // GIVEN a metric that could not be measured THEN it says so instead of inventing a value
    expect(goalLine({ metric: 'm', value: undefined, goal: '>= 5' })).toBe('m: n/a (goal >= 5)');
  });
});

describe('formatting', () => {
  it('formats sizes and counts', () => {
    expect(humanBytes(512)).toBe('512 B');
    expect(humanBytes(1536)).toBe('1.50 KiB');
    expect(humanBytes(300 * 1024 ** 2)).toBe('300 MiB');
    expect(shortCount(10_000_000)).toBe('10M');
    expect(shortCount(2_500_000)).toBe('2.5M');
    expect(shortCount(200_000)).toBe('200k');
    expect(shortCount(201_515)).toBe('201515');
  });

  it('aligns table columns, numbers to the right', () => {
    const t = table([
      ['name', 'n'],
      ['a', '5'],
      ['long name', '100'],
    ]).split('\n');
    expect(t).toEqual(['name       n', '---------  ---', 'a            5', 'long name  100']);
  });
});

describe('bench arguments', () => {
  it('accepts 10M, 500k, 1e6 and 1_000_000', () => {
    expect(parseCount('10M', '--records')).toBe(10_000_000);
    expect(parseCount('500k', '--records')).toBe(500_000);
    expect(parseCount('1e6', '--records')).toBe(1_000_000);
    expect(parseCount('1_000_000', '--records')).toBe(1_000_000);
    expect(() => parseCount('ten', '--records')).toThrow(/--records: 'ten' is not a count/);
  });

  it('defaults to 10M records and a tenth for the linearity run', () => {
    const o = parseBenchArgs([]);
    expect(o.records).toBe(10_000_000);
    expect(o.smallRecords).toBe(1_000_000);
    expect(parseBenchArgs(['--records', '2M']).smallRecords).toBe(200_000);
  });

  it('rejects unknown parts to skip and a small size not below the full one', () => {
    expect(() => parseBenchArgs(['--skip', 'lambdas'])).toThrow(/unknown part 'lambdas'/);
    expect(() => parseBenchArgs(['--records', '1M', '--small', '1M'])).toThrow(/must be below --records/);
    expect(parseBenchArgs(['--small', '0']).skip.has('linearity')).toBe(true);
  });
});

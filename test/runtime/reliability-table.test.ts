import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * docs/RELIABILITY.md's fault table names, for every fault, the test that proves the behaviour.
 * This keeps the table honest: a row whose test is renamed or removed fails here.
 */
const root = join(__dirname, '..', '..');
const doc = readFileSync(join(root, 'docs', 'RELIABILITY.md'), 'utf8');
const section = doc.slice(doc.indexOf('## Fault table'), doc.indexOf('## The remaining duplicate window'));
const rows = section
  .split('\n')
  .filter((l) => l.startsWith('|') && !/^\|\s*fault\s*\|/.test(l) && !/^\|[\s|:-]+\|$/.test(l))
  .map((l) => {
    const cells = l.split(' | ').map((c) => c.replace(/^\| ?| ?\|$/g, '').trim());
    return { fault: cells[0]!, test: cells[cells.length - 1]! };
  });

describe('docs/RELIABILITY.md fault table', () => {
  it('covers every fault the runtime issue lists', () => {
    // GIVEN the faults issue 4 requires WHEN the table is read THEN each has a row
    const faults = rows.map((r) => r.fault.toLowerCase());
    for (const required of [
      'athena throttled',
      'query failed',
      'query timeout',
      'results paginated',
      'dynamodb conditional conflict',
      'sns publish error',
      'slack 429',
      'slack 500',
      'slack hangs',
      'invocation retried',
    ])
      expect(faults.some((f) => f.startsWith(required))).toBe(true);
  });

  it.each(rows.map((r) => [r.fault, r.test]))('row "%s" names an existing test: %s', (_fault, test) => {
    const m = /^`([^`]+)` › (.+)$/.exec(test);
    expect(m).not.toBeNull();
    const source = readFileSync(join(root, 'test', m![1]!), 'utf8');
    // The title appears in the test file as the first argument of it(...).
    expect(source).toContain(`'${m![2]!}'`);
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLOW_LOG_FIELDS, parseFieldList } from '../../lib/detection/fields';
import { PACKAGE_ROOT } from '../../lib/detection/registry';
import { ddlFileText, flowLogsDdl, flowLogsTable, tableColumns } from '../../lib/infra/table-definition';

const TABLES_DIR = join(PACKAGE_ROOT, 'sql', 'tables');

describe('sql/tables DDL files', () => {
  // GIVEN the checked-in Athena DDL WHEN regenerated from the field catalogue THEN nothing changed.
  // `UPDATE_DDL=1 npx jest test/infra/table-definition.test.ts` rewrites them after a catalogue change.
  test.each(['parquet', 'text'] as const)('flow_logs_%s.sql matches the catalogue', (format) => {
    const path = join(TABLES_DIR, `flow_logs_${format}.sql`);
    const expected = ddlFileText(format);
    if (process.env.UPDATE_DDL === '1') writeFileSync(path, expected);
    expect(readFileSync(path, 'utf8')).toBe(expected);
  });

  test('every catalogue field is a column of both DDLs, with its type', () => {
    for (const format of ['parquet', 'text'] as const) {
      const ddl = ddlFileText(format);
      for (const f of FLOW_LOG_FIELDS) expect(ddl).toContain(`\`${f.column}\` ${f.type} COMMENT`);
      expect(ddl).toMatch(
        /PARTITIONED BY \(\n {2}`aws_account_id` string[^\n]*,\n {2}`aws_region` string[^\n]*,\n {2}`dt` string/,
      );
    }
  });
});

describe('flowLogsTable', () => {
  const base = {
    baseLocation: 's3://b/p',
    accounts: ['111111111111'],
    regions: ['us-east-1'],
    projectionStart: '2024/01/01/00',
  };

  test('text columns follow the declared file order; the rest trail so all SQL still binds', () => {
    const fields = parseFieldList('srcaddr dstaddr version');
    const cols = tableColumns(fields).map((c) => c.name);
    expect(cols.slice(0, 3)).toEqual(['srcaddr', 'dstaddr', 'version']);
    expect(cols).toHaveLength(FLOW_LOG_FIELDS.length);
    const def = flowLogsTable({ ...base, format: 'text', granularity: 'hour', fileFields: fields });
    expect(def.columns.slice(0, 3).map((c) => c.name)).toEqual(['srcaddr', 'dstaddr', 'version']);
  });

  test('Parquet keeps catalogue order whatever the LogFormat order', () => {
    const def = flowLogsTable({
      ...base,
      format: 'parquet',
      granularity: 'hour',
      fileFields: parseFieldList('srcaddr version'),
    });
    expect(def.columns.map((c) => c.name)).toEqual(FLOW_LOG_FIELDS.map((f) => f.column));
  });

  test('daily layouts project days from the day part of the start', () => {
    const def = flowLogsTable({ ...base, format: 'parquet', granularity: 'day' });
    expect(def.parameters).toMatchObject({
      'projection.dt.format': 'yyyy/MM/dd',
      'projection.dt.range': '2024/01/01,NOW',
      'projection.dt.interval.unit': 'DAYS',
    });
  });

  test('the DDL quotes reserved column names and escapes quotes in comments', () => {
    const ddl = flowLogsDdl(flowLogsTable({ ...base, format: 'text', granularity: 'hour' }), 'db');
    expect(ddl).toContain('CREATE EXTERNAL TABLE IF NOT EXISTS db.flow_logs (');
    expect(ddl).toContain('`end` bigint');
    expect(ddl).toContain("(can be \\'unknown\\')");
    expect(ddl).toContain("'serialization.null.format' = '-'");
    expect(ddl).toContain("'skip.header.line.count' = '1'");
  });

  test('empty account or region lists are rejected', () => {
    expect(() => flowLogsTable({ ...base, accounts: [], format: 'parquet', granularity: 'hour' })).toThrow(
      /accounts is empty/,
    );
  });
});

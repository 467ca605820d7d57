import { flowLogsGlueTable, trinoTable } from './conformance-data';
import type { GlueTableInput } from './glue-table';
import { localizeS3 } from './glue-table';

/**
 * The table Trino queries is the synthesized Glue table, not an approximation of it: every
 * Glue table parameter (projection.*, storage.location.template, classification, header skip)
 * reaches the Hive connector verbatim (only s3:// becomes local:///s3/), and the columns,
 * their Hive types and the partition keys are the template's, in its order.
 */

const HIVE_TO_TRINO: Record<string, string> = { int: 'integer', bigint: 'bigint', string: 'varchar' };

describe.each(['parquet', 'text'] as const)('the synthesized %s flow_logs table', (format) => {
  let glue: GlueTableInput;
  const bucket = `def-${format}`;

  beforeAll(() => {
    glue = flowLogsGlueTable(format);
  });

  test('GIVEN it is registered WHEN Trino lists its table properties THEN they are the Glue parameters verbatim', async () => {
    const engine = await trinoTable(`def_${format}`, glue, bucket);
    // "$properties" is the Hive connector's view of the metastore table parameters.
    const r = await engine.query('SELECT * FROM "flow_logs$properties"', [], { label: 'properties' });
    expect(r.rows).toHaveLength(1);
    const expected: Record<string, string> = {};
    // EXTERNAL=TRUE is the table type (EXTERNAL_TABLE), which $properties does not echo as a parameter.
    for (const [k, v] of Object.entries(glue.Parameters ?? {}))
      if (k !== 'EXTERNAL') expected[k] = localizeS3(v.replace(/s3:\/\/[^/]+/g, `s3://${bucket}`));
    const actual = r.rows[0]!;
    for (const [k, v] of Object.entries(expected)) expect([k, actual[k]]).toEqual([k, v]);
    expect(actual['projection.enabled']).toBe('true');
    expect(glue.TableType).toBe('EXTERNAL_TABLE');
  });

  test('GIVEN it is registered WHEN Trino describes it THEN columns, types and partition keys match the template', async () => {
    const engine = await trinoTable(`def_${format}`, glue, bucket);
    const r = await engine.query('DESCRIBE flow_logs', [], { label: 'describe' });
    const expected = [
      ...glue.StorageDescriptor.Columns.map((c) => [c.Name, HIVE_TO_TRINO[c.Type] ?? c.Type, '']),
      ...(glue.PartitionKeys ?? []).map((c) => [c.Name, HIVE_TO_TRINO[c.Type] ?? c.Type, 'partition key']),
    ];
    expect(r.rows.map((row) => [row.Column, row.Type, row.Extra])).toEqual(expected);
  });
});

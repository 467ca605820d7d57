import { Aws, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';
import { FLOW_LOGS_TABLE_NAME, type FlowLogsTableOptions, flowLogsTable } from './table-definition';

export interface FlowLogCatalogProps extends FlowLogsTableOptions {
  readonly databaseName: string;
}

/** Glue database and the `flow_logs` table with partition projection (no crawler, no MSCK REPAIR). */
export class FlowLogCatalog extends Construct {
  readonly database: glue.CfnDatabase;
  readonly table: glue.CfnTable;
  readonly databaseName: string;
  readonly tableName = FLOW_LOGS_TABLE_NAME;

  constructor(scope: Construct, id: string, props: FlowLogCatalogProps) {
    super(scope, id);
    this.databaseName = props.databaseName;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: props.databaseName, description: 'FlowWatch: VPC flow log tables' },
    });
    const def = flowLogsTable(props);
    this.table = new glue.CfnTable(this, 'FlowLogsTable', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: props.databaseName,
      tableInput: {
        name: FLOW_LOGS_TABLE_NAME,
        description: `VPC flow logs (${props.format}), partitions projected from the S3 key`,
        tableType: 'EXTERNAL_TABLE',
        parameters: def.parameters,
        partitionKeys: def.partitionKeys.map((c) => ({ name: c.name, type: c.type, comment: c.comment })),
        storageDescriptor: {
          columns: def.columns.map((c) => ({ name: c.name, type: c.type, comment: c.comment })),
          location: def.location,
          inputFormat: def.inputFormat,
          outputFormat: def.outputFormat,
          serdeInfo: { serializationLibrary: def.serde.library, parameters: def.serde.parameters },
          compressed: props.format === 'text',
        },
      },
    });
    this.table.addResourceDependency(this.database);
  }

  private arn(resource: string): string {
    const s = Stack.of(this);
    return `arn:${s.partition}:glue:${s.region}:${s.account}:${resource}`;
  }

  /** ARNs a reader needs for glue:GetTable on flow_logs: catalog, database, table. */
  get readArns(): string[] {
    return this.tableReadArns(FLOW_LOGS_TABLE_NAME);
  }

  /** ARNs a reader needs for glue:GetTable on one table of this database (a context table). */
  tableReadArns(tableName: string): string[] {
    return [
      this.arn('catalog'),
      this.arn(`database/${this.databaseName}`),
      this.arn(`table/${this.databaseName}/${tableName}`),
    ];
  }
}

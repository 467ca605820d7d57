import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../lib/config/load';
import { ENI_INVENTORY_TABLE } from '../../lib/context/inventory-store';
import { THREAT_INTEL_TABLE } from '../../lib/context/threat-intel';
import { FLOWWATCH_FIELDS } from '../../lib/detection/fields';
import { synthTemplates } from '../../lib/infra/synth';
import { type GlueTableInput, glueTablesFromTemplate } from './glue-table';

/**
 * The flow_logs Glue tables exactly as `cdk synth` declares them, for the two ways FlowWatch
 * reads flow logs: Parquet flow logs it creates, and existing text flow logs in another
 * bucket (here with every v2-v5 field, the order the synthetic generator writes); and the
 * context tables (`eni_inventory`, `threat_intel`), which every deployment has. Synthesis
 * takes ~20 s per config on two cores, so globalSetup does it once and leaves the TableInputs
 * in a JSON file named by FLOWWATCH_CONFORMANCE_TABLES.
 */

export const TABLES_ENV = 'FLOWWATCH_CONFORMANCE_TABLES';
/** Set when globalSetup wrote the tables file itself (so globalTeardown removes only that). */
export const OWNED_TABLES_ENV = 'FLOWWATCH_CONFORMANCE_TABLES_OWNED';
export const ACCOUNTS = ['111111111111', '222222222222'] as const;
export const REGIONS = ['us-east-1', 'eu-west-1'] as const;

/** An AWS::Athena::NamedQuery as synthesized: the SQL a responder runs from the workgroup. */
export interface NamedQuery {
  readonly name: string;
  readonly queryString: string;
}

export interface SynthesizedTables {
  readonly parquet: GlueTableInput;
  readonly text: GlueTableInput;
  /** The named queries of the Parquet deployment (saved queries and per-detection investigation queries). */
  readonly namedQueries: readonly NamedQuery[];
  /** The context tables of the Parquet deployment (issue 7): `eni_inventory` and `threat_intel`. */
  readonly eniInventory: GlueTableInput;
  readonly threatIntel: GlueTableInput;
}

const COMMON = {
  env: { account: ACCOUNTS[0], region: REGIONS[0] },
  alerts: { emails: ['secops@example.com'] },
  accounts: [...ACCOUNTS],
  regions: [...REGIONS],
};

interface Synthesized {
  readonly table: GlueTableInput;
  readonly tables: GlueTableInput[];
  readonly namedQueries: NamedQuery[];
}

function synthesize(config: unknown, origin: string): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'fw-cdk-'));
  let templates: ReturnType<typeof synthTemplates>;
  try {
    templates = synthTemplates(parseConfig(config, origin), { nag: false, outdir });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  const tables = Object.values(templates).flatMap((t) =>
    glueTablesFromTemplate(t as Parameters<typeof glueTablesFromTemplate>[0]),
  );
  const table = tables.find((x) => x.Name === 'flow_logs');
  if (!table)
    throw new Error(`${origin}: the synthesized templates have no AWS::Glue::Table named flow_logs`);
  const namedQueries = Object.values(templates).flatMap((t) =>
    Object.values(t.Resources)
      .filter((r) => r.Type === 'AWS::Athena::NamedQuery')
      .map((r) => {
        const p = r.Properties as { Name?: unknown; QueryString?: unknown };
        if (typeof p.Name !== 'string' || typeof p.QueryString !== 'string')
          throw new Error(`${origin}: a NamedQuery without a literal Name/QueryString`);
        return { name: p.Name, queryString: p.QueryString };
      }),
  );
  return { table, tables, namedQueries };
}

export function synthesizeTables(): SynthesizedTables {
  const parquet = synthesize(
    { ...COMMON, source: { mode: 'create', targets: ['vpc-0abc12345def67890'] } },
    'conformance (create, parquet)',
  );
  const text = synthesize(
    {
      ...COMMON,
      source: {
        mode: 'existing',
        bucketName: 'existing-flow-logs',
        prefix: 'org/flow',
        format: 'text',
        fields: FLOWWATCH_FIELDS.map((f) => `\${${f}}`).join(' '),
        partitionGranularity: 'hour',
      },
    },
    'conformance (existing, text)',
  );
  const named = (name: string) => {
    const t = parquet.tables.find((x) => x.Name === name);
    if (!t) throw new Error(`conformance (create, parquet): the synthesized templates have no ${name} table`);
    return t;
  };
  return {
    parquet: parquet.table,
    text: text.table,
    namedQueries: parquet.namedQueries,
    eniInventory: named(ENI_INVENTORY_TABLE),
    threatIntel: named(THREAT_INTEL_TABLE),
  };
}

/** Synthesize once per run and return the file the tests read. */
export function writeSynthesizedTables(dir: string): string {
  const path = join(dir, 'glue-tables.json');
  writeFileSync(path, JSON.stringify(synthesizeTables(), null, 2));
  return path;
}

export function synthesizedTables(): SynthesizedTables {
  const path = process.env[TABLES_ENV];
  if (!path)
    throw new Error(
      `${TABLES_ENV} is not set: run the suite with 'npm run test:athena' (its globalSetup synthesizes)`,
    );
  return JSON.parse(readFileSync(path, 'utf8')) as SynthesizedTables;
}

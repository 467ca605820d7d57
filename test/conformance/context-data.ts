import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { EniRecord, OwnerType } from '../../lib/context/eni-inventory';
import { INVENTORY_PREFIX } from '../../lib/context/inventory-layout';
import type { ThreatIntelRecord } from '../../lib/context/threat-intel';
import { tableKeyOfListKey, threatIntelJsonl } from '../../lib/context/threat-intel-layout';
import { FLOWWATCH_FIELDS, findField } from '../../lib/detection/fields';
import { formatDt } from '../../lib/detection/window';
import type { Eni, Stream } from '../../lib/local/synth-topology';
import { completeRow, type FlowRow } from '../helpers/flow-table';
import { type GlueTableInput, logsRoot, tableDir } from './glue-table';
import { synthesizedTables } from './synth-tables';

/**
 * Files of the context tables where the synthesized Glue tables read them (a bucket folder under
 * Trino's local:/// root), written by the code that writes them in a deployment:
 * writeInventory (the inventory Lambda's layout) and threatIntelJsonl (the sync Lambda's body).
 */

/** The folder writeInventory takes as root: the one holding `eni-inventory/` in `bucket`. */
export function inventoryRoot(fsRoot: string, bucket: string, table?: GlueTableInput): string {
  const dir = tableDir(fsRoot, table ?? synthesizedTables().eniInventory, bucket);
  if (basename(dir) !== INVENTORY_PREFIX)
    throw new Error(
      `eni_inventory's Location ${dir} does not end in ${INVENTORY_PREFIX}/ (writeInventory's layout)`,
    );
  return dirname(dir);
}

/** Write one list's table file (`threat-intel/table/<name>.jsonl.gz`) as the sync Lambda does; returns its path. */
export function writeThreatIntelTableFile(
  fsRoot: string,
  bucket: string,
  listName: string,
  records: readonly ThreatIntelRecord[],
): string {
  const dir = tableDir(fsRoot, synthesizedTables().threatIntel, bucket);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, basename(tableKeyOfListKey(`threat-intel/lists/${listName}`)));
  writeFileSync(path, threatIntelJsonl(records));
  return path;
}

/**
 * Flow rows as one delivered text file (header line, every v2-v5 field, `-` for NULL) in the hour
 * folder of `dt`, under the text flow_logs table's AWSLogs/ in `bucket`; returns its path.
 */
export function writeFlowTextFile(
  fsRoot: string,
  table: GlueTableInput,
  bucket: string,
  o: { account: string; region: string; hour: number; rows: readonly FlowRow[] },
): string {
  const dt = formatDt(o.hour, 'hour');
  const dir = join(
    logsRoot(fsRoot, table, bucket),
    'AWSLogs',
    o.account,
    'vpcflowlogs',
    o.region,
    ...dt.split('/'),
  );
  mkdirSync(dir, { recursive: true });
  const columns = FLOWWATCH_FIELDS.map((f) => findField(f)!.column);
  const lines = o.rows.map((r, i) => {
    const row = completeRow(r, `flow row ${i + 1}`);
    return columns.map((c) => (row[c] === null ? '-' : String(row[c]))).join(' ');
  });
  const path = join(
    dir,
    `${o.account}_vpcflowlogs_${o.region}_fl-0c0ntext_${dt.replace(/\//g, '')}05Z_c0ffee.log.gz`,
  );
  writeFileSync(path, gzipSync(`${FLOWWATCH_FIELDS.join(' ')}\n${lines.join('\n')}\n`));
  return path;
}

/** `version account interface ` -> fields; ` vpc subnet instance ` -> vpc and subnet. */
function eniRecord(
  s: Stream,
  e: Eni,
  owner: OwnerType,
  ownerId: string | null,
  name: string | null,
  time: number,
): EniRecord {
  const [vpc, subnet] = e.ctx.trim().split(' ');
  const az = e.loc.trim().split(' ')[1] ?? null;
  return {
    interface_id: e.id,
    account_id: s.account,
    region: s.region,
    availability_zone: az,
    vpc_id: vpc ?? null,
    subnet_id: subnet ?? null,
    interface_type: owner === 'nat_gateway' ? 'nat_gateway' : 'interface',
    requester_id: owner === 'ec2_instance' ? null : owner === 'rds' ? 'amazon-rds' : 'amazon-elb',
    requester_managed: owner !== 'ec2_instance',
    status: 'in-use',
    description: owner === 'rds' ? 'RDSNetworkInterface' : null,
    owner_type: owner,
    owner_id: ownerId,
    instance_id: e.instanceId,
    private_ips: [e.ip],
    public_ips:
      owner === 'elb_alb' || owner === 'nat_gateway' ? [`52.0.${s.index}.${e.ip.split('.')[3]}`] : [],
    ipv6_ips: [],
    security_groups: [`sg-${s.index}${e.kind}`],
    name_tag: name,
    tags: name === null ? {} : { Name: name, 'aws:cloudformation:stack-name': 'synthetic' },
    snapshot_time: time,
  };
}

/**
 * An inventory snapshot of the synthetic network (lib/local/synth-topology.ts): the ALB's two
 * interfaces as `web-alb`, NAT gateways, web instances `web-<n>`, RDS interfaces, the resolver
 * endpoints as `other`, the admin and idle instances. One record per interface, so the context
 * saved queries and entity-aware detections have entities to name in the synthetic data.
 */
export function synthInventory(topology: readonly Stream[], snapshotTime: number): EniRecord[] {
  return topology.flatMap((s) => [
    ...s.elb.map((e) => eniRecord(s, e, 'elb_alb', 'web-alb', null, snapshotTime)),
    ...s.nat.map((e) => eniRecord(s, e, 'nat_gateway', `nat-${e.id.slice(4)}`, null, snapshotTime)),
    ...s.web.map((e, i) => eniRecord(s, e, 'ec2_instance', e.instanceId, `web-${i + 1}`, snapshotTime)),
    ...s.db.map((e) => eniRecord(s, e, 'rds', null, 'orders-db', snapshotTime)),
    ...s.resolvers.map((e) => eniRecord(s, e, 'other', null, null, snapshotTime)),
    eniRecord(s, s.admin, 'ec2_instance', s.admin.instanceId, 'admin', snapshotTime),
    eniRecord(s, s.idle, 'ec2_instance', s.idle.instanceId, 'idle', snapshotTime),
  ]);
}

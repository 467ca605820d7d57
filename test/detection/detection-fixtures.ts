import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ThreatIntelRecord } from '../../lib/context/threat-intel';
import { type Cidr, parseCidr } from '../../lib/detection/cidr';
import { normalizeInteger, type SqlValue } from '../../lib/detection/engine';
import type { Detection, DetectionSettings } from '../../lib/detection/registry';
import type { TimeWindow } from '../../lib/detection/window';
import { completeInventoryRow, type InventoryRow, threatIntelRecords } from '../helpers/context-rows';
import { type FlowRow, toEpochSeconds } from '../helpers/flow-table';

/**
 * Panther-style fixtures that live beside each detection: `sql/detections/<id>.fixtures.yaml`.
 *
 *   defaults: {column: value}          merged into every row of every case (optional)
 *   cases:
 *     - name: a short sentence
 *       kind: attack | benign          attack cases expect findings, benign ones none
 *       window: {start: ISO, end: ISO}
 *       settings: {thresholds: {...}, lists: {...}}     optional overrides
 *       internal_cidrs: [10.0.0.0/8, ...]                optional, default RFC 1918 + ULA
 *       defaults: {column: value}      merged into this case's rows (optional)
 *       rows:                          flow_logs records; absent columns are NULL
 *         - {srcaddr: 10.0.0.5, dstport: 22, start: '2024-05-01T10:00:00Z'}
 *         - {repeat: 30, dstport: '{i}'}   30 rows, '{i}', '{i+N}', '{i*N}', '{i*N+M}' -> 1..30
 *       inventory:                     eni_inventory rows (optional; columns as in docs/CONTEXT.md,
 *         - {interface_id: eni-1, owner_type: ec2_instance, owner_id: i-1, snapshot_time: ISO}
 *       threat_intel:                  threat_intel entries (optional), parsed as a CSV list would be
 *         - {cidr: 203.0.113.0/24, source: feodotracker, description: ..., port: 443}
 *       expect:                        the findings in the query's order, each listing at least
 *         - {srcaddr: 10.0.0.5, flows: 3}   the detection's key fields
 *
 * A file-level `inventory` / `threat_intel` applies to every case (a case's own rows are added).
 * Integers are read as exact values (YAML ints become bigint first), so byte sums above 2^53
 * can be written and compared.
 */
const Scalar = z.union([z.string(), z.number(), z.bigint(), z.boolean(), z.null()]);
const RowSchema = z.record(z.string(), Scalar);

const InventoryValue = z.union([
  z.string(),
  z.number(),
  z.bigint(),
  z.boolean(),
  z.null(),
  z.array(z.string()),
  z.record(z.string(), z.string()),
]);
const InventorySchema = z.array(z.record(z.string(), InventoryValue));
const ThreatIntelSchema = z.array(
  z
    .object({
      cidr: z.string(),
      source: z.string().optional(),
      description: z.string().optional(),
      port: z.union([z.number(), z.bigint()]).optional(),
    })
    .strict(),
);

const CaseSchema = z
  .object({
    name: z.string().min(3),
    kind: z.enum(['attack', 'benign']),
    window: z
      .object({ start: z.union([z.string(), z.bigint()]), end: z.union([z.string(), z.bigint()]) })
      .strict(),
    settings: z
      .object({
        thresholds: z.record(z.string(), z.union([z.number(), z.bigint()])).optional(),
        lists: z.record(z.string(), z.array(z.union([z.string(), z.number(), z.bigint()]))).optional(),
      })
      .strict()
      .optional(),
    internal_cidrs: z.array(z.string()).optional(),
    defaults: RowSchema.optional(),
    rows: z.array(RowSchema).min(1),
    inventory: InventorySchema.optional(),
    threat_intel: ThreatIntelSchema.optional(),
    expect: z.array(RowSchema),
  })
  .strict();

const FileSchema = z
  .object({
    defaults: RowSchema.optional(),
    inventory: InventorySchema.optional(),
    threat_intel: ThreatIntelSchema.optional(),
    cases: z.array(CaseSchema).min(1),
  })
  .strict();

export interface FixtureCase {
  readonly name: string;
  readonly kind: 'attack' | 'benign';
  readonly window: TimeWindow;
  readonly settings?: DetectionSettings;
  readonly internalCidrs?: Cidr[];
  readonly rows: FlowRow[];
  /** eni_inventory rows, every column filled (partition columns derived). */
  readonly inventory: InventoryRow[];
  readonly threatIntel: ThreatIntelRecord[];
  readonly expect: Record<string, SqlValue>[];
}

export function fixturePath(d: Detection): string {
  return d.path.replace(/\.sql$/, '.fixtures.yaml');
}

/** bigint -> number where exact, recursively through the plain YAML values we accept. */
function norm<T>(v: T): T {
  if (typeof v === 'bigint') return normalizeInteger(v) as T;
  if (Array.isArray(v)) return v.map(norm) as T;
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)])) as T;
  return v;
}

const REPEAT_TOKEN = /\{i(?:\*(\d+))?(?:\+(\d+))?\}/g;

function expandRows(rows: Record<string, unknown>[], where: string): FlowRow[] {
  const out: FlowRow[] = [];
  rows.forEach((raw, r) => {
    const { repeat, ...row } = raw;
    const n = repeat === undefined ? 1 : Number(repeat);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`${where}: rows[${r}].repeat must be a positive integer`);
    for (let i = 1; i <= n; i++) {
      const copy: Record<string, string | number | bigint | null> = {};
      for (const [k, v] of Object.entries(row)) {
        if (typeof v === 'string' && repeat !== undefined)
          copy[k] = v.replace(REPEAT_TOKEN, (_m, mul?: string, add?: string) =>
            String(i * Number(mul ?? 1) + Number(add ?? 0)),
          );
        else if (typeof v === 'boolean')
          throw new Error(`${where}: rows[${r}].${k}: booleans are not flow log values`);
        else copy[k] = v as string | number | bigint | null;
      }
      out.push(copy);
    }
  });
  return out;
}

/** Read and validate a detection's fixtures; every problem names the file (and case). */
export function loadFixtures(d: Detection): FixtureCase[] {
  const path = fixturePath(d);
  if (!existsSync(path)) throw new Error(`${d.path}: no fixtures file (${path})`);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'), { intAsBigInt: true });
  } catch (e) {
    throw new Error(`${path}: not valid YAML: ${(e as Error).message}`);
  }
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`,
    );
  const names = new Set<string>();
  return parsed.data.cases.map((c, n) => {
    const where = `${path}: case ${n + 1} '${c.name}'`;
    if (names.has(c.name)) throw new Error(`${where}: duplicate case name`);
    names.add(c.name);
    const merged = c.rows.map((row) => ({ ...parsed.data.defaults, ...c.defaults, ...row }));
    const window = {
      start: toEpochSeconds(c.window.start, `${where}: window.start`),
      end: toEpochSeconds(c.window.end, `${where}: window.end`),
    };
    return {
      name: c.name,
      kind: c.kind,
      window,
      settings: c.settings ? norm(c.settings as DetectionSettings) : undefined,
      internalCidrs: c.internal_cidrs?.map(parseCidr),
      rows: expandRows(norm(merged), where),
      inventory: [...(parsed.data.inventory ?? []), ...(c.inventory ?? [])].map((r, i) =>
        completeInventoryRow(norm(r), `${where}: inventory[${i}]`),
      ),
      threatIntel: threatIntelRecords(
        [...(parsed.data.threat_intel ?? []), ...(c.threat_intel ?? [])].map((e) => ({
          ...e,
          port: e.port === undefined ? undefined : Number(e.port),
        })),
        where,
      ),
      expect: norm(c.expect) as Record<string, SqlValue>[],
    };
  });
}

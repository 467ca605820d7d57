import { z } from 'zod';

/**
 * ENI inventory: one record per network interface, derived from the output of
 * `aws ec2 describe-network-interfaces` (or the SDK's DescribeNetworkInterfaces pages).
 * It turns a flow log's interface-id or address into an entity: "EC2 instance i-0abc (Name web-1)",
 * "ALB orders-alb", "NAT gateway nat-0123", "RDS".
 *
 * Owner types are derived from InterfaceType, then the Description AWS writes for
 * requester-managed interfaces, then RequesterId, then the attachment (see deriveOwner and
 * docs/CONTEXT.md). Anything unrecognised is 'other', with its description kept.
 */

export const OWNER_TYPES = [
  'ec2_instance',
  'elb_alb',
  'elb_nlb',
  'elb_gwlb',
  'elb_classic',
  'nat_gateway',
  'rds',
  'lambda',
  'vpc_endpoint',
  'eks',
  'efs',
  'transit_gateway',
  'api_gateway',
  'other',
] as const;
export type OwnerType = (typeof OWNER_TYPES)[number];

/** One inventory row. Field names are the table's column names (snake_case, as in flow_logs). */
export interface EniRecord {
  readonly interface_id: string;
  readonly account_id: string;
  readonly region: string;
  readonly availability_zone: string | null;
  readonly vpc_id: string | null;
  readonly subnet_id: string | null;
  readonly interface_type: string | null;
  readonly requester_id: string | null;
  readonly requester_managed: boolean;
  readonly status: string | null;
  readonly description: string | null;
  readonly owner_type: OwnerType;
  /** Instance id, LB name, NAT gateway id, endpoint id, function name, cluster name, fs id... */
  readonly owner_id: string | null;
  /** Set when the interface is attached to an instance of this account (as flow logs' instance-id). */
  readonly instance_id: string | null;
  /** Primary private address first (the address flow logs write as srcaddr/dstaddr). */
  readonly private_ips: string[];
  readonly public_ips: string[];
  readonly ipv6_ips: string[];
  /** Security group ids. */
  readonly security_groups: string[];
  readonly name_tag: string | null;
  readonly tags: Record<string, string>;
  /** Unix seconds (like flow logs' start/end). */
  readonly snapshot_time: number;
}

/**
 * Column catalogue of the eni_inventory table: DuckDB type for the local reader and Glue/Hive
 * type for the Athena table (issue 7's Glue table is generated from this list).
 */
export const ENI_INVENTORY_COLUMNS: readonly { name: keyof EniRecord; duckdb: string; glue: string }[] = [
  { name: 'interface_id', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'account_id', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'region', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'availability_zone', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'vpc_id', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'subnet_id', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'interface_type', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'requester_id', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'requester_managed', duckdb: 'BOOLEAN', glue: 'boolean' },
  { name: 'status', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'description', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'owner_type', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'owner_id', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'instance_id', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'private_ips', duckdb: 'VARCHAR[]', glue: 'array<string>' },
  { name: 'public_ips', duckdb: 'VARCHAR[]', glue: 'array<string>' },
  { name: 'ipv6_ips', duckdb: 'VARCHAR[]', glue: 'array<string>' },
  { name: 'security_groups', duckdb: 'VARCHAR[]', glue: 'array<string>' },
  { name: 'name_tag', duckdb: 'VARCHAR', glue: 'string' },
  { name: 'tags', duckdb: 'MAP(VARCHAR, VARCHAR)', glue: 'map<string,string>' },
  { name: 'snapshot_time', duckdb: 'BIGINT', glue: 'bigint' },
];

// --- Input schema: the fields of DescribeNetworkInterfaces we use (others are ignored). -------

const opt = <T extends z.ZodTypeAny>(t: T) => t.nullish();

const NetworkInterfaceSchema = z.object({
  NetworkInterfaceId: z.string().regex(/^eni-[0-9a-z]+$/, 'expected an ENI id like eni-0abc...'),
  InterfaceType: opt(z.string()),
  RequesterId: opt(z.string()),
  RequesterManaged: opt(z.boolean()),
  Description: opt(z.string()),
  Status: opt(z.string()),
  OwnerId: opt(z.string()),
  AvailabilityZone: opt(z.string()),
  SubnetId: opt(z.string()),
  VpcId: opt(z.string()),
  PrivateIpAddress: opt(z.string()),
  Association: opt(z.object({ PublicIp: opt(z.string()) })),
  Attachment: opt(
    z.object({
      InstanceId: opt(z.string()),
      InstanceOwnerId: opt(z.string()),
    }),
  ),
  PrivateIpAddresses: opt(
    z.array(
      z.object({
        PrivateIpAddress: z.string(),
        Primary: opt(z.boolean()),
        Association: opt(z.object({ PublicIp: opt(z.string()) })),
      }),
    ),
  ),
  Ipv6Addresses: opt(z.array(z.object({ Ipv6Address: z.string() }))),
  Groups: opt(z.array(z.object({ GroupId: z.string(), GroupName: opt(z.string()) }))),
  TagSet: opt(z.array(z.object({ Key: z.string(), Value: z.string() }))),
});
export type DescribedInterface = z.infer<typeof NetworkInterfaceSchema>;

const DescribeOutputSchema = z.object({ NetworkInterfaces: z.array(NetworkInterfaceSchema) });

export class InventoryInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InventoryInputError';
  }
}

/** `NetworkInterfaces[3].Attachment.InstanceId` from a zod issue path. */
function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(top level)';
}

// --- Owner derivation ------------------------------------------------------------------------

export interface Owner {
  readonly owner_type: OwnerType;
  readonly owner_id: string | null;
}

const UUID_SUFFIX = /-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Descriptions AWS services write on the interfaces they create (requester-managed), anchored so
 * a user's free-text description that merely mentions a service is not taken for one.
 */
const DESCRIPTION_RULES: readonly { re: RegExp; type: OwnerType; id?: (m: RegExpExecArray) => string }[] = [
  { re: /^ELB app\/([^/\s]+)\/[0-9a-f]+$/, type: 'elb_alb', id: (m) => m[1]! },
  { re: /^ELB net\/([^/\s]+)\/[0-9a-f]+$/, type: 'elb_nlb', id: (m) => m[1]! },
  { re: /^ELB gwy\/([^/\s]+)\/[0-9a-f]+$/, type: 'elb_gwlb', id: (m) => m[1]! },
  // Classic load balancers: "ELB <name>" (names are letters, digits and hyphens).
  { re: /^ELB ([A-Za-z0-9-]{1,32})$/, type: 'elb_classic', id: (m) => m[1]! },
  { re: /^Interface for NAT Gateway (nat-[0-9a-f]+)$/, type: 'nat_gateway', id: (m) => m[1]! },
  { re: /^VPC Endpoint Interface:? ?(vpce-[0-9a-f]+)$/, type: 'vpc_endpoint', id: (m) => m[1]! },
  { re: /^RDSNetworkInterface$/, type: 'rds' },
  // "AWS Lambda VPC ENI-<function>" (Hyperplane) or "...-<function>-<uuid>" (older per-invocation ENIs).
  {
    re: /^AWS Lambda VPC ENI-(.+)$/,
    type: 'lambda',
    id: (m) => m[1]!.replace(UUID_SUFFIX, ''),
  },
  // EKS control-plane (cross-account) interfaces: "Amazon EKS <cluster-name>".
  { re: /^Amazon EKS ([A-Za-z0-9][A-Za-z0-9_-]{0,99})$/, type: 'eks', id: (m) => m[1]! },
  { re: /^aws-k8s-branch-eni$/, type: 'eks' },
  {
    re: /^EFS mount target for (fs-[0-9a-f]+) \(fsmt-[0-9a-f]+\)$/,
    type: 'efs',
    id: (m) => m[1]!,
  },
  {
    re: /^Network Interface for Transit Gateway Attachment (tgw-attach-[0-9a-f]+)$/,
    type: 'transit_gateway',
    id: (m) => m[1]!,
  },
];

/** InterfaceType values that name the owner whatever the description says. */
const TYPE_OWNERS: Readonly<Record<string, OwnerType>> = {
  nat_gateway: 'nat_gateway',
  network_load_balancer: 'elb_nlb',
  gateway_load_balancer: 'elb_gwlb',
  gateway_load_balancer_endpoint: 'vpc_endpoint',
  vpc_endpoint: 'vpc_endpoint',
  lambda: 'lambda',
  transit_gateway: 'transit_gateway',
  api_gateway_managed: 'api_gateway',
  branch: 'eks',
};

/** RequesterId values of services that do not say more in the description. */
const REQUESTER_OWNERS: Readonly<Record<string, OwnerType>> = {
  'amazon-rds': 'rds',
  'amazon-elb': 'elb_classic',
};

/**
 * Owner type and id of an interface. Order: the description (most specific, carries the id);
 * then InterfaceType; then RequesterId; then an attachment to an instance; else 'other'.
 * A description rule that disagrees with a definitive InterfaceType loses to the type
 * (e.g. a user-made ENI described "ELB x" but typed nat_gateway cannot happen; the reverse can).
 */
export function deriveOwner(ni: DescribedInterface): Owner {
  const desc = (ni.Description ?? '').trim();
  const byType = ni.InterfaceType ? TYPE_OWNERS[ni.InterfaceType] : undefined;
  for (const rule of DESCRIPTION_RULES) {
    const m = rule.re.exec(desc);
    if (!m) continue;
    // Service descriptions are only trusted on interfaces a service created (requester-managed, a
    // requester other than the owner, a type that agrees, or attached to another account's
    // instance as EKS control-plane ENIs are): anyone can describe their own ENI "ELB web".
    const managed =
      ni.RequesterManaged === true ||
      byType === rule.type ||
      ni.InterfaceType === 'load_balancer' ||
      (ni.RequesterId != null && ni.OwnerId != null && ni.RequesterId !== ni.OwnerId) ||
      (ni.Attachment?.InstanceOwnerId != null &&
        ni.OwnerId != null &&
        ni.Attachment.InstanceOwnerId !== ni.OwnerId);
    if (!managed) break;
    if (byType && byType !== rule.type) return { owner_type: byType, owner_id: null };
    return { owner_type: rule.type, owner_id: rule.id ? rule.id(m) : null };
  }
  if (byType) return { owner_type: byType, owner_id: null };
  const byRequester = ni.RequesterId ? REQUESTER_OWNERS[ni.RequesterId] : undefined;
  if (byRequester && ni.RequesterManaged === true) return { owner_type: byRequester, owner_id: null };
  const instanceId = ni.Attachment?.InstanceId;
  if (instanceId && ni.RequesterManaged !== true) return { owner_type: 'ec2_instance', owner_id: instanceId };
  return { owner_type: 'other', owner_id: null };
}

// --- Records ---------------------------------------------------------------------------------

/** `us-east-1a` -> `us-east-1`; local and wavelength zones (`us-west-2-lax-1a`) -> `us-west-2`. */
export function regionFromAz(az: string): string | undefined {
  return /^([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d+)/.exec(az)?.[1];
}

function uniq(values: readonly (string | null | undefined)[]): string[] {
  const out: string[] = [];
  for (const v of values) if (v && !out.includes(v)) out.push(v);
  return out;
}

export interface ParseInventoryOptions {
  /** Snapshot time, Unix seconds (the caller's clock: tests pass a fixed value). */
  readonly snapshotTime: number;
  /** Region of the call; default: derived from each interface's AvailabilityZone. */
  readonly region?: string;
  /** Account of the call, used when an interface lacks OwnerId. */
  readonly account?: string;
  /** Name used in error messages (the file name). */
  readonly source?: string;
}

/** One interface to its inventory record. */
export function toEniRecord(ni: DescribedInterface, opts: ParseInventoryOptions, where = ''): EniRecord {
  const account = ni.OwnerId ?? opts.account;
  if (!account) throw new InventoryInputError(`${where}OwnerId: missing, and no account was given`);
  const region = opts.region ?? (ni.AvailabilityZone ? regionFromAz(ni.AvailabilityZone) : undefined);
  if (!region)
    throw new InventoryInputError(
      `${where}AvailabilityZone: cannot derive the region from '${ni.AvailabilityZone ?? ''}'; give the region explicitly`,
    );
  const owner = deriveOwner(ni);
  const addrs = ni.PrivateIpAddresses ?? [];
  const primary = addrs.filter((a) => a.Primary === true);
  const others = addrs.filter((a) => a.Primary !== true);
  const tags: Record<string, string> = {};
  for (const t of ni.TagSet ?? []) tags[t.Key] = t.Value;
  const att = ni.Attachment;
  // Flow logs write instance-id only for instances the interface's account owns; do the same so
  // an EKS control-plane interface (attached to an AWS-owned instance) does not name that instance.
  const ownInstance =
    att?.InstanceId && (att.InstanceOwnerId == null || att.InstanceOwnerId === account)
      ? att.InstanceId
      : null;
  return {
    interface_id: ni.NetworkInterfaceId,
    account_id: account,
    region,
    availability_zone: ni.AvailabilityZone ?? null,
    vpc_id: ni.VpcId ?? null,
    subnet_id: ni.SubnetId ?? null,
    interface_type: ni.InterfaceType ?? null,
    requester_id: ni.RequesterId ?? null,
    requester_managed: ni.RequesterManaged === true,
    status: ni.Status ?? null,
    description: ni.Description ? ni.Description : null,
    owner_type: owner.owner_type,
    owner_id: owner.owner_id,
    instance_id: ownInstance,
    private_ips: uniq([
      ...primary.map((a) => a.PrivateIpAddress),
      ni.PrivateIpAddress,
      ...others.map((a) => a.PrivateIpAddress),
    ]),
    public_ips: uniq([ni.Association?.PublicIp, ...addrs.map((a) => a.Association?.PublicIp)]),
    ipv6_ips: uniq((ni.Ipv6Addresses ?? []).map((a) => a.Ipv6Address)),
    security_groups: uniq((ni.Groups ?? []).map((g) => g.GroupId)),
    name_tag: tags.Name ?? null,
    tags,
    snapshot_time: opts.snapshotTime,
  };
}

/**
 * Parse the JSON text of `aws ec2 describe-network-interfaces` (`{"NetworkInterfaces": [...]}`;
 * an array of such pages is accepted too). Throws InventoryInputError naming the source and the
 * failing path, e.g. `dump.json: NetworkInterfaces[3].PrivateIpAddresses[0].PrivateIpAddress: ...`.
 */
export function parseDescribeNetworkInterfaces(text: string, opts: ParseInventoryOptions): EniRecord[] {
  const src = opts.source ?? '<input>';
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InventoryInputError(`${src}: not valid JSON: ${(e as Error).message}`);
  }
  const pages = Array.isArray(raw) ? raw : [raw];
  const out: EniRecord[] = [];
  const seen = new Set<string>();
  pages.forEach((page, p) => {
    const prefix = Array.isArray(raw) ? `[${p}].` : '';
    const parsed = DescribeOutputSchema.safeParse(page);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
      throw new InventoryInputError(`${src}: ${prefix}${issuePath(issue.path)}: ${issue.message}${more}`);
    }
    parsed.data.NetworkInterfaces.forEach((ni, i) => {
      const where = `${src}: ${prefix}NetworkInterfaces[${i}].`;
      const rec = toEniRecord(ni, opts, where);
      // Overlapping pages (a retried page) must not double an interface.
      if (seen.has(rec.interface_id)) return;
      seen.add(rec.interface_id);
      out.push(rec);
    });
  });
  return out;
}

import type { Cidr } from './cidr';
import type { QueryEngine } from './engine';
import { nameEntities } from './entities';
import { type Finding, rowToFinding } from './finding';
import { type Detection, type DetectionSettings, renderDetection } from './registry';
import { DEFAULT_PARTITION_SLACK_SECONDS, partitionBounds, type TimeWindow } from './window';

/** Threshold and list overrides keyed by detection id (ids without an entry use the defaults). */
export type DetectionSettingsById = Readonly<Record<string, DetectionSettings>>;

export interface RunDetectionsOptions {
  readonly settings?: DetectionSettingsById;
  /** Internal address space; defaults to DEFAULT_INTERNAL_CIDRS. */
  readonly internalCidrs?: readonly Cidr[];
  /** Extra partitions read after the window's end (files land after their records start). */
  readonly partitionSlackSeconds?: number;
  /** Detections run at once (1 for DuckDB; Athena can run several). Default 1. */
  readonly concurrency?: number;
  /** Name the entity behind findings with an interface_id from eni_inventory (default true). */
  readonly nameEntities?: boolean;
  /** Called after each detection finishes, e.g. for progress output. */
  readonly onDetectionDone?: (stat: DetectionRunStat) => void;
}

export interface DetectionRunError {
  readonly detection: string;
  readonly message: string;
}

export interface DetectionRunStat {
  readonly detection: string;
  readonly ok: boolean;
  readonly findings: number;
  readonly durationMs?: number;
  readonly bytesScanned?: number;
  readonly queryId?: string;
}

export interface RunDetectionsResult {
  readonly findings: Finding[];
  readonly errors: DetectionRunError[];
  readonly stats: {
    readonly detections: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly findings: number;
    /** Sum over the queries that reported it (Athena, Trino). */
    readonly bytesScanned?: number;
    readonly perDetection: DetectionRunStat[];
    /** Findings named from eni_inventory after the detections ran, and why none were if it failed. */
    readonly entities?: { readonly named: number; readonly error?: string };
  };
}

interface Outcome {
  readonly findings: Finding[];
  readonly error?: DetectionRunError;
  readonly stat: DetectionRunStat;
}

async function runOne(
  engine: QueryEngine,
  d: Detection,
  window: TimeWindow,
  options: RunDetectionsOptions,
): Promise<Outcome> {
  const id = d.meta.id;
  try {
    const { dtStart, dtEnd } = partitionBounds(
      window,
      engine.partitionGranularity,
      options.partitionSlackSeconds ?? DEFAULT_PARTITION_SLACK_SECONDS,
    );
    const rendered = renderDetection(
      d,
      { windowStart: window.start, windowEnd: window.end, dtStart, dtEnd },
      { settings: options.settings?.[id], internalCidrs: options.internalCidrs },
    );
    const result = await engine.query(rendered.sql, rendered.params, { label: id });
    const findings = result.rows.map((row) => rowToFinding(d, row, window));
    return {
      findings,
      stat: {
        detection: id,
        ok: true,
        findings: findings.length,
        durationMs: result.stats.durationMs,
        bytesScanned: result.stats.bytesScanned,
        queryId: result.stats.queryId,
      },
    };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      findings: [],
      error: { detection: id, message },
      stat: { detection: id, ok: false, findings: 0 },
    };
  }
}

/**
 * Run each detection over one window. A detection that fails (bad settings, SQL error, a key
 * field missing from its result) is reported in `errors` and the others still run.
 * Findings come back in the order of `detections`, each detection's rows in its ORDER BY.
 */
export async function runDetections(
  engine: QueryEngine,
  detections: readonly Detection[],
  window: TimeWindow,
  options: RunDetectionsOptions = {},
): Promise<RunDetectionsResult> {
  if (!(window.end > window.start))
    throw new Error(`invalid window: end (${window.end}) must be after start (${window.start})`);
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const outcomes: Outcome[] = new Array(detections.length);
  let next = 0;
  const worker = async () => {
    while (next < detections.length) {
      const i = next++;
      const o = await runOne(engine, detections[i]!, window, options);
      outcomes[i] = o;
      options.onDetectionDone?.(o.stat);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, detections.length) }, worker));

  let findings = outcomes.flatMap((o) => o.findings);
  let entities: { named: number; error?: string } | undefined;
  if (options.nameEntities ?? true) {
    const r = await nameEntities(engine, findings, window.start);
    findings = r.findings;
    entities = { named: r.named, ...(r.error ? { error: r.error } : {}) };
  }
  const errors = outcomes.flatMap((o) => (o.error ? [o.error] : []));
  const perDetection = outcomes.map((o) => o.stat);
  const scanned = perDetection.filter((s) => s.bytesScanned !== undefined);
  return {
    findings,
    errors,
    stats: {
      detections: detections.length,
      succeeded: detections.length - errors.length,
      failed: errors.length,
      findings: findings.length,
      bytesScanned: scanned.length > 0 ? scanned.reduce((a, s) => a + (s.bytesScanned ?? 0), 0) : undefined,
      perDetection,
      entities,
    },
  };
}

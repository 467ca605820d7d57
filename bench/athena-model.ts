import { FLOW_LOG_FIELDS } from '../lib/detection/fields';
import { type Detection, renderDetection } from '../lib/detection/registry';
import { partitionBounds, scheduledWindow } from '../lib/detection/window';
import {
  bytesPerRunUnpartitioned,
  monthlyCostUsd,
  partitionShareAt,
  referencedColumns,
  runsPerDay,
  scheduledRunTimes,
  type VolumeScale,
  volumeFactor,
} from './cost';

/** What the local data set holds, per hourly `dt` partition. */
export interface LocalLayout {
  /** Compressed text bytes (.log.gz) per partition. */
  readonly textBytes: ReadonlyMap<string, number>;
  /** Parquet compressed bytes per partition and column; undefined when there is no Parquet copy. */
  readonly parquetColumnBytes?: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Uncompressed text bytes of the whole data set. */
  readonly rawBytes: number;
  /** Unix seconds covered by the records (steady traffic over the span). */
  readonly span: { readonly start: number; readonly end: number };
}

export interface DetectionCost {
  readonly id: string;
  readonly schedule: string;
  readonly lookback: string;
  readonly runsPerDay: number;
  /** Columns a run reads: from DuckDB's plan when given, else the names in the rendered SQL. */
  readonly columns: readonly string[];
  /** Column names found in the rendered SQL text (a cross-check of the plan's). */
  readonly sqlColumns: readonly string[];
  /** Scheduled runs that fitted inside the local data and were averaged. */
  readonly runsModelled: number;
  /** Average partitions (hours, fractional for the one being written) a run reads. */
  readonly partitionsPerRun: number;
  /** Bytes per run at each daily volume (keyed by the volume in bytes/day). */
  readonly perVolume: ReadonlyMap<
    number,
    { text: number; parquet?: number; unpartitionedText: number; unpartitionedParquet?: number }
  >;
}

/** `yyyy/MM/dd/HH` -> Unix seconds of that hour's start. */
export function hourStartOfDt(dt: string): number {
  const m = /^(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})$/.exec(dt);
  if (!m) throw new Error(`'${dt}' is not an hourly dt partition (yyyy/MM/dd/HH)`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4])) / 1000;
}

function sumColumns(cols: ReadonlyMap<string, number> | undefined, wanted: readonly string[]): number {
  if (!cols) return 0;
  return wanted.reduce((s, c) => s + (cols.get(c) ?? 0), 0);
}

/**
 * Bytes each detection reads per scheduled run, averaged over every scheduled run time whose
 * window fits inside the local data (at least `lookback` + delay + 1 h of it), scaled to each daily volume. A run at time T reads the
 * partitions its rendered SQL selects (`dt BETWEEN :dt_start AND :dt_end`), each only as far as
 * it has been written by T; on Parquet only the column chunks the SQL names.
 */
export function modelDetectionCosts(
  detections: readonly Detection[],
  layout: LocalLayout,
  dailyVolumes: readonly number[],
  deliveryDelaySeconds: number,
  retentionDays: number,
  planColumns?: ReadonlyMap<string, readonly string[]>,
): DetectionCost[] {
  const dts = [...layout.textBytes.keys()].sort();
  if (dts.length === 0) throw new Error('no hourly partitions in the local data');
  const starts = dts.map(hourStartOfDt);
  const localHours = (layout.span.end - layout.span.start) / 3600;
  const allColumns = FLOW_LOG_FIELDS.map((f) => f.column);
  const totalText = [...layout.textBytes.values()].reduce((a, b) => a + b, 0);
  return detections.map((d) => {
    const probe = renderDetection(d, { windowStart: 0, windowEnd: 1, dtStart: 'a', dtEnd: 'b' });
    const sqlColumns = referencedColumns(probe.sql, allColumns);
    const columns = planColumns?.get(d.meta.id) ?? sqlColumns;
    // Runs whose window starts a full hour into the data (so its first partition is complete)
    // and that happen before the data ends (the current hour is written up to the run time).
    const runs = scheduledRunTimes(
      d.meta.schedule,
      layout.span.start + 3600 + d.lookbackSeconds + deliveryDelaySeconds,
      layout.span.end,
    );
    let text = 0;
    let parquet = 0;
    let partitions = 0;
    for (const t of runs) {
      const { dtStart, dtEnd } = partitionBounds(
        scheduledWindow(new Date(t * 1000), d.lookbackSeconds, deliveryDelaySeconds),
        'hour',
      );
      dts.forEach((dt, i) => {
        if (dt < dtStart || dt > dtEnd) return;
        const share = partitionShareAt(starts[i]!, t);
        partitions += share;
        text += share * layout.textBytes.get(dt)!;
        parquet += share * sumColumns(layout.parquetColumnBytes?.get(dt), columns);
      });
    }
    const n = Math.max(1, runs.length);
    let parquetAll = 0;
    for (const cols of layout.parquetColumnBytes?.values() ?? []) parquetAll += sumColumns(cols, columns);
    const perVolume = new Map<
      number,
      { text: number; parquet?: number; unpartitionedText: number; unpartitionedParquet?: number }
    >();
    for (const v of dailyVolumes) {
      const scale: VolumeScale = { localRawBytes: layout.rawBytes, localHours, dailyRawBytes: v };
      const f = volumeFactor(scale);
      perVolume.set(v, {
        text: (text / n) * f,
        parquet: layout.parquetColumnBytes ? (parquet / n) * f : undefined,
        unpartitionedText: bytesPerRunUnpartitioned(totalText, scale, retentionDays),
        unpartitionedParquet: layout.parquetColumnBytes
          ? bytesPerRunUnpartitioned(parquetAll, scale, retentionDays)
          : undefined,
      });
    }
    return {
      id: d.meta.id,
      schedule: d.meta.schedule,
      lookback: d.meta.lookback,
      runsPerDay: runsPerDay(d.meta.schedule),
      columns,
      sqlColumns,
      runsModelled: runs.length,
      partitionsPerRun: partitions / n,
      perVolume,
    };
  });
}

export function monthly(bytesEachRun: number | undefined, runsEachDay: number): number | undefined {
  return bytesEachRun === undefined ? undefined : monthlyCostUsd(bytesEachRun, runsEachDay);
}

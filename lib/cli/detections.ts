import { formatDuration } from '../detection/duration';
import { loadDetections } from '../detection/registry';
import { EXIT_OK } from './errors';
import { colorsFor, renderTable, severityColor } from './format';
import type { Io } from './io';
import { parseFormat } from './options';

/** `flowwatch detections`: what ships, with severity, schedule, window and MITRE technique. */
export async function detectionsCommand(flags: { format?: string }, io: Io): Promise<number> {
  const format = parseFormat(flags.format ?? 'table');
  const all = loadDetections();
  if (format === 'json') {
    for (const d of all)
      io.out(
        JSON.stringify({
          id: d.meta.id,
          title: d.meta.title,
          severity: d.meta.severity,
          schedule: d.meta.schedule,
          lookback: d.meta.lookback,
          suppression: formatDuration(d.suppressionSeconds),
          mitre: d.meta.mitre.map((m) => m.technique),
          key_fields: d.meta.key_fields,
          thresholds: Object.fromEntries(Object.entries(d.meta.thresholds).map(([k, t]) => [k, t.default])),
          tags: d.meta.tags,
        }),
      );
    return EXIT_OK;
  }
  const c = colorsFor(io.stdout);
  const rows = all.map((d) => [
    d.meta.id,
    d.meta.severity,
    d.meta.schedule,
    d.meta.lookback,
    d.meta.mitre.map((m) => m.technique).join(','),
    d.meta.title,
  ]);
  io.out(
    renderTable(['ID', 'SEVERITY', 'SCHEDULE', 'LOOKBACK', 'MITRE', 'TITLE'], rows, {
      colors: c,
      style: (ri, col, cell) => (col === 1 ? severityColor(c, all[ri]!.meta.severity)(cell) : cell),
    }),
  );
  io.out(`\n${all.length} detections in sql/detections/ (metadata, SQL and fixtures per file)`);
  return EXIT_OK;
}

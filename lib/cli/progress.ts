import type { SingleBar } from 'cli-progress';

/** A progress bar on stderr, or nothing (quiet, piped stderr, or too little work to be worth one). */
export interface Progress {
  update(done: number, total: number, label: string): void;
  stop(): void;
}

export const NO_PROGRESS: Progress = { update() {}, stop() {} };

/** Below this many files a load is quick enough that a bar would only flicker. */
export const PROGRESS_MIN_FILES = 20;

export function createProgress(enabled: boolean, minTotal = PROGRESS_MIN_FILES): Progress {
  if (!enabled) return NO_PROGRESS;
  let bar: SingleBar | undefined;
  let phase = '';
  return {
    update(done, total, label) {
      if (total < minTotal && !bar) return;
      if (!bar || phase !== label) {
        bar?.stop();
        // Lazy: only an interactive run with many files pays for loading cli-progress.
        const { SingleBar: Bar, Presets } = require('cli-progress') as typeof import('cli-progress');
        bar = new Bar(
          {
            stream: process.stderr,
            format: `${label.padEnd(10)} [{bar}] {value}/{total} {percentage}% eta {eta_formatted}`,
            hideCursor: true,
            clearOnComplete: true,
            etaBuffer: 20,
          },
          Presets.shades_classic,
        );
        bar.start(total, done);
        phase = label;
      } else bar.update(done);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** Progress is shown only to a person: stderr is a terminal and --quiet was not given. */
export function progressWanted(quiet: boolean | undefined): boolean {
  return !quiet && Boolean(process.stderr.isTTY);
}

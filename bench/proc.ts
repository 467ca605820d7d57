import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

/** GNU time, when installed: it reports the child's peak RSS (max over the process tree's waited children). */
export const GNU_TIME = '/usr/bin/time';

export interface Measured {
  readonly wallMs: number;
  /** Peak resident set size in bytes, or undefined when it could not be read. */
  readonly peakRssBytes?: number;
  /** How the peak RSS was read: GNU time -v, /proc VmHWM polling, or not at all. */
  readonly rssSource: 'gnu-time' | 'proc-vmhwm' | 'none';
  /** User + system CPU time of the child (all its threads), from GNU time; undefined without it. */
  readonly cpuMs?: number;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface MeasureOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Send stdout to /dev/null instead of capturing it (for commands that write a lot). */
  readonly discardStdout?: boolean;
  /** Use GNU time when present (default true); false forces /proc polling (for tests). */
  readonly useGnuTime?: boolean;
}

/**
 * Parse the "Maximum resident set size (kbytes)" and exit status lines of `time -v` output.
 * GNU time writes its report after the child's own stderr, so the last match wins.
 */
export function parseGnuTimeReport(stderr: string): {
  peakRssBytes?: number;
  cpuMs?: number;
  childStderr: string;
} {
  const idx = stderr.lastIndexOf('\tCommand being timed:');
  const report = idx === -1 ? stderr : stderr.slice(idx);
  const childStderr = idx === -1 ? stderr : stderr.slice(0, idx);
  const m = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(report);
  const user = /User time \(seconds\):\s*([\d.]+)/.exec(report);
  const sys = /System time \(seconds\):\s*([\d.]+)/.exec(report);
  const cpuMs = user && sys ? Math.round((Number(user[1]) + Number(sys[1])) * 1000) : undefined;
  return { peakRssBytes: m ? Number(m[1]) * 1024 : undefined, cpuMs, childStderr };
}

/** VmHWM (peak RSS) of a live process from /proc/<pid>/status, in bytes; undefined when gone. */
export function readVmHwm(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s*(\d+)\s*kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Run a command (no shell) and measure its wall time and peak RSS. Uses GNU `time -v` when it
 * exists; otherwise polls /proc/<pid>/status VmHWM every 50 ms (the kernel keeps the high-water
 * mark, so polling only misses a peak reached in the last interval before exit).
 */
export function runMeasured(
  cmd: string,
  args: readonly string[],
  opts: MeasureOptions = {},
): Promise<Measured> {
  const gnuTime = (opts.useGnuTime ?? true) && existsSync(GNU_TIME);
  const [file, argv] = gnuTime ? [GNU_TIME, ['-v', cmd, ...args]] : [cmd, [...args]];
  const devNull = opts.discardStdout ? openSync('/dev/null', 'w') : undefined;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(file, argv, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', devNull ?? 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    let polled: number | undefined;
    const poll =
      gnuTime || child.pid === undefined
        ? undefined
        : setInterval(() => {
            const v = readVmHwm(child.pid!);
            if (v !== undefined) polled = Math.max(polled ?? 0, v);
          }, 50);
    child.on('error', (e) => {
      if (poll) clearInterval(poll);
      if (devNull !== undefined) closeSync(devNull);
      reject(new Error(`cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (poll) clearInterval(poll);
      if (devNull !== undefined) closeSync(devNull);
      const exitCode = code ?? (signal ? 128 : 1);
      if (gnuTime) {
        const { peakRssBytes, cpuMs, childStderr } = parseGnuTimeReport(stderr);
        resolve({
          wallMs,
          peakRssBytes,
          cpuMs,
          rssSource: 'gnu-time',
          exitCode,
          stdout,
          stderr: childStderr,
        });
      } else {
        resolve({
          wallMs,
          peakRssBytes: polled,
          rssSource: polled === undefined ? 'none' : 'proc-vmhwm',
          exitCode,
          stdout,
          stderr,
        });
      }
    });
  });
}

/** Run and throw (with the tail of stderr) unless the command exits 0. */
export async function runChecked(
  cmd: string,
  args: readonly string[],
  opts: MeasureOptions = {},
): Promise<Measured> {
  const r = await runMeasured(cmd, args, opts);
  if (r.exitCode !== 0)
    throw new Error(
      `${cmd} ${args.slice(0, 3).join(' ')}${args.length > 3 ? ' ...' : ''} exited ${r.exitCode}: ${r.stderr.trim().slice(-2000)}`,
    );
  return r;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of an empty list');
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

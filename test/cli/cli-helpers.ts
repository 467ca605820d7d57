import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const ROOT = join(__dirname, '..', '..');
/** The package's bin entry, exactly what `npx flowwatch` runs (it loads dist/, built by jest's global setup). */
export const BIN = join(ROOT, 'bin', 'flowwatch.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Spawn `flowwatch <args>` as a separate process, stdout and stderr piped (not a TTY). */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parse JSON Lines, failing with the offending line. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${l}`);
      }
    });
}

/** Every .log.gz under a folder. */
export function gzFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.log.gz')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Data lines (header dropped) of every generated file, split into fields. */
export function readRecords(dir: string): string[][] {
  const rows: string[][] = [];
  for (const f of gzFiles(dir)) {
    const lines = gunzipSync(readFileSync(f)).toString('utf8').split('\n');
    for (const l of lines.slice(1)) if (l) rows.push(l.split(' '));
  }
  return rows;
}

export function iso(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

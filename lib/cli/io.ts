/** Where a command writes; the real process streams, kept behind one seam. */
export interface Io {
  /** A line of results (stdout). */
  out(line: string): void;
  /** A line of diagnostics: warnings, progress text, errors (stderr). */
  err(line: string): void;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  stdout: process.stdout,
  stderr: process.stderr,
};

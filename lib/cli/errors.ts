/** Exit codes of the `flowwatch` command (the CLI contract in issue 2). */
export const EXIT_OK = 0;
/** Findings at or above `--fail-on`. */
export const EXIT_FINDINGS = 1;
/** Usage error or fatal input error (bad option, missing path, unknown detection or field). */
export const EXIT_USAGE = 2;

/** An error the user can fix by changing the command line; printed without a stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

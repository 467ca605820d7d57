export interface LoadIssue {
  file: string;
  line?: number;
  message: string;
}

export interface LoadReport {
  /** Files read (including partially read ones). */
  files: number;
  /** Rows loaded into the table. */
  rows: number;
  /** Malformed lines skipped (wrong field count, non-numeric number field, ...). */
  skippedLines: number;
  /** One per problem; the stored list is capped at {@link MAX_ISSUES}, the counts are not. */
  issues: LoadIssue[];
  /** Files whose gzip/parquet could not be (fully) read. */
  corruptFiles: string[];
}

export const MAX_ISSUES = 1000;

/** Collects a LoadReport; the issue list stops growing at MAX_ISSUES but nothing stops counting. */
export class ReportBuilder {
  readonly report: LoadReport = { files: 0, rows: 0, skippedLines: 0, issues: [], corruptFiles: [] };
  /** Issues not stored because the list was full. */
  droppedIssues = 0;

  /** `always`: a file-level problem, stored even when the list is full of line-level ones. */
  issue(file: string, line: number | undefined, message: string, always = false): void {
    if (this.report.issues.length >= MAX_ISSUES && !always) {
      this.droppedIssues++;
      return;
    }
    const where = line === undefined ? file : `${file}:${line}`;
    this.report.issues.push(
      line === undefined
        ? { file, message: `${where}: ${message}` }
        : { file, line, message: `${where}: ${message}` },
    );
  }

  /** A malformed line: counted and reported. */
  skipLine(file: string, line: number, message: string): void {
    this.report.skippedLines++;
    this.issue(file, line, message);
  }

  corrupt(file: string, message: string, line?: number): void {
    if (!this.report.corruptFiles.includes(file)) this.report.corruptFiles.push(file);
    this.issue(file, line, message, true);
  }

  finish(): LoadReport {
    if (this.droppedIssues > 0) {
      this.report.issues.push({ file: '', message: `... and ${this.droppedIssues} more issues not listed` });
    }
    return this.report;
  }
}

/** What happened to one id. */
export type IdOutcome =
  | { kind: 'refreshed' }
  | { kind: 'not-found' }
  | { kind: 'skipped' }
  | { kind: 'failed'; code: string; message: string };

export interface WarmFailure {
  id: string;
  /** The gateway's stable error code (`VALIDATION_ERROR` for an id the kind never accepts). */
  code: string;
  message: string;
}

export interface WarmCounts {
  /** Unique ids read. */
  total: number;
  refreshed: number;
  notFound: number;
  failed: number;
  skipped: number;
  /** Ids not finished because the run was interrupted. */
  notAttempted: number;
  /** Repeated lines of the id list, warmed once. */
  duplicates: number;
  /** Refreshed entries that Redis did not take (Redis down or too slow): they are not in the shared cache. */
  cacheWriteFailures: number;
}

export interface WarmSummary {
  source: string;
  counts: WarmCounts;
  failures: WarmFailure[];
  elapsedMs: number;
  interrupted: boolean;
}

export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_FAILED = 2;
export const EXIT_INTERRUPTED = 130;

/** Counts of a run in progress; `snapshot` freezes them. */
export class WarmTally {
  refreshed = 0;
  notFound = 0;
  skipped = 0;
  readonly failures: WarmFailure[] = [];

  constructor(
    readonly total: number,
    readonly duplicates = 0,
  ) {}

  get failed(): number {
    return this.failures.length;
  }

  /** Ids with an outcome so far. */
  get done(): number {
    return this.refreshed + this.notFound + this.skipped + this.failures.length;
  }

  private frozen = false;

  /** Ignores outcomes recorded from now on (ids abandoned when the run was stopped). */
  freeze(): void {
    this.frozen = true;
  }

  record(id: string, outcome: IdOutcome): void {
    if (this.frozen) return;
    switch (outcome.kind) {
      case 'refreshed':
        this.refreshed += 1;
        return;
      case 'not-found':
        this.notFound += 1;
        return;
      case 'skipped':
        this.skipped += 1;
        return;
      case 'failed':
        this.failures.push({ id, code: outcome.code, message: outcome.message });
        return;
    }
  }

  snapshot(run: { source: string; elapsedMs: number; interrupted: boolean; cacheWriteFailures: number }): WarmSummary {
    return {
      source: run.source,
      counts: {
        total: this.total,
        refreshed: this.refreshed,
        notFound: this.notFound,
        failed: this.failures.length,
        skipped: this.skipped,
        notAttempted: this.total - this.done,
        duplicates: this.duplicates,
        cacheWriteFailures: run.cacheWriteFailures,
      },
      failures: [...this.failures],
      elapsedMs: Math.round(run.elapsedMs),
      interrupted: run.interrupted,
    };
  }
}

export const EXIT_TERMINATED = 143;

/**
 * `interruptedCode` when interrupted (130 for SIGINT, 143 for SIGTERM); 2 when any id failed or a refreshed entry
 * did not reach Redis; else 0.
 */
export function exitCodeOf(summary: WarmSummary, interruptedCode = EXIT_INTERRUPTED): number {
  if (summary.interrupted) return interruptedCode;
  if (summary.counts.failed > 0 || summary.counts.cacheWriteFailures > 0) return EXIT_FAILED;
  return EXIT_OK;
}

/** `--json`: the summary and its exit code as one line. */
export function summaryJson(summary: WarmSummary, exitCode = exitCodeOf(summary)): string {
  return JSON.stringify({ ...summary, exitCode }) + '\n';
}

/** Failures listed in the text summary; `--json` lists all. */
const LISTED_FAILURES = 100;

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1_000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** An id as printed: plain when it is visible ASCII, else quoted (spaces, unicode and control characters shown). */
export function displayId(id: string): string {
  return /^[\x21-\x7e]+$/.test(id) ? id : JSON.stringify(id);
}

/** The text summary: counts, then the failed ids with their codes. */
export function formatSummary(summary: WarmSummary): string {
  const c = summary.counts;
  const lines = [
    `${summary.interrupted ? 'Interrupted' : 'Done'}: warmed source ${summary.source} in ${formatDuration(summary.elapsedMs)}`,
    `  refreshed ${c.refreshed}, not found ${c.notFound}, failed ${c.failed}, skipped ${c.skipped} of ${c.total} ids` +
      (c.notAttempted > 0 ? `, ${c.notAttempted} not attempted` : '') +
      (c.duplicates > 0 ? ` (${c.duplicates} duplicate lines ignored)` : ''),
  ];
  if (c.cacheWriteFailures > 0) lines.push(`  ${c.cacheWriteFailures} refreshed entries could not be written to Redis`);
  if (summary.failures.length > 0) {
    lines.push('Failed ids:');
    for (const failure of summary.failures.slice(0, LISTED_FAILURES)) lines.push(`  ${displayId(failure.id)}  ${failure.code}  ${failure.message}`);
    if (summary.failures.length > LISTED_FAILURES) lines.push(`  … and ${summary.failures.length - LISTED_FAILURES} more (--json lists all)`);
  }
  return lines.join('\n') + '\n';
}

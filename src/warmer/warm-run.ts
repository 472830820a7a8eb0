import { type CacheWarmerOptions, warmIds } from './cache-warmer.js';
import type { CommandIo } from './command-io.js';
import type { IdList } from './id-list.js';
import { createProgress } from './warm-progress.js';
import { EXIT_INTERRUPTED, EXIT_TERMINATED, exitCodeOf, formatDuration, formatSummary, summaryJson, type WarmTally } from './warm-summary.js';
import type { Clock } from './worker-pool.js';

/** What the in-process run and the run through a gateway (`--gateway`) each bring to the one way a run goes. */
export interface WarmPlan {
  source: string;
  list: IdList;
  /** How long ids in flight may finish after an interrupt. */
  graceMs: number;
  /** What a pause waits for, in its progress note (`upstream rate limit of source crm`). */
  pauseReason: string;
  pool: Omit<CacheWarmerOptions, 'source' | 'signal' | 'graceMs' | 'clock' | 'onOutcome' | 'onPause'>;
}

/**
 * Warms the plan's ids with progress on stderr. An interrupt (`io.signal`) starts no more ids and lets those in flight
 * finish within the grace period; ids still in flight then are not counted.
 * @returns whether the run was interrupted: the signal came before every id was done (one after interrupts nothing)
 */
export async function runWarm(plan: WarmPlan, tally: WarmTally, io: CommandIo, clock: Clock): Promise<boolean> {
  const progress = createProgress({
    source: plan.source,
    total: plan.list.ids.length,
    stream: io.stderr,
    clock,
    ...(io.progressIntervalMs !== undefined ? { intervalMs: io.progressIntervalMs } : {}),
  });
  const onInterrupt = (): void => progress.note(`warm: interrupted: starting no more ids; ids in flight get up to ${formatDuration(plan.graceMs)} to finish`);
  io.signal?.addEventListener('abort', onInterrupt, { once: true });
  try {
    await warmIds(
      plan.list.ids,
      {
        ...plan.pool,
        source: plan.source,
        ...(io.signal ? { signal: io.signal } : {}),
        graceMs: plan.graceMs,
        clock,
        onOutcome: (_id, _outcome, current) => progress.update(current),
        onPause: (resumeAtMs) =>
          progress.note(`warm: ${plan.pauseReason}: pausing until ${new Date(resumeAtMs).toISOString()} (${formatDuration(Math.max(0, resumeAtMs - clock.now()))})`),
      },
      tally,
    );
  } finally {
    // Ids abandoned in flight may still settle later; they are not counted.
    tally.freeze();
    io.signal?.removeEventListener('abort', onInterrupt);
    progress.stop(tally);
  }
  return io.signal?.aborted === true && tally.done < tally.total;
}

/** The exit code of a run the signal interrupted: 143 for SIGTERM, 130 otherwise. */
export function interruptedExitCode(signal: AbortSignal | undefined): number {
  return signal?.reason === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED;
}

/** Writes the run's summary to stdout (text, or JSON with `--json`) and returns the command's exit code. */
export function reportWarm(
  tally: WarmTally,
  run: { source: string; elapsedMs: number; interrupted: boolean; cacheWriteFailures: number; json: boolean },
  io: CommandIo,
): number {
  const summary = tally.snapshot({ source: run.source, elapsedMs: run.elapsedMs, interrupted: run.interrupted, cacheWriteFailures: run.cacheWriteFailures });
  const code = exitCodeOf(summary, interruptedExitCode(io.signal));
  io.stdout.write(run.json ? summaryJson(summary, code) : formatSummary(summary));
  return code;
}

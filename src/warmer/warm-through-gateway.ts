import { warmIds } from './cache-warmer.js';
import type { CommandIo } from './command-io.js';
import { GatewayProfileReader } from './gateway-profile-reader.js';
import { IdInputError, type IdList, readIdList } from './id-list.js';
import type { WarmArgs } from './warm-args.js';
import { createProgress } from './warm-progress.js';
import { EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_USAGE, exitCodeOf, formatDuration, formatSummary, summaryJson, WarmTally } from './warm-summary.js';
import { systemClock } from './worker-pool.js';

/** How long ids in flight may finish after an interrupt: the longest lookup the gateway lets a caller wait, and more. */
const GRACE_MS = 15_000;

/**
 * `warm --gateway <url> --source <name> --ids <file|->`: the same run as the in-process warmer (pool, progress,
 * summary, exit codes), but every id is a `Cache-Control: no-cache` lookup sent to a running gateway with the caller
 * key of `GATEWAY_API_KEY`. It needs no configuration file and no Redis credentials, and warms whatever cache that
 * gateway has (memory-only included: then only the instance that answered). Returns the exit code.
 */
export async function warmThroughGateway(warm: WarmArgs & { gateway: string }, io: CommandIo): Promise<number> {
  const clock = io.clock ?? systemClock;
  let list: IdList;
  try {
    list = await readIdList(warm.ids, io.stdin);
  } catch (error) {
    if (!(error instanceof IdInputError)) throw error;
    io.stderr.write(`warm: ${error.message}\n`);
    return EXIT_USAGE;
  }
  const apiKey = io.env.GATEWAY_API_KEY?.trim();
  if (!apiKey) io.stderr.write('warm: GATEWAY_API_KEY is not set: sending no caller key (fine only where caller auth is disabled)\n');
  const reader = new GatewayProfileReader({ baseUrl: warm.gateway, apiKey, clock });

  const tally = new WarmTally(list.ids.length, list.duplicates);
  const startedAt = clock.now();
  const progress = createProgress({
    source: warm.source,
    total: list.ids.length,
    stream: io.stderr,
    clock,
    ...(io.progressIntervalMs !== undefined ? { intervalMs: io.progressIntervalMs } : {}),
  });
  const onInterrupt = (): void => progress.note(`warm: interrupted: starting no more ids; ids in flight get up to ${formatDuration(GRACE_MS)} to finish`);
  io.signal?.addEventListener('abort', onInterrupt, { once: true });
  try {
    await warmIds(
      list.ids,
      {
        source: warm.source,
        profiles: reader,
        by: warm.by,
        ...(warm.purgeFirst && { purger: reader }),
        concurrency: warm.concurrency,
        onlyMissing: warm.onlyMissing,
        rateLimitedUntil: () => reader.blockedUntil(),
        ...(io.signal ? { signal: io.signal } : {}),
        graceMs: GRACE_MS,
        clock,
        onOutcome: (_id, _outcome, current) => progress.update(current),
        onPause: (resumeAtMs) =>
          progress.note(`warm: rate limit of the caller key or the upstream: pausing until ${new Date(resumeAtMs).toISOString()} (${formatDuration(Math.max(0, resumeAtMs - clock.now()))})`),
      },
      tally,
    );
  } finally {
    tally.freeze();
    io.signal?.removeEventListener('abort', onInterrupt);
    progress.stop(tally);
  }
  const interrupted = io.signal?.aborted === true && tally.done < tally.total;
  const summary = tally.snapshot({ source: warm.source, elapsedMs: clock.now() - startedAt, interrupted, cacheWriteFailures: 0 });
  const code = exitCodeOf(summary, io.signal?.reason === 'SIGTERM' ? EXIT_TERMINATED : EXIT_INTERRUPTED);
  io.stdout.write(warm.json ? summaryJson(summary, code) : formatSummary(summary));
  return code;
}

import type { CommandIo } from './command-io.js';
import { GatewayProfileReader } from './gateway-profile-reader.js';
import { IdInputError, type IdList, readIdList } from './id-list.js';
import type { WarmArgs } from './warm-args.js';
import { reportWarm, runWarm, type WarmPlan } from './warm-run.js';
import { EXIT_USAGE, WarmTally } from './warm-summary.js';
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
  const plan: WarmPlan = {
    source: warm.source,
    list,
    graceMs: GRACE_MS,
    pauseReason: 'rate limit of the caller key or the upstream',
    pool: {
      profiles: reader,
      by: warm.by,
      ...(warm.purgeFirst && { purger: reader }),
      concurrency: warm.concurrency,
      onlyMissing: warm.onlyMissing,
      rateLimitedUntil: () => reader.blockedUntil(),
    },
  };
  const interrupted = await runWarm(plan, tally, io, clock);
  return reportWarm(tally, { source: warm.source, elapsedMs: clock.now() - startedAt, interrupted, cacheWriteFailures: 0, json: warm.json }, io);
}

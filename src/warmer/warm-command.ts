import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Logger } from 'pino';

import { ProfilesService } from '../api/profiles.service.js';
import { PurgeService } from '../api/purge.service.js';
import type { ProfileCache } from '../cache/index.js';
import { ConfigError, loadConfig } from '../config/config.loader.js';
import type { GatewayConfig } from '../config/config.types.js';
import { GatewayCoreModule } from '../gateway-core.module.js';
import { createLogger } from '../logger.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { ADAPTER_KINDS, type SourceRegistry, validateKindOptions } from '../sources/source-registry.js';
import { PROFILE_CACHE, SOURCE_REGISTRY } from '../tokens.js';
import type { CommandIo } from './command-io.js';
import { IdInputError, type IdList, readIdList } from './id-list.js';
import { parseWarmArgs, UsageError, WARM_USAGE, type WarmArgs } from './warm-args.js';
import { interruptedExitCode, reportWarm, runWarm, type WarmPlan } from './warm-run.js';
import { EXIT_OK, EXIT_USAGE, WarmTally } from './warm-summary.js';
import { warmThroughGateway } from './warm-through-gateway.js';
import { type Clock, systemClock } from './worker-pool.js';

export type { CommandIo } from './command-io.js';

const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 10_000;

/** A problem that ends the command with exit code 1 before any id is warmed. */
class SetupError extends Error {}

/**
 * `warm --source <name> --ids <file|->`: refreshes the listed profiles of one source into the shared cache with the
 * gateway's own services (no HTTP hop, no caller key). Returns the exit code.
 */
export async function runWarmCommand(args: readonly string[], io: CommandIo): Promise<number> {
  let warm: WarmArgs;
  try {
    const parsed = parseWarmArgs(args);
    if (parsed.help) {
      io.stdout.write(WARM_USAGE);
      return EXIT_OK;
    }
    warm = parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`warm: ${error.message}\n\n${WARM_USAGE}`);
    return EXIT_USAGE;
  }

  if (warm.gateway !== undefined) return warmThroughGateway({ ...warm, gateway: warm.gateway }, io);

  let config: GatewayConfig;
  try {
    config = loadConfig({ env: io.env, kinds: ADAPTER_KINDS, validateKindOptions });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const p of error.problems) io.stderr.write(`${p.path}: ${p.message}\n`);
    return EXIT_USAGE;
  }

  try {
    return await warmSource(warm, config, io);
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    io.stderr.write(`warm: ${error.message}\n`);
    return EXIT_USAGE;
  }
}

async function warmSource(warm: WarmArgs, config: GatewayConfig, io: CommandIo): Promise<number> {
  const clock = io.clock ?? systemClock;
  const sourceConfig = config.sources.find((s) => s.name === warm.source);
  if (!sourceConfig) {
    throw new SetupError(`--source ${warm.source} is not a configured source (configured: ${config.sources.map((s) => s.name).join(', ')})`);
  }
  const redis = config.cache.redis;
  if (!redis) throw new SetupError('cache.redis is not configured: there is no shared cache to warm');

  let list: IdList;
  try {
    list = await readIdList(warm.ids, io.stdin);
  } catch (error) {
    if (error instanceof IdInputError) throw new SetupError(error.message);
    throw error;
  }

  let concurrency = warm.concurrency;
  if (concurrency > sourceConfig.maxConcurrency) {
    concurrency = sourceConfig.maxConcurrency;
    io.stderr.write(`warm: --concurrency ${warm.concurrency} is above the maxConcurrency of source ${sourceConfig.name}: using ${concurrency}\n`);
  }

  const logger = createLogger(config.log.level, io.stderr);
  const context = await createCoreContext(config, logger);
  const cache = context.get<ProfileCache>(PROFILE_CACHE);
  const registry = context.get<SourceRegistry>(SOURCE_REGISTRY);

  const tally = new WarmTally(list.ids.length, list.duplicates);
  const startedAt = clock.now();
  let interrupted: boolean;
  try {
    if (!(await redisConnected(cache, clock, io.redisConnectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS, io.signal))) {
      if (io.signal?.aborted) return interruptedExitCode(io.signal);
      throw new SetupError('Redis (cache.redis) is not reachable: nothing would reach the shared cache');
    }
    const runtime = registry.get(sourceConfig.name);
    const plan: WarmPlan = {
      source: sourceConfig.name,
      list,
      graceMs: sourceConfig.timeoutMs + 1_000,
      pauseReason: `upstream rate limit of source ${sourceConfig.name}`,
      pool: {
        profiles: context.get(ProfilesService),
        concurrency,
        onlyMissing: warm.onlyMissing,
        by: warm.by,
        ...(warm.purgeFirst ? { purger: context.get(PurgeService) } : {}),
        ...(runtime.rateLimitedUntil ? { rateLimitedUntil: runtime.rateLimitedUntil } : {}),
      },
    };
    interrupted = await runWarm(plan, tally, io, clock);
  } finally {
    // The cache first (it waits for the Redis writes still pending, then closes its connections), then the upstream
    // sockets: see GatewayCoreModule.
    await context.close();
  }

  const cacheWriteFailures = await context.get(GatewayMetrics).redisErrorCount('set');
  return reportWarm(tally, { source: sourceConfig.name, elapsedMs: clock.now() - startedAt, interrupted, cacheWriteFailures, json: warm.json }, io);
}

/**
 * The sources, cache and `ProfilesService` exactly as the server builds them (`GatewayCoreModule`), without the HTTP
 * parts. Nest's own start-up lines stay out of the command's output.
 */
function createCoreContext(config: GatewayConfig, logger: Logger): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(GatewayCoreModule.forRoot({ config, logger, defaultMetrics: false }), {
    logger: false,
    abortOnError: false,
  });
}

/** Waits until both Redis connections are up; false after `timeoutMs` or when `signal` aborts. */
async function redisConnected(cache: ProfileCache, clock: Clock, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  const deadline = clock.now() + timeoutMs;
  while (cache.status() !== 'up') {
    if (signal?.aborted || clock.now() >= deadline) return false;
    await clock.sleep(50, signal);
  }
  return true;
}

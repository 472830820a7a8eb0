import 'reflect-metadata';

import { installGracefulShutdown, SHUTDOWN_SIGNALS, startGateway } from './bootstrap.js';
import { loadConfig } from './config/config.loader.js';
import type { GatewayConfig } from './config/config.types.js';
import { ConfigError } from './config/config-error.js';
import { asyncStdout, createLogger, exitOnFatalError } from './logger.js';
import { ADAPTER_KINDS, validateKindOptions } from './sources/source-registry.js';

/**
 * `node dist/main.js`: reads `GATEWAY_CONFIG` (default `config/gateway.yaml`) and serves until SIGTERM / SIGINT, then
 * shuts down gracefully within `server.shutdownTimeout` (exit code 0; 1 when forced).
 */
async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadConfig({ env: process.env, kinds: ADAPTER_KINDS, validateKindOptions });
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const p of error.problems) process.stderr.write(`${p.path}: ${p.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.log.level, asyncStdout());
  exitOnFatalError(logger);
  // The port accepts connections before `startGateway` returns: a signal in between would find no handler and kill
  // the process (exit 143). Until the graceful shutdown is installed, signals are kept and replayed to it.
  const early: NodeJS.Signals[] = [];
  const keep = (signal: NodeJS.Signals): void => void early.push(signal);
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, keep);
  const { app, url } = await startGateway(config, logger);
  const shutdown = installGracefulShutdown(app, { logger, timeoutMs: config.server.shutdownTimeoutMs, signals: SHUTDOWN_SIGNALS });
  for (const signal of SHUTDOWN_SIGNALS) process.off(signal, keep);
  logger.info({ url, sources: config.sources.map((s) => `${s.name} (${s.kind})`) }, 'profile-gateway listening');
  for (const signal of early) void shutdown(signal);
}

main().catch((error: unknown) => {
  process.stderr.write(`profile-gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

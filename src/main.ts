import 'reflect-metadata';

import { startGateway } from './bootstrap.js';
import type { GatewayConfig } from "./config/config.types.js";
import { ConfigError } from './config/config-error.js';
import { loadConfig } from './config/config.loader.js';
import { createLogger } from './logger.js';
import { validateKindOptions } from './sources/source-registry.js';

/** `node dist/main.js`: reads `GATEWAY_CONFIG` (default `config/gateway.yaml`) and serves. */
async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadConfig({ env: process.env, validateKindOptions });
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const p of error.problems) process.stderr.write(`${p.path}: ${p.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.log.level);
  const { url } = await startGateway(config, logger);
  logger.info({ url, sources: config.sources.map((s) => `${s.name} (${s.kind})`) }, 'profile-gateway listening');
}

main().catch((error: unknown) => {
  process.stderr.write(`profile-gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

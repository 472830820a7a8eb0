import 'reflect-metadata';

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startGateway } from '../src/bootstrap.js';
import { loadConfig } from '../src/config/config.loader.js';
import { ConfigError } from '../src/config/config-error.js';
import { createLogger } from '../src/logger.js';
import { ADAPTER_KINDS, validateKindOptions } from '../src/sources/source-registry.js';
import { sandboxGatewayYaml, startSandboxUpstreams } from './sandbox-upstreams.js';

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const sandbox = await startSandboxUpstreams();
  // config/demo.yaml holds everything but the sources; the sandbox generates one source per sandbox upstream.
  const base = process.env.GATEWAY_CONFIG ?? path.join(root, 'config', 'demo.yaml');
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pgw-demo-')), 'gateway.yaml');
  let config;
  try {
    writeFileSync(file, sandboxGatewayYaml(readFileSync(base, 'utf8'), sandbox));
    config = loadConfig({ path: file, env: process.env, kinds: ADAPTER_KINDS, validateKindOptions });
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const p of error.problems) process.stderr.write(`${p.path}: ${p.message}\n`);
      await sandbox.close();
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.log.level);
  const { app, url } = await startGateway(config, logger);
  const lines = sandbox.samples.map(({ what, path: p }) => `  # ${what}\n  curl -si '${url}${p}'`);
  process.stdout.write(
    [
      '',
      `profile-gateway demo on ${url} (sandbox upstreams, in-process cache, caller auth disabled)`,
      '',
      ...lines,
      '',
      '  # the second call is a cache hit (see Cache-Status and Age); no-cache refreshes; If-None-Match answers 304',
      `  curl -si -H 'Cache-Control: no-cache' '${url}/profiles/crm-usertour/usr_123456789'`,
      `  curl -s ${url}/health/ready; curl -s ${url}/metrics | head; open ${url}/docs`,
      '',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  const stop = (): void => {
    void app
      .close()
      .then(() => sandbox.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

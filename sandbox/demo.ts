import 'reflect-metadata';

import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startGateway } from '../src/bootstrap.js';
import { loadConfig } from '../src/config/config.loader.js';
import { ConfigError } from '../src/config/config-error.js';
import { createLogger } from '../src/logger.js';
import { validateKindOptions } from '../src/sources/source-registry.js';
import { startSandboxUpstreams } from './sandbox-upstreams.js';

/** Sample lookups printed as ready-to-paste curl lines. */
const SAMPLES: Array<[string, string]> = [
  ['a Vemetric user (20-digit id)', '/profiles/product-analytics/15241578750190521233'],
  ['an anonymous Vemetric user', '/profiles/product-analytics/9871362519984412057'],
  ['a Vemetric user by the customer id', '/profiles/product-analytics/john%40example.com?by=externalId'],
  ['a ScalePad AMM user with departments', '/profiles/endpoint-agents/a1d97031-04e2-4907-a249-093f7436207b'],
  ['an AMM user with no activity (non-hex id)', '/profiles/endpoint-agents/c3f19253-26g4-6129-c461-215h9658429d'],
  ['a Usertour user with a company, raw body included', '/profiles/crm-usertour/usr_123456789?include=raw'],
  ['a Usertour id with a slash, a space and unicode', '/profiles/crm-usertour/team%2Falpha%20%C3%BC'],
  ['the same id in another Usertour environment', '/profiles/crm-usertour-staging/usr_123456789'],
  ['an org-directory user with groups', '/profiles/access-directory/17'],
  ['a missing user (404 problem)', '/profiles/access-directory/999'],
  ['an invalid id (400 problem)', '/profiles/product-analytics/not-a-number'],
];

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const sandbox = await startSandboxUpstreams();
  const env = { ...process.env, ...sandbox.env, GATEWAY_CONFIG: process.env.GATEWAY_CONFIG ?? path.join(root, 'config', 'demo.yaml') };
  let config;
  try {
    config = loadConfig({ env, validateKindOptions });
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
  const lines = SAMPLES.map(([what, p]) => `  # ${what}\n  curl -si '${url}${p}'`);
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

import 'reflect-metadata';

import path from 'node:path';
import { fileURLToPath } from 'node:url';

import pinoPretty from 'pino-pretty';

import { startGateway } from '../src/bootstrap.js';
import { loadConfig } from '../src/config/config.loader.js';
import { ConfigError } from '../src/config/config-error.js';
import { createLogger } from '../src/logger.js';
import { validateKindOptions } from '../src/sources/source-registry.js';
import { SANDBOX_TOKENS } from './sample-data.js';
import { type SandboxUpstreams, startSandboxUpstreams } from './sandbox-upstreams.js';

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

const USER = '/profiles/crm-usertour/usr_123456789';

/** What the demo prints once it listens: sample calls, cache behaviour, the warmer, the sandbox upstreams. */
function banner(url: string, upstreams: SandboxUpstreams['upstreams']): string {
  const samples = SAMPLES.map(([what, p]) => `  # ${what}\n  curl -si '${url}${p}'`);
  const tokens: Record<keyof SandboxUpstreams['upstreams'], string> = {
    vemetric: SANDBOX_TOKENS.vemetric,
    scalepadAmm: SANDBOX_TOKENS.scalepadAmm,
    usertour: SANDBOX_TOKENS.usertour,
    usertourStaging: SANDBOX_TOKENS.usertourStaging,
    orgDirectory: SANDBOX_TOKENS.orgDirectory,
  };
  const sandboxLines = Object.entries(upstreams).map(([name, upstream]) => `  ${name.padEnd(16)} ${upstream.url}  token ${tokens[name as keyof typeof tokens]}`);
  return [
    '',
    `profile-gateway demo on ${url} (sandbox upstreams, in-process cache, caller auth disabled)`,
    '',
    ...samples,
    '',
    '  # the same call twice: the second is a cache hit (Cache-Status: profile-gateway; hit; ttl=...)',
    `  curl -si '${url}${USER}' | grep -i '^cache-status'`,
    `  curl -si '${url}${USER}' | grep -i '^cache-status'`,
    '  # revalidation with the ETag of the first answer: 304 Not Modified, no body',
    `  etag=$(curl -si '${url}${USER}' | tr -d '\\r' | awk 'tolower($1) == "etag:" { print $2 }')`,
    `  curl -si -H "If-None-Match: $etag" '${url}${USER}'`,
    '  # no-cache refreshes from the upstream',
    `  curl -si -H 'Cache-Control: no-cache' '${url}${USER}'`,
    `  curl -s ${url}/health/ready; curl -s ${url}/metrics | head`,
    `  # OpenAPI: ${url}/docs in a browser, ${url}/docs-json as JSON`,
    '',
    '  # warm ids into this gateway\'s cache through its API (another terminal, from this checkout; builds dist/ first)',
    `  npm run build && printf 'usr_123456789\\nteam/alpha \\303\\274\\n' | npm run warm -- --gateway ${url} --source crm-usertour --ids -`,
    '',
    'Sandbox upstreams (fakes of each vendor API; the tokens they accept are not secrets):',
    ...sandboxLines,
    '',
    'Ctrl-C stops it. LOG_FORMAT=json for JSON log lines, HOST=0.0.0.0 to listen on every interface.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const sandbox = await startSandboxUpstreams();
  // Caller auth is off in the demo: it listens on the loopback interface only, unless HOST says otherwise.
  const env = {
    ...process.env,
    ...sandbox.env,
    HOST: process.env.HOST ?? '127.0.0.1',
    GATEWAY_CONFIG: process.env.GATEWAY_CONFIG ?? path.join(root, 'config', 'demo.yaml'),
  };
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
  // One readable line per log record for a person at a terminal; LOG_FORMAT=json keeps the production JSON lines.
  const destination =
    process.env.LOG_FORMAT === 'json'
      ? undefined
      : pinoPretty({ sync: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service,context', singleLine: true });
  const logger = createLogger(config.log.level, destination);
  const { app, url } = await startGateway(config, logger);
  process.stdout.write(banner(url, sandbox.upstreams));
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

import 'reflect-metadata';

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import pinoPretty from 'pino-pretty';

import { startGateway } from '../src/bootstrap.js';
import { loadConfig } from '../src/config/config.loader.js';
import { ConfigError } from '../src/config/config-error.js';
import { createLogger } from '../src/logger.js';
import { ADAPTER_KINDS, validateKindOptions } from '../src/sources/source-registry.js';
import { sandboxGatewayYaml, type SandboxUpstreams, startSandboxUpstreams } from './sandbox-upstreams.js';

/** The lookup the banner's cache, 304 and warm lines use. */
const USER_SOURCE = 'crm-usertour';
const USER_ID = 'usr_123456789';

/** What the demo prints once it listens: sample calls, cache behaviour, the warmer, the sandbox upstreams. */
function banner(url: string, sandbox: SandboxUpstreams): string {
  const user = `/profiles/${USER_SOURCE}/${USER_ID}`;
  const samples = sandbox.samples.map(({ what, path: p }) => `  # ${what}\n  curl -si '${url}${p}'`);
  const width = Math.max(...sandbox.sources.map((s) => s.name.length)) + 2;
  const sandboxLines = sandbox.sources.map((s) => `  ${s.name.padEnd(width)} ${s.upstream.url}  token ${String(s.entry.token)}`);
  return [
    '',
    `profile-gateway demo on ${url} (sandbox upstreams, in-process cache, caller auth disabled)`,
    '',
    ...samples,
    '',
    '  # the same call twice: the second is a cache hit (Cache-Status: profile-gateway; hit; ttl=...)',
    `  curl -si '${url}${user}' | grep -i '^cache-status'`,
    `  curl -si '${url}${user}' | grep -i '^cache-status'`,
    '  # revalidation with the ETag of the first answer: 304 Not Modified, no body',
    `  etag=$(curl -si '${url}${user}' | tr -d '\\r' | awk 'tolower($1) == "etag:" { print $2 }')`,
    `  curl -si -H "If-None-Match: $etag" '${url}${user}'`,
    '  # no-cache refreshes from the upstream',
    `  curl -si -H 'Cache-Control: no-cache' '${url}${user}'`,
    '  # several lookups in one request, in order (a repeated one is fetched once)',
    `  curl -s -X POST '${url}/profiles/batch' -H 'content-type: application/json' -d '{"lookups":[{"source":"${USER_SOURCE}","id":"${USER_ID}"},{"source":"${USER_SOURCE}","id":"no-such-user"}]}'`,
    '  # purge one cached profile (204; the next GET is a miss), or a whole source',
    `  curl -si -X DELETE '${url}${user}'`,
    `  curl -si -X DELETE '${url}/profiles/${USER_SOURCE}'`,
    `  curl -s ${url}/health/ready; curl -s ${url}/metrics | head`,
    `  # OpenAPI: ${url}/docs in a browser, ${url}/docs-json as JSON`,
    '',
    "  # warm ids into this gateway's cache through its API (another terminal, from this checkout; builds dist/ first)",
    `  npm run build && printf '${USER_ID}\\nteam/alpha \\303\\274\\n' | npm run warm -- --gateway ${url} --source ${USER_SOURCE} --ids -`,
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
  // config/demo.yaml holds everything but the sources; the sandbox generates one source per sandbox upstream.
  const base = process.env.GATEWAY_CONFIG ?? path.join(root, 'config', 'demo.yaml');
  const dir = mkdtempSync(path.join(tmpdir(), 'pgw-demo-'));
  const file = path.join(dir, 'gateway.yaml');
  // Caller auth is off in the demo: it listens on the loopback interface only, unless HOST says otherwise.
  const env = { ...process.env, HOST: process.env.HOST ?? '127.0.0.1' };
  let config;
  try {
    writeFileSync(file, sandboxGatewayYaml(readFileSync(base, 'utf8'), sandbox));
    config = loadConfig({ path: file, env, kinds: ADAPTER_KINDS, validateKindOptions });
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const p of error.problems) process.stderr.write(`${p.path}: ${p.message}\n`);
      await sandbox.close();
      process.exit(1);
    }
    throw error;
  } finally {
    // Read once: the generated file is not needed any more.
    rmSync(dir, { recursive: true, force: true });
  }
  // One readable line per log record for a person at a terminal; LOG_FORMAT=json keeps the production JSON lines.
  const destination =
    process.env.LOG_FORMAT === 'json'
      ? undefined
      : pinoPretty({ sync: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service,context', singleLine: true });
  const logger = createLogger(config.log.level, destination);
  const { app, url } = await startGateway(config, logger);
  process.stdout.write(banner(url, sandbox));
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

#!/usr/bin/env node
// Lints the gateway's OpenAPI document with @redocly/cli and @stoplight/spectral-cli (oas ruleset), offline.
// The document is built from the compiled app (run `npm run build` first; `npm run lint` does) without listening on a
// port, and written to a temporary file. Rule choices and the reasons for the warnings left: redocly.yaml, .spectral.yaml.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// @redocly/cli is moving to Node >= 22: run both linters on the bundled Node 24 when the system Node is older.
const bundledNode = path.join(root, 'node_modules', 'node', 'bin', 'node');
const linterNode = Number(process.versions.node.split('.')[0]) >= 22 || !existsSync(bundledNode) ? process.execPath : bundledNode;
const require = createRequire(import.meta.url);
const dist = (file) => pathToFileURL(path.join(root, 'dist', file)).href;

await import('reflect-metadata');
const { createGatewayApp } = await import(dist('bootstrap.js'));
const { loadConfig } = await import(dist('config/config.loader.js'));
const { createLogger } = await import(dist('logger.js'));
const { buildOpenApiDocument } = await import(dist('openapi/openapi.js'));
const { ADAPTER_KINDS, kindDescriptions, validateKindOptions } = await import(dist('sources/source-registry.js'));

const dir = mkdtempSync(path.join(tmpdir(), 'pgw-openapi-'));
try {
  // A minimal configuration: the document does not depend on the sources or keys configured.
  const configFile = path.join(dir, 'gateway.yaml');
  writeFileSync(
    configFile,
    'auth:\n  apiKeys:\n    - { name: lint, key: openapi-lint-key-0123456789, sources: ["*"] }\n' +
      'sources:\n  lint:\n    kind: vemetric\n    baseUrl: http://127.0.0.1:9\n    token: openapi-lint-token\n',
  );
  const config = loadConfig({ path: configFile, env: {}, kinds: ADAPTER_KINDS, validateKindOptions });
  const app = await createGatewayApp(config, createLogger('error'));
  await app.init();
  const documentFile = path.join(dir, 'openapi.json');
  writeFileSync(documentFile, JSON.stringify(buildOpenApiDocument(app, kindDescriptions()), null, 2));
  await app.close();

  // No telemetry, no update check: the linters must work without network access.
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  const run = (label, bin, args) => {
    console.log(`openapi: ${label}`);
    return spawnSync(linterNode, [bin, ...args], { cwd: root, stdio: 'inherit', env }).status ?? 1;
  };
  const redocly = run('redocly lint', require.resolve('@redocly/cli/bin/cli.js'), ['lint', '--config', path.join(root, 'redocly.yaml'), documentFile]);
  const spectral = run('spectral lint (oas)', path.join(root, 'node_modules', '@stoplight', 'spectral-cli', 'dist', 'index.js'), [
    'lint',
    '--ruleset',
    path.join(root, '.spectral.yaml'),
    '--fail-severity',
    'warn',
    documentFile,
  ]);
  process.exitCode = redocly === 0 && spectral === 0 ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

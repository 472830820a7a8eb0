import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

import { tempDir } from '../../test/support/temp-dirs.js';
import { runWarmCommand } from './warm-command.js';

function configFile(yaml: string): string {
  const file = path.join(tempDir('pgw-warm-'), 'gateway.yaml');
  writeFileSync(file, yaml);
  return file;
}

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      env,
      stdin: Readable.from([]),
      stdout: { write: (text: string) => out.push(text) },
      stderr: { isTTY: false, write: (text: string) => err.push(text) },
    },
  };
}

const SOURCES = `sources:
  crm:
    kind: usertour
    baseUrl: http://127.0.0.1:9
    token: ak_test
`;

describe('runWarmCommand', () => {
  it('should print the usage on stdout and exit 0 for --help', async () => {
    const { out, io: streams } = io();

    const code = await runWarmCommand(['--help'], streams);

    expect(code).toBe(0);
    expect(out.join('')).toContain('Usage: profile-gateway warm --source <name> --ids <file|->');
  });

  it('should exit 1 with the problem and the usage on stderr for a bad command line', async () => {
    const { out, err, io: streams } = io();

    const code = await runWarmCommand(['--source', 'crm'], streams);

    expect(code).toBe(1);
    expect(err.join('')).toMatch(/^warm: --ids <file\|-> is required\n\nUsage:/);
    expect(out).toEqual([]);
  });

  it('should exit 1 with one line per configuration problem when the configuration is invalid', async () => {
    const file = configFile(`auth:\n  disabled: true\nsources:\n  crm:\n    kind: usertour\n    baseUrl: ftp://example.com\n    token: \${MISSING_WARM_TOKEN}\n`);
    const { err, io: streams } = io({ GATEWAY_CONFIG: file });

    const code = await runWarmCommand(['--source', 'crm', '--ids', '-'], streams);

    expect(code).toBe(1);
    expect(err.join('')).toMatch(/^sources\.crm\.baseUrl: .*http/m);
    expect(err.join('')).toMatch(/^sources\.crm\.token: .*MISSING_WARM_TOKEN/m);
  });

  it('should exit 1 naming the configured sources when --source is not one of them', async () => {
    const file = configFile(`auth:\n  disabled: true\ncache:\n  redis:\n    url: redis://127.0.0.1:9\n${SOURCES}`);
    const { err, io: streams } = io({ GATEWAY_CONFIG: file });

    const code = await runWarmCommand(['--source', 'nope', '--ids', '-'], streams);

    expect(code).toBe(1);
    expect(err.join('')).toBe('warm: --source nope is not a configured source (configured: crm)\n');
  });

  it('should exit 1 when no Redis is configured, as there is no shared cache to fill', async () => {
    const file = configFile(`auth:\n  disabled: true\n${SOURCES}`);
    const { err, io: streams } = io({ GATEWAY_CONFIG: file });

    const code = await runWarmCommand(['--source', 'crm', '--ids', '-'], streams);

    expect(code).toBe(1);
    expect(err.join('')).toContain('cache.redis is not configured');
  });

  it('should exit 1 when the ids file cannot be read', async () => {
    const file = configFile(`auth:\n  disabled: true\ncache:\n  redis:\n    url: redis://127.0.0.1:9\n${SOURCES}`);
    const { err, io: streams } = io({ GATEWAY_CONFIG: file });

    const code = await runWarmCommand(['--source', 'crm', '--ids', path.join(tmpdir(), 'pgw-missing', 'ids.txt')], streams);

    expect(code).toBe(1);
    expect(err.join('')).toMatch(/^warm: cannot read the ids file .*ids\.txt \(ENOENT\)\n$/);
  });

  it('should exit 1 without warming when Redis cannot be reached', async () => {
    const file = configFile(`auth:\n  disabled: true\ncache:\n  redis:\n    url: redis://127.0.0.1:9\n${SOURCES}`);
    const { out, err, io: streams } = io({ GATEWAY_CONFIG: file });

    const code = await runWarmCommand(['--source', 'crm', '--ids', '-'], { ...streams, stdin: Readable.from(['usr_1\n']), redisConnectTimeoutMs: 200 });

    expect(code).toBe(1);
    expect(err.join('')).toContain('warm: Redis (cache.redis) is not reachable');
    expect(out).toEqual([]);
  });
});

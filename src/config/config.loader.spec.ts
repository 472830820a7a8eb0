import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { jest } from '@jest/globals';

import type { AdapterKind } from '../profiles/adapter-kind.js';
import { ADAPTER_KINDS } from '../sources/source-registry.js';
import { ConfigError, type ConfigProblem, DEFAULT_CONFIG_PATH, type KindOptionsValidator, loadConfig, type LoadConfigOptions } from './config.loader.js';
import type { GatewayConfig } from './config.types.js';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const MINIMAL = `
auth:
  apiKeys:
    - name: dashboard
      key: dashboard-secret
      sources: ["*"]
sources:
  crm:
    kind: usertour
    baseUrl: https://api.usertour.io
    token: tok
`;

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(text: string, name = 'gateway.yaml'): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function load(text: string, options: Partial<LoadConfigOptions> = {}): GatewayConfig {
  return loadConfig({ kinds: ADAPTER_KINDS, env: {}, ...options, path: writeConfig(text) });
}

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** Loads a file that must be invalid and returns its problems. */
function problemsOf(text: string, options: Partial<LoadConfigOptions> = {}): ConfigProblem[] {
  return configErrorOf(() => load(text, options)).problems;
}

/** MINIMAL with `extra` lines appended under `sources.crm`. */
function withCrm(extra: string): string {
  return MINIMAL + extra.replace(/^/gm, '    ');
}

describe('loadConfig', () => {
  describe('file', () => {
    it('should read the file named by GATEWAY_CONFIG when no path is given', () => {
      const path = writeConfig(MINIMAL, 'from-env.yaml');

      const config = loadConfig({ kinds: ADAPTER_KINDS, env: { GATEWAY_CONFIG: path } });

      expect(config.sources.map((s) => s.name)).toEqual(['crm']);
    });

    it('should read config/gateway.yaml below the working directory by default', () => {
      mkdirSync(join(dir, 'config'));
      writeFileSync(join(dir, DEFAULT_CONFIG_PATH), MINIMAL);
      const previous = process.cwd();
      process.chdir(dir);
      try {
        const config = loadConfig({ kinds: ADAPTER_KINDS, env: {} });

        expect(config.sources.map((s) => s.name)).toEqual(['crm']);
      } finally {
        process.chdir(previous);
      }
    });

    it('should report a missing file as one problem naming its path', () => {
      const path = join(dir, 'nope.yaml');

      const error = configErrorOf(() => loadConfig({ kinds: ADAPTER_KINDS, path, env: {} }));

      expect(error.problems).toEqual([{ path, message: expect.stringContaining('file not found') }]);
      expect(error.file).toBe(path);
    });

    it('should report a YAML syntax error as one problem with its line and column', () => {
      const problems = problemsOf('server:\n  port: 3000\nsources: [a,\n  b: c\nauth: {}\n');

      expect(problems).toHaveLength(1);
      expect(problems[0]?.path).toMatch(/gateway\.yaml:\d+:\d+$/);
      expect(problems[0]?.message).toMatch(/^invalid YAML: .*line \d+, column \d+/);
    });

    it('should report a duplicate key as a YAML error', () => {
      const problems = problemsOf(`${MINIMAL}\nauth:\n  disabled: true\n`);

      expect(problems).toEqual([{ path: expect.stringMatching(/:\d+:1$/), message: expect.stringMatching(/unique/) }]);
    });

    it.each([[''], ['# only a comment\n']])('should report an empty file', (text) => {
      expect(problemsOf(text)).toEqual([{ path: expect.stringMatching(/gateway\.yaml$/), message: 'the file is empty' }]);
    });

    it('should report a file that is not a mapping', () => {
      expect(problemsOf('- a\n- b\n')[0]?.message).toMatch(/must be a YAML mapping/);
    });

    it('should accept YAML anchors and merge keys', () => {
      const config = load(`${MINIMAL}
  crm-eu:
    <<: &usertour { kind: usertour, token: tok }
    baseUrl: https://eu.usertour.io
`);

      expect(config.sources[1]).toMatchObject({ name: 'crm-eu', kind: 'usertour', token: 'tok', baseUrl: 'https://eu.usertour.io' });
    });
  });

  describe('defaults', () => {
    it('should fill every default when the file sets only the required keys', () => {
      const config = load(MINIMAL);

      expect(config.server).toEqual({ port: 3000, host: '0.0.0.0', shutdownTimeoutMs: 10_000 });
      expect(config.log).toEqual({ level: 'info' });
      expect(config.cache).toEqual({ memory: { maxItems: 10_000, ttlMs: 30_000, maxBytes: 64 * 1024 * 1024 } });
      expect(config.batch).toEqual({ maxLookups: 100 });
      expect(config.tracing).toBeUndefined();
      expect(config.defaults).toEqual({
        timeoutMs: 2_000,
        retries: 2,
        connectTimeoutMs: 1_000,
        maxResponseBytes: 1_048_576,
        maxConcurrency: 16,
        maxQueue: 100,
        circuitBreaker: { failureThreshold: 5, halfOpenAfterMs: 30_000 },
        cache: { ttlMs: 300_000, staleWhileRevalidateMs: 60_000, staleIfErrorMs: 86_400_000, notFoundTtlMs: 60_000 },
      });
      expect(config.sources[0]).toEqual({
        ...config.defaults,
        name: 'crm',
        kind: 'usertour',
        baseUrl: 'https://api.usertour.io',
        token: 'tok',
        options: {},
      });
    });

    it('should let every source inherit the file defaults and override any of them, merging cache and circuitBreaker key by key', () => {
      const config = load(`${MINIMAL}
  analytics:
    kind: vemetric
    baseUrl: https://api.vemetric.com
    token: t2
    timeout: 5s
    retries: 0
    maxResponseSize: 2mb
    circuitBreaker: { failureThreshold: 2 }
    cache: { ttl: 10m, notFoundTtl: 0 }
defaults:
  timeout: 3s
  retries: 3
  connectTimeout: 250ms
  maxResponseSize: 512kb
  maxConcurrency: 4
  maxQueue: 0
  circuitBreaker: { halfOpenAfter: 1m }
  cache: { ttl: 2m, staleIfError: 1d }
`);
      const [crm, analytics] = config.sources;

      expect(config.defaults).toEqual({
        timeoutMs: 3_000,
        retries: 3,
        connectTimeoutMs: 250,
        maxResponseBytes: 524_288,
        maxConcurrency: 4,
        maxQueue: 0,
        circuitBreaker: { failureThreshold: 5, halfOpenAfterMs: 60_000 },
        cache: { ttlMs: 120_000, staleWhileRevalidateMs: 60_000, staleIfErrorMs: 86_400_000, notFoundTtlMs: 60_000 },
      });
      expect(crm).toMatchObject(config.defaults);
      expect(analytics).toMatchObject({
        timeoutMs: 5_000,
        retries: 0,
        connectTimeoutMs: 250,
        maxResponseBytes: 2_097_152,
        maxConcurrency: 4,
        maxQueue: 0,
        circuitBreaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 },
        cache: { ttlMs: 600_000, staleWhileRevalidateMs: 60_000, staleIfErrorMs: 86_400_000, notFoundTtlMs: 0 },
      });
    });

    it('should leave the per-attempt header and body bounds unset by default and inherit them when set', () => {
      const unset = load(MINIMAL);
      const set = load(`${MINIMAL}defaults:\n  headersTimeout: 800ms\n  bodyTimeout: 1s\n`);

      expect(unset.defaults.headersTimeoutMs).toBeUndefined();
      expect(unset.defaults.bodyTimeoutMs).toBeUndefined();
      expect(set.sources[0]).toMatchObject({ headersTimeoutMs: 800, bodyTimeoutMs: 1_000 });
    });

    it('should accept durations as milliseconds and sizes as bytes', () => {
      const config = load(`${MINIMAL}defaults:\n  timeout: 1500\n  maxResponseSize: 4096\n`);

      expect(config.defaults.timeoutMs).toBe(1_500);
      expect(config.defaults.maxResponseBytes).toBe(4_096);
    });

    it('should read the memory tier settings, sizes as bytes or with a unit', () => {
      const withUnit = load(`${MINIMAL}cache:\n  memory: { ttl: 1m, maxItems: 50, maxBytes: 512KiB }\n`);
      const inBytes = load(`${MINIMAL}cache:\n  memory: { maxBytes: 4096 }\n`);
      const upperCase = load(`${MINIMAL}cache:\n  memory: { maxBytes: 64MB }\n`);

      expect(withUnit.cache.memory).toEqual({ maxItems: 50, ttlMs: 60_000, maxBytes: 524_288 });
      expect(inBytes.cache.memory.maxBytes).toBe(4_096);
      expect(upperCase.cache.memory.maxBytes).toBe(67_108_864);
    });
  });

  describe('server', () => {
    it('should read server settings from the file', () => {
      const config = load(`${MINIMAL}server: { port: 8080, host: 127.0.0.1, shutdownTimeout: 3s }\nlog: { level: debug }\n`);

      expect(config.server).toEqual({ port: 8080, host: '127.0.0.1', shutdownTimeoutMs: 3_000 });
      expect(config.log.level).toBe('debug');
    });

    it('should let PORT and HOST override the file', () => {
      const config = load(`${MINIMAL}server: { port: 8080, host: 127.0.0.1 }\n`, { env: { PORT: '9090', HOST: '::' } });

      expect(config.server).toMatchObject({ port: 9090, host: '::' });
    });

    it('should apply PORT when the file has no server section, and ignore an empty PORT', () => {
      expect(load(MINIMAL, { env: { PORT: '0' } }).server.port).toBe(0);
      expect(load(MINIMAL, { env: { PORT: '', HOST: '' } }).server).toMatchObject({ port: 3000, host: '0.0.0.0' });
    });

    it('should still report an invalid file port when PORT replaces it', () => {
      expect(problemsOf(`${MINIMAL}server: { port: abc }\n`, { env: { PORT: '4000' } })).toEqual([
        { path: 'server.port', message: 'must be an integer from 0 to 65535' },
      ]);
    });

    it.each([['abc'], ['65536'], ['-1'], ['80a'], ['3.5']])('should report PORT=%s under server.port', (port) => {
      expect(problemsOf(MINIMAL, { env: { PORT: port } })).toEqual([
        { path: 'server.port', message: 'must be an integer from 0 to 65535 (from the environment variable PORT)' },
      ]);
    });

    it('should report an invalid PORT even when the file sets a valid port', () => {
      expect(problemsOf(`${MINIMAL}server: { port: 8080 }\n`, { env: { PORT: 'abc' } })).toEqual([
        { path: 'server.port', message: 'must be an integer from 0 to 65535 (from the environment variable PORT)' },
      ]);
    });

    it('should report a HOST with spaces under server.host', () => {
      expect(problemsOf(MINIMAL, { env: { HOST: 'local host' } })).toEqual([
        { path: 'server.host', message: 'must not contain whitespace or control characters (from the environment variable HOST)' },
      ]);
    });

    it('should report invalid server and log settings', () => {
      const problems = problemsOf(`${MINIMAL}server: { port: 70000, host: '', shutdownTimeout: 0 }\nlog: { level: verbose }\n`);

      expect(problems).toEqual([
        { path: 'server.port', message: 'must be an integer from 0 to 65535' },
        { path: 'server.host', message: 'must not be empty' },
        { path: 'server.shutdownTimeout', message: 'must be longer than 0ms' },
        { path: 'log.level', message: 'must be one of fatal, error, warn, info, debug, trace, silent' },
      ]);
    });
  });

  describe('interpolation', () => {
    it('should replace ${NAME} and ${NAME:-default} in values', () => {
      const config = load(
        `
server:
  port: \${APP_PORT:-3000}
  host: \${APP_HOST:-0.0.0.0}
auth:
  disabled: \${AUTH_OFF:-false}
  apiKeys:
    - { name: a, key: "\${KEY_A}", sources: ["*"] }
sources:
  crm:
    kind: usertour
    baseUrl: \${CRM_URL}/v1
    token: \${CRM_TOKEN}
    retries: \${CRM_RETRIES:-1}
    timeout: \${CRM_TIMEOUT:-2s}
`,
        { env: { APP_PORT: '8081', KEY_A: 'key-a-0123456789', CRM_URL: 'https://crm.example.com', CRM_TOKEN: 'tok', AUTH_OFF: 'false' } },
      );

      expect(config.server).toMatchObject({ port: 8081, host: '0.0.0.0' });
      expect(config.auth.disabled).toBe(false);
      expect(config.sources[0]).toMatchObject({ baseUrl: 'https://crm.example.com/v1', token: 'tok', retries: 1, timeoutMs: 2_000 });
      expect(config.auth.apiKeys[0]?.keySha256).toBe(sha256('key-a-0123456789'));
    });

    it('should report each unset variable once, with the path where it appears', () => {
      const problems = problemsOf(
        MINIMAL.replace('token: tok', 'token: ${CRM_TOKEN}').replace('key: dashboard-secret', 'key: ${DASHBOARD_API_KEY}'),
      );

      expect(problems).toEqual([
        { path: 'auth.apiKeys[0].key', message: 'environment variable DASHBOARD_API_KEY is not set' },
        { path: 'sources.crm.token', message: 'environment variable CRM_TOKEN is not set' },
      ]);
    });

    it('should report a malformed reference with its path', () => {
      expect(problemsOf(MINIMAL.replace('token: tok', 'token: ${CRM_TOKEN:?missing}'))).toEqual([
        { path: 'sources.crm.token', message: 'invalid reference ${CRM_TOKEN:?missing}: use ${NAME} or ${NAME:-default}' },
      ]);
    });

    it('should keep an interpolated value as one string, never as YAML', () => {
      const problems = problemsOf(MINIMAL.replace('token: tok', 'token: ${CRM_TOKEN}'), { env: { CRM_TOKEN: 'x\n    kind: evil' } });

      expect(problems).toEqual([{ path: 'sources.crm.token', message: 'must not contain whitespace or control characters' }]);
    });
  });

  describe('sources', () => {
    it('should keep the file order of sources, numeric names included', () => {
      const config = load(`${MINIMAL}
  zeta: { kind: vemetric, baseUrl: "https://a.example", token: t }
  "123": { kind: vemetric, baseUrl: "https://b.example", token: t }
  alpha: { kind: vemetric, baseUrl: "https://c.example", token: t }
`);

      expect(config.sources.map((s) => s.name)).toEqual(['crm', 'zeta', '123', 'alpha']);
    });

    it.each([
      ['https://api.example.com/', 'https://api.example.com'],
      ['https://api.example.com/v2//', 'https://api.example.com/v2'],
      ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
      ['HTTPS://API.Example.com:443/Base', 'https://api.example.com/Base'],
    ])('should normalize the base URL %s to %s', (baseUrl, expected) => {
      expect(load(MINIMAL.replace('https://api.usertour.io', baseUrl)).sources[0]?.baseUrl).toBe(expected);
    });

    it.each([
      ['ftp://api.example.com', 'must be an http(s) URL'],
      ['api.example.com', 'must be an http(s) URL'],
      ['"https://"', 'must be an http(s) URL'],
      ['"https://user:pass@api.example.com"', 'must not contain credentials (put them in token)'],
      ['"https://api.example.com/?a=1"', 'must not contain a query string'],
      ['"https://api.example.com/?"', 'must not contain a query string'],
      ['"https://api.example.com/#top"', 'must not contain a fragment'],
      ['42', 'must be an http(s) URL'],
    ])('should reject the base URL %s', (baseUrl, message) => {
      expect(problemsOf(MINIMAL.replace('https://api.usertour.io', baseUrl))).toEqual([{ path: 'sources.crm.baseUrl', message }]);
    });

    it('should report an unknown kind, listing the known ones', () => {
      expect(problemsOf(MINIMAL.replace('kind: usertour', 'kind: hubspot'))).toEqual([
        { path: 'sources.crm.kind', message: `must be one of ${ADAPTER_KINDS.join(', ')}` },
      ]);
    });

    it('should accept exactly the kinds it is handed (the registry owns the list)', () => {
      expect(problemsOf(MINIMAL, { kinds: ['vemetric', 'org-directory'] })).toEqual([
        { path: 'sources.crm.kind', message: 'must be one of vemetric, org-directory' },
      ]);
      expect(load(MINIMAL.replace('kind: usertour', 'kind: hubspot'), { kinds: ['hubspot'] }).sources[0]?.kind).toBe('hubspot');
    });

    it('should report an unknown kind in the place of the kind key, before the later keys', () => {
      expect(problemsOf(MINIMAL.replace('kind: usertour', 'kind: hubspot').replace(/baseUrl: .*/, 'baseUrl: ftp://x'))).toEqual([
        { path: 'sources.crm.kind', message: `must be one of ${ADAPTER_KINDS.join(', ')}` },
        { path: 'sources.crm.baseUrl', message: 'must be an http(s) URL' },
      ]);
    });

    it('should report every missing required key of a source', () => {
      expect(problemsOf(`${MINIMAL}\n  empty: { retries: 1 }\n`)).toEqual([
        { path: 'sources.empty.kind', message: 'is required' },
        { path: 'sources.empty.baseUrl', message: 'is required' },
        { path: 'sources.empty.token', message: 'is required' },
      ]);
    });

    it.each([
      ["''", 'must not be empty'],
      ['"tok "', 'must not contain whitespace or control characters'],
      ['123', 'must be a string'],
    ])('should reject the token %s', (token, message) => {
      expect(problemsOf(MINIMAL.replace('token: tok', `token: ${token}`))).toEqual([{ path: 'sources.crm.token', message }]);
    });

    it.each([['Crm'], ['-crm'], ['crm_eu'], ['a'.repeat(64)]])('should reject the source name %s', (name) => {
      const problems = problemsOf(MINIMAL.replace('  crm:', `  ${name}:`));

      expect(problems).toEqual([{ path: `sources.${name}`, message: expect.stringMatching(/^source name must be 1 to 63 lower-case/) }]);
    });

    it('should accept a name key equal to the source key and reject a different one', () => {
      expect(load(withCrm('name: crm')).sources[0]?.name).toBe('crm');
      expect(problemsOf(withCrm('name: other'))).toEqual([{ path: 'sources.crm.name', message: 'must equal the source\'s key "crm" or be left out' }]);
    });

    it('should report a source that is not a mapping and an empty sources mapping', () => {
      expect(problemsOf(`${MINIMAL}\n  broken: yes\n`)).toEqual([{ path: 'sources.broken', message: 'must be a mapping (kind, baseUrl, token, ...)' }]);
      expect(problemsOf('auth: { disabled: true }\nsources: {}\n')).toEqual([{ path: 'sources', message: 'must configure at least one source' }]);
      expect(problemsOf('auth: { disabled: true }\n')).toEqual([{ path: 'sources', message: 'is required' }]);
      expect(problemsOf('auth: { disabled: true }\nsources: [crm]\n')).toEqual([
        { path: 'sources', message: 'must be a mapping of source name to source' },
      ]);
    });

    it.each([
      ['retries: 11', 'sources.crm.retries', 'must be an integer from 0 to 10'],
      ['retries: -1', 'sources.crm.retries', 'must be an integer from 0 to 10'],
      ['retries: 1.5', 'sources.crm.retries', 'must be an integer from 0 to 10'],
      ['timeout: 0', 'sources.crm.timeout', 'must be longer than 0ms'],
      ['timeout: 2 seconds', 'sources.crm.timeout', expect.stringMatching(/^must be a number of milliseconds or an integer with a unit/)],
      ['timeout: -5s', 'sources.crm.timeout', 'must not be negative'],
      ['timeout: 30d', 'sources.crm.timeout', 'must be at most 2147483647ms (about 24 days)'],
      ['timeout:', 'sources.crm.timeout', expect.stringMatching(/^must be a number of milliseconds/)],
      ['connectTimeout: 1.5s', 'sources.crm.connectTimeout', expect.stringMatching(/^must be a number of milliseconds/)],
      ['maxResponseSize: 1gb', 'sources.crm.maxResponseSize', expect.stringMatching(/^must be a number of bytes/)],
      ['maxResponseSize: 0', 'sources.crm.maxResponseSize', 'must be at least 1 byte'],
      ['maxResponseSize: 65mb', 'sources.crm.maxResponseSize', 'must be at most 64mb'],
      ['maxConcurrency: 0', 'sources.crm.maxConcurrency', 'must be an integer from 1 to 10000'],
      ['maxQueue: -1', 'sources.crm.maxQueue', 'must be an integer from 0 to 100000'],
      ['circuitBreaker: { failureThreshold: 0 }', 'sources.crm.circuitBreaker.failureThreshold', 'must be an integer from 1 to 1000'],
      ['circuitBreaker: { halfOpenAfter: soon }', 'sources.crm.circuitBreaker.halfOpenAfter', expect.stringMatching(/^must be a number/)],
      ['circuitBreaker: { threshold: 3 }', 'sources.crm.circuitBreaker.threshold', 'unknown key (expected one of failureThreshold, halfOpenAfter)'],
      ['cache: { ttl: 0 }', 'sources.crm.cache.ttl', 'must be longer than 0ms'],
      ['cache: { staleIfError: 1w }', 'sources.crm.cache.staleIfError', expect.stringMatching(/^must be a number/)],
      ['cache: { tll: 1m }', 'sources.crm.cache.tll', expect.stringMatching(/^unknown key \(expected one of ttl, staleWhileRevalidate/)],
      ['cache: 5m', 'sources.crm.cache', 'must be a mapping'],
    ])('should report %s', (line, path, message) => {
      expect(problemsOf(withCrm(line))).toEqual([{ path, message }]);
    });
  });

  describe('kind options', () => {
    it('should pass the keys that are not source settings to the kind validator as strings and keep them as options', () => {
      const validateKindOptions = jest.fn<KindOptionsValidator>().mockReturnValue([]);

      const config = load(withCrm('clientId: aa7cf840-9ca9-46a3-9778-9015d6580d50\ntenant: 42\nbeta: true'), { validateKindOptions });

      const expected = { clientId: 'aa7cf840-9ca9-46a3-9778-9015d6580d50', tenant: '42', beta: 'true' };
      expect(validateKindOptions).toHaveBeenCalledWith('usertour' satisfies AdapterKind, expected);
      expect(config.sources[0]?.options).toEqual(expected);
    });

    it('should prefix the problems of the kind validator with the source path', () => {
      const validateKindOptions: KindOptionsValidator = (kind, options) =>
        kind === 'usertour' && options.clientId === undefined ? [{ path: 'clientId', message: 'is required for this kind' }] : [];

      expect(problemsOf(MINIMAL, { validateKindOptions })).toEqual([{ path: 'sources.crm.clientId', message: 'is required for this kind' }]);
    });

    it('should not call the kind validator for an unknown kind', () => {
      const validateKindOptions = jest.fn<KindOptionsValidator>().mockReturnValue([]);

      problemsOf(MINIMAL.replace('kind: usertour', 'kind: nope'), { validateKindOptions });

      expect(validateKindOptions).not.toHaveBeenCalled();
    });

    it.each([
      ['tiemout: 5s', 'tiemout', 'timeout'],
      ['Timeout: 5s', 'Timeout', 'timeout'],
      ['retires: 1', 'retires', 'retries'],
      ['baseURL: "https://x.example"', 'baseURL', 'baseUrl'],
      ['maxConcurency: 2', 'maxConcurency', 'maxConcurrency'],
    ])('should report %s as a likely typo of a source setting instead of a kind option', (line, key, known) => {
      const validateKindOptions = jest.fn<KindOptionsValidator>().mockReturnValue([]);

      const problems = problemsOf(withCrm(line), { validateKindOptions });

      expect(problems).toEqual([{ path: `sources.crm.${key}`, message: `unknown key (did you mean ${known}?)` }]);
    });

    it('should report an option that is not a scalar', () => {
      expect(problemsOf(withCrm('extra: { a: 1 }'))).toEqual([
        { path: 'sources.crm.extra', message: 'must be a string (unknown keys of a source are options of its kind)' },
      ]);
    });
  });

  describe('auth', () => {
    it('should hash a plain key and never keep it', () => {
      const config = load(MINIMAL);

      expect(config.auth).toEqual({
        disabled: false,
        apiKeys: [{ name: 'dashboard', keySha256: sha256('dashboard-secret'), sources: ['*'], actions: ['read'] }],
      });
      expect(JSON.stringify(config)).not.toContain('dashboard-secret');
    });

    it('should keep a keySha256 in lower case, and read rate limits', () => {
      const digest = sha256('other').toUpperCase();

      const config = load(
        MINIMAL.replace(
          '      sources: ["*"]\n',
          `      sources: ["*"]\n      rateLimit: { limit: 600, window: 1m }\n    - name: warmer\n      keySha256: ${digest}\n      sources: [crm]\n`,
        ),
      );

      expect(config.auth.apiKeys).toEqual([
        { name: 'dashboard', keySha256: sha256('dashboard-secret'), sources: ['*'], rateLimit: { limit: 600, windowMs: 60_000 }, actions: ['read'] },
        { name: 'warmer', keySha256: digest.toLowerCase(), sources: ['crm'], actions: ['read'] },
      ]);
    });

    it('should allow no keys when auth is disabled', () => {
      const config = load('auth: { disabled: true }\nsources: { crm: { kind: usertour, baseUrl: "https://x.example", token: t } }\n');

      expect(config.auth).toEqual({ disabled: true, apiKeys: [] });
    });

    it.each([
      ['sources: { crm: { kind: usertour, baseUrl: "https://x.example", token: t } }\n'],
      ['auth: {}\nsources: { crm: { kind: usertour, baseUrl: "https://x.example", token: t } }\n'],
      ['auth: { disabled: false, apiKeys: [] }\nsources: { crm: { kind: usertour, baseUrl: "https://x.example", token: t } }\n'],
    ])('should require API keys unless auth is disabled: %s', (text) => {
      expect(problemsOf(text)).toEqual([{ path: 'auth.apiKeys', message: 'must list at least one key unless auth.disabled is true' }]);
    });

    it('should report every API key problem at once', () => {
      const problems = problemsOf(`
auth:
  disabled: maybe
  apiKeys:
    - { name: a, key: key-one-0123456789, keySha256: ${sha256('key-one-0123456789')}, sources: ["*"] }
    - { name: b, sources: ["*"] }
    - { name: a, key: key-three-0123456789, sources: [crm, missing] }
    - { name: d, keySha256: abc, sources: [] }
    - { name: e, key: key-three-0123456789, sources: ["*"], rateLimit: { limit: 0, window: forever } }
    - { name: "bad name", key: "k 6", sources: [7] }
    - just-a-string
sources:
  crm: { kind: usertour, baseUrl: "https://x.example", token: t }
`);

      expect(problems).toEqual([
        { path: 'auth.disabled', message: 'must be true or false' },
        { path: 'auth.apiKeys[3].keySha256', message: 'must be 64 hexadecimal characters (a SHA-256 digest)' },
        { path: 'auth.apiKeys[3].sources', message: 'must be a non-empty list of source names or "*"' },
        { path: 'auth.apiKeys[4].rateLimit.limit', message: 'must be an integer of at least 1' },
        { path: 'auth.apiKeys[4].rateLimit.window', message: expect.stringMatching(/^must be a number of milliseconds/) },
        { path: 'auth.apiKeys[5].name', message: expect.stringMatching(/^must be 1 to 64 letters/) },
        { path: 'auth.apiKeys[5].key', message: 'must not contain whitespace or control characters' },
        { path: 'auth.apiKeys[5].sources', message: 'must hold only non-empty strings' },
        { path: 'auth.apiKeys[6]', message: 'must be a mapping' },
        { path: 'auth.apiKeys[0]', message: 'needs exactly one of key or keySha256' },
        { path: 'auth.apiKeys[1]', message: 'needs exactly one of key or keySha256' },
        { path: 'auth.apiKeys[2].name', message: 'duplicate name "a" (also auth.apiKeys[0].name)' },
        { path: 'auth.apiKeys[2].sources[1]', message: 'unknown source "missing" (expected "*" or a name under sources)' },
        { path: 'auth.apiKeys[4]', message: 'same key as auth.apiKeys[2]' },
      ]);
    });

    it('should report an API key given both as key and as its digest under two names', () => {
      const problems = problemsOf(`${MINIMAL.replace('auth:\n  apiKeys:\n', `auth:\n  apiKeys:\n    - { name: b, keySha256: ${sha256('dashboard-secret')}, sources: ["*"] }\n`)}`);

      expect(problems).toEqual([{ path: 'auth.apiKeys[1]', message: 'same key as auth.apiKeys[0]' }]);
    });
  });

  describe('cache', () => {
    it('should read a redis URL with defaults for prefix and command timeout', () => {
      const config = load(`${MINIMAL}cache:\n  redis: { url: "redis://127.0.0.1:6379/0" }\n`);

      expect(config.cache.redis).toEqual({ url: 'redis://127.0.0.1:6379/0', keyPrefix: 'pgw', commandTimeoutMs: 500 });
    });

    it('should read a redis cluster and a sentinel setup', () => {
      const cluster = load(`${MINIMAL}cache:\n  redis:\n    cluster: { nodes: [{ host: r1, port: 7000 }, { host: r2, port: "7001" }] }\n    keyPrefix: "gw:eu"\n    commandTimeout: 1s\n`);
      const sentinel = load(`${MINIMAL}cache:\n  redis:\n    sentinel: { name: mymaster, nodes: [{ host: s1, port: 26379 }] }\n`);

      expect(cluster.cache.redis).toEqual({
        cluster: {
          nodes: [
            { host: 'r1', port: 7000 },
            { host: 'r2', port: 7001 },
          ],
        },
        keyPrefix: 'gw:eu',
        commandTimeoutMs: 1_000,
      });
      expect(sentinel.cache.redis).toEqual({ sentinel: { name: 'mymaster', nodes: [{ host: 's1', port: 26379 }] }, keyPrefix: 'pgw', commandTimeoutMs: 500 });
    });

    it.each([
      ['redis: { keyPrefix: pgw }', 'cache.redis', 'needs exactly one of url, cluster or sentinel'],
      ['redis: { url: "redis://a", cluster: { nodes: [{ host: b, port: 1 }] } }', 'cache.redis', 'needs exactly one of url, cluster or sentinel'],
      ['redis: { url: "http://a:6379" }', 'cache.redis.url', 'must be a redis:// or rediss:// URL'],
      ['redis: { url: "not a url" }', 'cache.redis.url', 'must be a redis:// or rediss:// URL'],
      ['redis: { cluster: { nodes: [] } }', 'cache.redis.cluster.nodes', 'must be a non-empty list of { host, port }'],
      ['redis: { cluster: { nodes: [{ host: a, port: 0 }] } }', 'cache.redis.cluster.nodes[0].port', 'must be an integer from 1 to 65535'],
      ['redis: { sentinel: { nodes: [{ host: a, port: 1 }] } }', 'cache.redis.sentinel.name', 'is required'],
      ['redis: { url: "redis://a", keyPrefix: "a b" }', 'cache.redis.keyPrefix', expect.stringMatching(/^must be 1 to 64 letters/)],
      ['redis: { url: "redis://a", commandTimeout: 0 }', 'cache.redis.commandTimeout', 'must be longer than 0ms'],
      ['memory: { maxItems: 0 }', 'cache.memory.maxItems', 'must be an integer from 1 to 10000000'],
      ['memory: { ttl: 1x }', 'cache.memory.ttl', expect.stringMatching(/^must be a number/)],
      ['memory: { size: 1 }', 'cache.memory.size', 'unknown key (expected one of maxItems, ttl, maxBytes)'],
      ['memory: { maxBytes: 1gb }', 'cache.memory.maxBytes', expect.stringMatching(/^must be a number of bytes or an integer with a unit/)],
      ['memory: { maxBytes: 0 }', 'cache.memory.maxBytes', 'must be at least 1 byte'],
      ['memory: { maxBytes: -1mb }', 'cache.memory.maxBytes', 'must not be negative'],
    ])('should report %s', (line, path, message) => {
      expect(problemsOf(`${MINIMAL}cache:\n  ${line}\n`)).toEqual([{ path, message }]);
    });
  });

  describe('contract v2 keys', () => {
    /** MINIMAL with `lines` appended under its only API key. */
    const withKey = (lines: string): string => MINIMAL.replace('      sources: ["*"]\n', `      sources: ["*"]\n${lines.replace(/^/gm, '      ')}\n`);

    it('should default the actions of a key to read and read read and purge', () => {
      expect(load(MINIMAL).auth.apiKeys[0]?.actions).toEqual(['read']);
      expect(load(withKey('actions: [read, purge]')).auth.apiKeys[0]?.actions).toEqual(['read', 'purge']);
      expect(load(withKey('actions: [purge]')).auth.apiKeys[0]?.actions).toEqual(['purge']);
    });

    it.each([
      ['actions: [read, delete]', '"delete" is not an action (expected one of read, purge)'],
      ['actions: [7]', '7 is not an action (expected one of read, purge)'],
      ['actions: []', 'must be a non-empty list of read, purge'],
      ['actions: read', 'must be a non-empty list of read, purge'],
    ])('should report %s', (line, message) => {
      expect(problemsOf(withKey(line))).toEqual([{ path: 'auth.apiKeys[0].actions', message }]);
    });

    it('should require a plain caller key of at least 16 characters, and keep the hex-64 rule of keySha256', () => {
      expect(problemsOf(MINIMAL.replace('key: dashboard-secret', 'key: x'))).toEqual([
        { path: 'auth.apiKeys[0].key', message: 'must be at least 16 characters' },
      ]);
      expect(problemsOf(MINIMAL.replace('key: dashboard-secret', `key: ${'k'.repeat(15)}`))).toEqual([
        { path: 'auth.apiKeys[0].key', message: 'must be at least 16 characters' },
      ]);
      expect(load(MINIMAL.replace('key: dashboard-secret', `key: ${'k'.repeat(16)}`)).auth.apiKeys[0]?.keySha256).toBe(sha256('k'.repeat(16)));
      expect(problemsOf(MINIMAL.replace('key: dashboard-secret', `keySha256: ${'a'.repeat(63)}`))).toEqual([
        { path: 'auth.apiKeys[0].keySha256', message: 'must be 64 hexadecimal characters (a SHA-256 digest)' },
      ]);
    });

    it('should count a caller key in characters, not UTF-16 units', () => {
      expect(problemsOf(MINIMAL.replace('key: dashboard-secret', `key: ${'😀'.repeat(15)}`))).toEqual([
        { path: 'auth.apiKeys[0].key', message: 'must be at least 16 characters' },
      ]);
    });

    it('should read batch.maxLookups, also from a variable', () => {
      expect(load(`${MINIMAL}batch: { maxLookups: 1000 }\n`).batch).toEqual({ maxLookups: 1000 });
      expect(load(`${MINIMAL}batch:\n  maxLookups: \${MAX_LOOKUPS}\n`, { env: { MAX_LOOKUPS: '7' } }).batch.maxLookups).toBe(7);
    });

    it.each([
      ['batch: { maxLookups: 0 }', 'batch.maxLookups', 'must be an integer from 1 to 1000'],
      ['batch: { maxLookups: 1001 }', 'batch.maxLookups', 'must be an integer from 1 to 1000'],
      ['batch: { maxLookups: 2.5 }', 'batch.maxLookups', 'must be an integer from 1 to 1000'],
      ['batch: { max: 5 }', 'batch.max', 'unknown key (expected one of maxLookups)'],
      ['batch: 5', 'batch', 'must be a mapping'],
    ])('should report %s', (line, path, message) => {
      expect(problemsOf(`${MINIMAL}${line}\n`)).toEqual([{ path, message }]);
    });

    it('should read a tracing section with its defaults', () => {
      const config = load(`${MINIMAL}tracing:\n  otlpEndpoint: http://127.0.0.1:4318/v1/traces\n`);

      expect(config.tracing).toEqual({ otlpEndpoint: 'http://127.0.0.1:4318/v1/traces', serviceName: 'profile-gateway', sampleRatio: 1 });
    });

    it('should read every tracing key, the ratio also as a string', () => {
      const config = load(`${MINIMAL}tracing: { otlpEndpoint: "https://otel.example.com/v1/traces", serviceName: pgw-eu, sampleRatio: "0.25" }\n`);

      expect(config.tracing).toEqual({ otlpEndpoint: 'https://otel.example.com/v1/traces', serviceName: 'pgw-eu', sampleRatio: 0.25 });
      expect(load(`${MINIMAL}tracing: { otlpEndpoint: "http://otel:4318", sampleRatio: 0 }\n`).tracing?.sampleRatio).toBe(0);
    });

    it.each([
      ['tracing: { serviceName: x }', 'tracing.otlpEndpoint', 'is required'],
      ['tracing: { otlpEndpoint: "grpc://otel:4317" }', 'tracing.otlpEndpoint', 'must be an http(s) URL'],
      ['tracing: { otlpEndpoint: otel }', 'tracing.otlpEndpoint', 'must be an http(s) URL'],
      ['tracing: { otlpEndpoint: "http://otel:4318", serviceName: "" }', 'tracing.serviceName', 'must not be empty'],
      ['tracing: { otlpEndpoint: "http://otel:4318", sampleRatio: 1.5 }', 'tracing.sampleRatio', 'must be a number from 0 to 1'],
      ['tracing: { otlpEndpoint: "http://otel:4318", sampleRatio: -0.1 }', 'tracing.sampleRatio', 'must be a number from 0 to 1'],
      ['tracing: { otlpEndpoint: "http://otel:4318", sampleRatio: half }', 'tracing.sampleRatio', 'must be a number from 0 to 1'],
      ['tracing: { otlpEndpoint: "http://otel:4318", ratio: 1 }', 'tracing.ratio', 'unknown key (expected one of otlpEndpoint, serviceName, sampleRatio)'],
      ['tracing:', 'tracing', 'must be a mapping'],
    ])('should report %s', (line, path, message) => {
      expect(problemsOf(`${MINIMAL}${line}\n`)).toEqual([{ path, message }]);
    });
  });

  describe('whole file', () => {
    it('should report unknown keys at the top level and in sections', () => {
      expect(problemsOf(`${MINIMAL}sever: { port: 1 }\nserver: { prot: 1 }\ndefault: {}\n`)).toEqual([
        { path: 'sever', message: 'unknown key (expected one of server, log, auth, cache, defaults, batch, tracing, sources)' },
        { path: 'default', message: 'unknown key (expected one of server, log, auth, cache, defaults, batch, tracing, sources)' },
        { path: 'server.prot', message: 'unknown key (expected one of port, host, shutdownTimeout)' },
      ]);
    });

    it('should report a section that is not a mapping', () => {
      expect(problemsOf(`${MINIMAL}server: 8080\n`)).toEqual([{ path: 'server', message: 'must be a mapping' }]);
    });

    it('should collect problems from every part of the file into one error with one line per problem', () => {
      const text = `
server: { port: http }
auth:
  apiKeys:
    - { name: a, key: "\${MISSING_KEY}", sources: [nope] }
defaults: { retries: 20 }
sources:
  crm: { kind: usertour, baseUrl: "ftp://x", token: t }
  Bad: { kind: x, baseUrl: "https://x.example", token: t }
`;

      const configError = configErrorOf(() => load(text));

      expect(configError.problems).toEqual([
        { path: 'auth.apiKeys[0].key', message: 'environment variable MISSING_KEY is not set' },
        { path: 'server.port', message: 'must be an integer from 0 to 65535' },
        { path: 'defaults.retries', message: 'must be an integer from 0 to 10' },
        { path: 'sources.crm.baseUrl', message: 'must be an http(s) URL' },
        { path: 'sources.Bad', message: expect.stringMatching(/^source name must be/) },
        { path: 'sources.Bad.kind', message: `must be one of ${ADAPTER_KINDS.join(', ')}` },
        { path: 'auth.apiKeys[0].sources[0]', message: 'unknown source "nope" (expected "*" or a name under sources)' },
      ]);
      expect(configError.message.split('\n')).toEqual(configError.problems.map((p) => `${p.path}: ${p.message}`));
      expect(configError.name).toBe('ConfigError');
    });

    it('should never show a secret in problems', () => {
      const problems = problemsOf(MINIMAL.replace('token: tok', 'token: "top secret"').replace('dashboard-secret', '"dash secret"'));

      expect(JSON.stringify(problems)).not.toMatch(/secret/);
      expect(problems.map((p) => p.path)).toEqual(['auth.apiKeys[0].key', 'sources.crm.token']);
    });
  });

  describe('example file', () => {
    const examplePath = fileURLToPath(new URL('../../config/gateway.example.yaml', import.meta.url));
    const env = {
      DASHBOARD_API_KEY: 'dashboard-key-0123456789',
      CACHE_WARMER_KEY_SHA256: sha256('warmer-key'),
      VEMETRIC_API_KEY: 'vem_0123456789abcdefghijklmnopqrstuv',
      AMM_API_TOKEN: 'amm-token',
      USERTOUR_API_KEY: 'ak_cl9v1x2y30000qwerty123456',
      ORG_DIRECTORY_TOKEN: '6f1c2f0e-3c4b-4b8e-9a51-0d2b7f1e8c3a',
    };

    it('should load with the variables it references', () => {
      const validateKindOptions = jest.fn<KindOptionsValidator>().mockReturnValue([]);

      const config = loadConfig({ kinds: ADAPTER_KINDS, path: examplePath, env, validateKindOptions });

      expect(config.server).toEqual({ port: 3000, host: '0.0.0.0', shutdownTimeoutMs: 10_000 });
      expect(config.auth.apiKeys.map((k) => [k.name, k.keySha256, k.sources])).toEqual([
        ['admin-dashboard', sha256('dashboard-key-0123456789'), ['*']],
        ['cache-warmer', sha256('warmer-key'), ['product-analytics', 'crm-usertour']],
      ]);
      expect(config.auth.apiKeys.map((k) => k.actions)).toEqual([['read', 'purge'], ['read']]);
      expect(config.cache.redis).toEqual({ url: 'redis://127.0.0.1:6379/0', keyPrefix: 'pgw', commandTimeoutMs: 500 });
      expect(config.cache.memory).toEqual({ maxItems: 10_000, ttlMs: 30_000, maxBytes: 64 * 1024 * 1024 });
      expect(config.batch).toEqual({ maxLookups: 100 });
      expect(config.sources.map((s) => [s.name, s.kind, s.baseUrl])).toEqual([
        ['product-analytics', 'vemetric', 'https://api.vemetric.com'],
        ['endpoint-agents', 'scalepad-amm', 'https://api.example.com'],
        ['crm-usertour', 'usertour', 'https://api.usertour.io'],
        ['access-directory', 'org-directory', 'https://directory.example.nl'],
      ]);
      expect(config.sources[1]?.options).toEqual({ clientId: 'aa7cf840-9ca9-46a3-9778-9015d6580d50' });
      expect(config.sources[2]?.cache).toEqual({ ttlMs: 600_000, staleWhileRevalidateMs: 60_000, staleIfErrorMs: 86_400_000, notFoundTtlMs: 60_000 });
      expect(config.sources[3]?.timeoutMs).toBe(5_000);
      expect(validateKindOptions).toHaveBeenCalledTimes(4);
    });

    it('should name every variable it needs when none is set', () => {
      const { problems } = configErrorOf(() => loadConfig({ kinds: ADAPTER_KINDS, path: examplePath, env: {} }));

      expect(problems.map((p) => p.message)).toEqual(Object.keys(env).map((name) => `environment variable ${name} is not set`));
    });
  });
});

import http from 'node:http';

import type { FakeUpstream } from '../../sandbox/fake-upstream.js';
import { CANONICAL_FIELDS } from '../../src/profiles/profile.model.js';
import { ADAPTER_KINDS, SOURCE_FACTORIES } from '../../src/sources/source-registry.js';
import { type Harness, type HttpAnswer, startHarness, TEST_API_KEY } from '../support/gateway-harness.js';
import type { KindContract } from '../support/kind-contract.js';

/**
 * One adapter contract, written once and run over every registered kind, against the real gateway over sockets and
 * the kind's fake upstream. A kind joins by exporting `contract` from `test/fixtures/<kind>/<kind>.contract.ts`.
 */
const contracts: Array<[string, KindContract]> = await Promise.all(
  ADAPTER_KINDS.map(async (kind): Promise<[string, KindContract]> => {
    const module = (await import(`../fixtures/${kind}/${kind}.contract.js`)) as { contract?: KindContract };
    if (!module.contract) throw new Error(`test/fixtures/${kind}/${kind}.contract.ts must export \`contract\``);
    return [kind, module.contract];
  }),
);

const MAX_RESPONSE_BYTES = 64 * 1024;

/** Ids with characters that must never change the upstream request: each stays one path segment or query value. */
const HOSTILE_IDS = ['../admin', 'a/b', '..', '.', 'a?b#c&d=e', '100%', 'Zoë 😀', ' spaced '];
const CONTROL_CHARACTER_IDS = ['a\u0000b', 'a\nb', 'a\rb', 'a\tb', 'a\u007fb', 'a\u0085b'];
const OVERLONG_IDS = ['x'.repeat(257), '1'.repeat(257)];

/** Empty in the canonical sense: null, [] or {}. */
function isEmpty(value: unknown): boolean {
  if (value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

function envReferences(text: string): string[] {
  return [...text.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((match) => match[1]!);
}

function yaml(fakes: Record<string, FakeUpstream>): string {
  const entry = (name: string, kind: string, baseUrl: string, token: string, settings: Readonly<Record<string, unknown>> = {}): string =>
    `  ${name}:\n    kind: ${kind}\n    baseUrl: ${JSON.stringify(baseUrl)}\n    token: ${JSON.stringify(token)}\n` +
    Object.entries(settings)
      .map(([key, value]) => `    ${key}: ${JSON.stringify(value)}\n`)
      .join('');
  const sources = contracts.flatMap(([kind, contract]) => {
    const url = fakes[kind]!.url;
    const example = SOURCE_FACTORIES[kind as keyof typeof SOURCE_FACTORIES].description.exampleConfig;
    return [
      entry(kind, kind, url, contract.token, contract.settings),
      entry(`${kind}-badkey`, kind, url, contract.rejectedToken.token, contract.settings),
      entry(`${kind}-wrongroute`, kind, url + contract.wrongRoute.basePath, contract.token, contract.settings),
      // Never called: the kind's documented example entry must load.
      entry(`${kind}-example`, kind, example.baseUrl, example.token, example.options),
    ];
  });
  return `
auth:
  apiKeys:
    - name: contract
      key: ${TEST_API_KEY}
      sources: ["*"]
defaults:
  timeout: 2s
  retries: 0
  maxResponseSize: ${MAX_RESPONSE_BYTES}
  circuitBreaker: { failureThreshold: 1000, halfOpenAfter: 1s }
  cache: { ttl: 1m, staleWhileRevalidate: 0, staleIfError: 0, notFoundTtl: 1m }
sources:
${sources.join('')}`;
}

describe('adapter contract', () => {
  let h: Harness;

  beforeAll(async () => {
    const env = Object.fromEntries(
      ADAPTER_KINDS.flatMap((kind) => envReferences(SOURCE_FACTORIES[kind].description.exampleConfig.token)).map((name) => [name, 'example-token']),
    );
    h = await startHarness({ fakes: Object.fromEntries(contracts.map(([kind, contract]) => [kind, contract.fake()])), yaml, env });
  });

  afterAll(async () => {
    await h.close();
  });

  beforeEach(() => {
    for (const fake of Object.values(h.fakes)) fake.reset();
  });

  /** GET with the path sent byte for byte (fetch would resolve dot-segments), always past the cache. */
  function get(path: string): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const { hostname, port } = new URL(h.url);
      const headers = { authorization: `Bearer ${TEST_API_KEY}`, 'cache-control': 'no-cache' };
      const req = http.request({ hostname, port, path, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: unknown;
          try {
            body = text.length > 0 ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: new Headers(res.headers as Record<string, string>), text, body });
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  describe.each(contracts)('kind %s', (kind, contract) => {
    const description = SOURCE_FACTORIES[kind as keyof typeof SOURCE_FACTORIES].description;
    const fake = (): FakeUpstream => h.fakes[kind]!;
    // Dots encoded too, so `..` reaches the gateway as an id, not as a dot-segment.
    const profilePath = (source: string, id: string, query = ''): string => `/profiles/${source}/${encodeURIComponent(id).replaceAll('.', '%2E')}${query}`;

    describe('id rules', () => {
      it.each(contract.existingIds)('should answer the existing user %p with its profile', async (id) => {
        const res = await get(profilePath(kind, id));

        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ source: kind, id, meta: { kind } });
        expect(Object.keys(res.body).sort()).toStrictEqual([...CANONICAL_FIELDS, 'meta'].sort());
      });

      it.each(contract.acceptedIds)('should accept %p and ask the upstream', async (id) => {
        const res = await get(profilePath(kind, id));

        expect(res.body?.code).not.toBe('VALIDATION_ERROR');
        expect(fake().calls).toHaveLength(1);
      });

      it.each([...contract.invalidIds, ...CONTROL_CHARACTER_IDS, ...OVERLONG_IDS])('should refuse %p with 400 before any upstream call', async (id) => {
        const res = await get(profilePath(kind, id));

        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ code: 'VALIDATION_ERROR', source: kind, errors: [{ field: 'id' }] });
        expect(fake().calls).toHaveLength(0);
      });
    });

    it.each(HOSTILE_IDS)('should refuse the id %p or send it as one encoded segment or query value', async (id) => {
      const res = await get(profilePath(kind, id));

      if (res.status === 400) {
        expect(res.body.code).toBe('VALIDATION_ERROR');
        expect(fake().calls).toHaveLength(0);
        return;
      }
      expect(fake().calls).toHaveLength(1);
      const call = fake().calls[0]!;
      expect(call.segments.includes(id) || call.query.some(([, value]) => value === id)).toBe(true);
      expect(call.rawPath.split('/').filter((segment) => segment === '.' || segment === '..')).toStrictEqual([]);
    });

    it(`should report the upstream refusing the gateway's credentials (${contract.rejectedToken.status}) as 502 UPSTREAM_AUTH_FAILED`, async () => {
      const res = await get(profilePath(`${kind}-badkey`, contract.existingIds[0]!));

      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', source: `${kind}-badkey` });
      expect(res.text).not.toContain(contract.rejectedToken.token);
      const call = fake().calls[0]!;
      const direct = await fetch(fake().url + call.rawPath, { headers: { authorization: `Bearer ${contract.rejectedToken.token}` } });
      expect(direct.status).toBe(contract.rejectedToken.status);
    });

    it('should answer PROFILE_NOT_FOUND when the upstream has no such user', async () => {
      const res = await get(profilePath(kind, contract.missingId));

      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'PROFILE_NOT_FOUND', source: kind });
    });

    it(`should answer ${contract.wrongRoute.code} when the base URL is wrong (the upstream's route 404)`, async () => {
      const res = await get(profilePath(`${kind}-wrongroute`, contract.existingIds[0]!));

      expect(fake().calls).toHaveLength(1);
      expect(res.body.code).toBe(contract.wrongRoute.code);
      expect(res.status).toBe(contract.wrongRoute.code === 'UPSTREAM_ERROR' ? 502 : 404);
      expect(res.text).not.toContain(fake().url);
    });

    describe('unusable 200 bodies are 502 UPSTREAM_BAD_RESPONSE', () => {
      it('should refuse a body that is not JSON', async () => {
        fake().enqueue({ type: 'garbage' });

        const res = await get(profilePath(kind, contract.existingIds[0]!));

        expect(res.status).toBe(502);
        expect(res.body.code).toBe('UPSTREAM_BAD_RESPONSE');
        expect(res.text).not.toContain('<html>');
      });

      it('should refuse a body of the wrong shape', async () => {
        fake().enqueue({ type: 'status', status: 200, body: contract.wrongShape });

        const res = await get(profilePath(kind, contract.existingIds[0]!));

        expect(res.status).toBe(502);
        expect(res.body.code).toBe('UPSTREAM_BAD_RESPONSE');
      });

      it('should refuse a body over the size limit', async () => {
        fake().enqueue({ type: 'huge', bytes: MAX_RESPONSE_BYTES * 2 });

        const res = await get(profilePath(kind, contract.existingIds[0]!));

        expect(res.status).toBe(502);
        expect(res.body.code).toBe('UPSTREAM_BAD_RESPONSE');
      });
    });

    describe('unsupportedFields', () => {
      const served = async (body: unknown): Promise<HttpAnswer> => {
        fake().enqueue({ type: 'status', status: 200, body });
        return get(profilePath(kind, contract.existingIds[0]!));
      };

      it.each(Object.entries(contract.bodies))('should list exactly the described fields, all empty, for the body %s', async (_name, body) => {
        const res = await served(body);

        expect(res.status).toBe(200);
        expect(res.body.meta.unsupportedFields).toStrictEqual([...description.unsupportedFields]);
        expect(description.unsupportedFields.filter((field) => !isEmpty(res.body[field]))).toStrictEqual([]);
      });

      it('should fill every field it does not list in at least one body', async () => {
        const profiles: Array<Record<string, unknown>> = [];
        for (const body of Object.values(contract.bodies)) profiles.push((await served(body)).body as Record<string, unknown>);

        const exempt = contract.unlistedButEmpty ?? {};
        const unlisted = CANONICAL_FIELDS.filter((field) => !description.unsupportedFields.includes(field));
        const neverFilled = unlisted.filter((field) => !(field in exempt) && profiles.every((profile) => isEmpty(profile[field])));
        const exemptButFilled = unlisted.filter((field) => field in exempt && !profiles.every((profile) => isEmpty(profile[field])));
        expect(neverFilled).toStrictEqual([]);
        expect(exemptButFilled).toStrictEqual([]);
      });
    });

    it('should add the upstream body exactly as received with include=raw, and not without', async () => {
      const [body] = Object.values(contract.bodies);
      fake().enqueue({ type: 'status', status: 200, body });
      fake().enqueue({ type: 'status', status: 200, body });

      const raw = await get(profilePath(kind, contract.existingIds[0]!, '?include=raw'));
      const plain = await get(profilePath(kind, contract.existingIds[0]!));

      expect(raw.status).toBe(200);
      expect(raw.body.raw).toStrictEqual(body);
      expect(plain.body).not.toHaveProperty('raw');
    });

    it('should describe the by=externalId lookup exactly when its fixtures have one', () => {
      expect(description.externalIdRule !== undefined).toBe(contract.externalId !== undefined);
    });

    if (contract.externalId) {
      const { value, id, missing } = contract.externalId;

      it('should look a user up by=externalId', async () => {
        const res = await get(profilePath(kind, value, '?by=externalId'));

        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ id, externalId: value });
      });

      it('should answer PROFILE_NOT_FOUND for an unknown externalId', async () => {
        const res = await get(profilePath(kind, missing, '?by=externalId'));

        expect(res.status).toBe(404);
        expect(res.body.code).toBe('PROFILE_NOT_FOUND');
      });

      it.each(CONTROL_CHARACTER_IDS)('should refuse the externalId %p with 400 before any upstream call', async (externalId) => {
        const res = await get(profilePath(kind, externalId, '?by=externalId'));

        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_ERROR');
        expect(fake().calls).toHaveLength(0);
      });
    } else {
      it('should answer 400 LOOKUP_NOT_SUPPORTED for by=externalId without calling the upstream', async () => {
        const res = await get(profilePath(kind, contract.existingIds[0]!, '?by=externalId'));

        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ code: 'LOOKUP_NOT_SUPPORTED', source: kind });
        expect(fake().calls).toHaveLength(0);
      });
    }
  });
});

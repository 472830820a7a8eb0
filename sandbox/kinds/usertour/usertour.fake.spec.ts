import http from 'node:http';

import { ProfileNotFoundError, UpstreamAuthFailedError, UpstreamFailureError } from '../../../src/profiles/profile.errors.js';
import type { ProfileSource } from '../../../src/profiles/profile-source.port.js';
import { usertourSourceFactory } from '../../../src/sources/usertour/usertour.source.js';
import { usertourErrorBodies, usertourExpandedNoCompanies, usertourFullyExpanded } from '../../../test/fixtures/usertour/usertour.fixtures.js';
import { realSource, testSourceConfig } from '../../../test/support/real-source.js';
import { type FakeUpstream, startFakeUpstream } from '../../fake-upstream.js';
import { usertourFake,type UsertourFakeData } from './usertour.fake.js';

const TOKEN = 'clx2k9c0a000108l5c3h2d7qz';
const AUTH = { authorization: `Bearer ak_${TOKEN}` };
const ODD_ID = 'team/42 Zoë 😀';

const data: UsertourFakeData = {
  tokens: [TOKEN],
  users: [
    {
      id: '1744521292871a',
      internalId: 'cm9zp4wyb000z6pt484wnbzs7',
      attributes: { name: 'Ada', plan: 'pro', seats: 5, beta: true },
      createdAt: '2025-04-27T13:39:47.024Z',
      memberships: [
        {
          id: 'cma9nhdis0002108kpmr9vfrl',
          attributes: { role: 'admin' },
          createdAt: '2025-05-04T12:51:10.881Z',
          company: {
            id: 'acme-corp',
            internalId: 'cm9zp4wyh00116pt4o5v5vg5t',
            attributes: { name: 'Acme Corp', domain: 'acme.com' },
            createdAt: '2025-04-27T13:39:47.024Z',
          },
        },
      ],
    },
    { id: 'user@example.com', attributes: { name: 'Solo', email: 'user@example.com' }, createdAt: '2026-01-02T03:04:05.678Z', memberships: [] },
    {
      id: ODD_ID,
      attributes: null,
      createdAt: '2025-06-01T10:00:00.000Z',
      memberships: [{ company: { id: 'initech', attributes: null } }, { attributes: { role: 'member' }, company: { id: 'globex', attributes: { name: 'Globex' } } }],
    },
    { id: '..', attributes: { name: 'Dots' }, createdAt: '2025-06-01T10:00:00.000Z' },
  ],
};

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

describe(usertourFake.name, () => {
  let fake: FakeUpstream;

  beforeAll(async () => {
    fake = await startFakeUpstream(usertourFake(data));
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.reset();
  });

  async function get(path: string, headers: Record<string, string> = AUTH, method = 'GET'): Promise<Answer> {
    const response = await fetch(fake.url + path, { method, headers });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as unknown };
  }

  /** A request whose path is sent byte for byte (fetch would resolve `%2E%2E` as a dot-segment). */
  function getRaw(path: string): Promise<{ status: number; body: unknown }> {
    const { hostname, port } = new URL(fake.url);
    return new Promise((resolve, reject) => {
      const request = http.request({ host: hostname, port, path, method: 'GET', headers: AUTH }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as unknown }));
      });
      request.on('error', reject);
      request.end();
    });
  }

  const user = (id: string, query = ''): string => `/v1/users/${encodeURIComponent(id)}${query}`;

  describe('authentication', () => {
    it('should answer 401 E1010 when the Authorization header is missing', async () => {
      const answer = await get(user('1744521292871a'), {});

      expect(answer.status).toBe(401);
      expect(answer.body).toStrictEqual(usertourErrorBodies.missingApiKey);
    });

    it.each([
      ['another scheme', `Basic ${TOKEN}`],
      ['a lower-case scheme', `bearer ${TOKEN}`],
      ['the scheme alone', 'Bearer'],
      ['an empty token', 'Bearer '],
      ['two spaces after the scheme', `Bearer  ${TOKEN}`],
    ])('should treat %s as a missing key (401 E1010)', async (_case, authorization) => {
      const answer = await get(user('1744521292871a'), { authorization });

      expect(answer.status).toBe(401);
      expect(answer.body).toStrictEqual(usertourErrorBodies.missingApiKey);
    });

    it.each([
      ['with the ak_ prefix', `Bearer ak_${TOKEN}`],
      ['as a bare cuid', `Bearer ${TOKEN}`],
    ])('should accept the key %s', async (_case, authorization) => {
      const answer = await get(user('1744521292871a'), { authorization });

      expect(answer.status).toBe(200);
    });

    it('should read only the first two space-separated parts of the header, as upstream', async () => {
      const answer = await get(user('1744521292871a'), { authorization: `Bearer ak_${TOKEN} trailing` });

      expect(answer.status).toBe(200);
    });

    it.each([
      ['an unknown key', 'Bearer ak_clx0000000000000000000000'],
      ['a key with the prefix twice', `Bearer ak_ak_${TOKEN}`],
    ])('should answer 403 E1000 for %s', async (_case, authorization) => {
      const answer = await get(user('1744521292871a'), { authorization });

      expect(answer.status).toBe(403);
      expect(answer.body).toStrictEqual(usertourErrorBodies.invalidApiKey);
    });

    it('should check the key before expand and before the lookup', async () => {
      const badKey = { authorization: 'Bearer ak_nope' };

      const badExpand = await get(user('1744521292871a', '?expand=memberships,companies'), badKey);
      const unknownUser = await get(user('nobody'), badKey);

      expect(badExpand.status).toBe(403);
      expect(unknownUser.status).toBe(403);
    });
  });

  describe('expand', () => {
    it('should send companies and memberships as null without expand', async () => {
      const answer = await get(user('1744521292871a'));

      expect(answer.status).toBe(200);
      expect(answer.body).toStrictEqual({
        id: '1744521292871a',
        object: 'user',
        attributes: { name: 'Ada', plan: 'pro', seats: 5, beta: true },
        createdAt: '2025-04-27T13:39:47.024Z',
        companies: null,
        memberships: null,
      });
    });

    it('should send memberships without a company key with expand[]=memberships only', async () => {
      const answer = await get(user('1744521292871a', '?expand[]=memberships'));

      expect(answer.body).toStrictEqual({
        id: '1744521292871a',
        object: 'user',
        attributes: { name: 'Ada', plan: 'pro', seats: 5, beta: true },
        createdAt: '2025-04-27T13:39:47.024Z',
        companies: null,
        memberships: [
          {
            id: 'cma9nhdis0002108kpmr9vfrl',
            object: 'companyMembership',
            attributes: { role: 'admin' },
            createdAt: '2025-05-04T12:51:10.881Z',
            companyId: 'cm9zp4wyh00116pt4o5v5vg5t',
            userId: 'cm9zp4wyb000z6pt484wnbzs7',
          },
        ],
      });
      expect(answer.text).not.toContain('"company"');
    });

    it('should render the upstream example byte for byte, key order included, with all three values', async () => {
      const answer = await get(user('1744521292871a', '?expand[]=memberships&expand[]=memberships.company&expand[]=companies'));

      expect(answer.text).toBe(JSON.stringify(usertourFullyExpanded));
    });

    it.each([
      ['expand[]=memberships.company alone', '?expand[]=memberships.company'],
      ['a plain expand=memberships.company', '?expand=memberships.company'],
      ['plain repeated expand values', '?expand=memberships&expand=memberships.company'],
      ['the pair the gateway sends, encoded', '?expand%5B%5D=memberships&expand%5B%5D=memberships.company'],
    ])('should expand memberships with their company for %s', async (_case, query) => {
      const answer = await get(user('1744521292871a', query));
      const body = answer.body as { companies: unknown; memberships: Array<Record<string, unknown>> };

      expect(body.companies).toBeNull();
      expect(body.memberships).toHaveLength(1);
      expect(body.memberships[0]?.company).toStrictEqual({
        id: 'acme-corp',
        object: 'company',
        attributes: { name: 'Acme Corp', domain: 'acme.com' },
        createdAt: '2025-04-27T13:39:47.024Z',
      });
    });

    it('should send companies alone with expand=companies', async () => {
      const answer = await get(user('1744521292871a', '?expand=companies'));
      const body = answer.body as { companies: Array<{ id: string }>; memberships: unknown };

      expect(body.companies.map((company) => company.id)).toStrictEqual(['acme-corp']);
      expect(body.memberships).toBeNull();
    });

    it('should send empty lists when expanded and the user has no company', async () => {
      const answer = await get(user('user@example.com', '?expand[]=memberships&expand[]=memberships.company&expand[]=companies'));

      expect(answer.text).toBe(JSON.stringify(usertourExpandedNoCompanies));
    });

    it('should send {} for null attributes and keep membership order', async () => {
      const answer = await get(user(ODD_ID, '?expand[]=memberships.company'));
      const body = answer.body as { attributes: unknown; memberships: Array<{ attributes: unknown; company: { id: string; attributes: unknown } }> };

      expect(body.attributes).toStrictEqual({});
      expect(body.memberships.map((m) => m.company.id)).toStrictEqual(['initech', 'globex']);
      expect(body.memberships[0]?.attributes).toStrictEqual({});
      expect(body.memberships[0]?.company.attributes).toStrictEqual({});
    });

    it.each([
      ['a comma-joined value', '?expand=memberships,companies'],
      ['a comma-joined array item', '?expand[]=memberships,memberships.company'],
      ['an unknown value', '?expand[]=memberships&expand[]=users'],
      ['an empty value', '?expand='],
    ])('should answer 400 E1017 for %s', async (_case, query) => {
      const answer = await get(user('1744521292871a', query));

      expect(answer.status).toBe(400);
      expect(answer.body).toStrictEqual(usertourErrorBodies.invalidExpand);
    });

    it('should validate expand before looking the user up', async () => {
      const answer = await get(user('nobody', '?expand=memberships,companies'));

      expect(answer.status).toBe(400);
    });

    it('should ignore unknown query parameters', async () => {
      const answer = await get(user('1744521292871a', '?include=everything'));

      expect(answer.status).toBe(200);
    });
  });

  describe('lookup', () => {
    it('should answer 404 E1001 for an unknown user', async () => {
      const answer = await get(user('nobody'));

      expect(answer.status).toBe(404);
      expect(answer.body).toStrictEqual(usertourErrorBodies.userNotFound);
    });

    it('should compare ids exactly', async () => {
      const answer = await get(user('USER@EXAMPLE.COM'));

      expect(answer.status).toBe(404);
    });

    it('should find an id with a slash, spaces and unicode sent as one encoded segment', async () => {
      const answer = await get(user(ODD_ID));

      expect(answer.status).toBe(200);
      expect((answer.body as { id: string }).id).toBe(ODD_ID);
      expect(fake.calls[0]?.rawPath).toBe('/v1/users/team%2F42%20Zo%C3%AB%20%F0%9F%98%80');
    });

    it('should find the id ".." sent as %2E%2E', async () => {
      const answer = await getRaw('/v1/users/%2E%2E');

      expect(answer.status).toBe(200);
      expect((answer.body as { id: string }).id).toBe('..');
    });

    it('should accept a trailing slash after the id, as Express does', async () => {
      const answer = await get('/v1/users/user%40example.com/');

      expect(answer.status).toBe(200);
    });

    it('should use the configured doc_url', async () => {
      const other = await startFakeUpstream(usertourFake({ ...data, docUrl: 'https://docs.usertour.com' }));
      try {
        const response = await fetch(`${other.url}/v1/users/nobody`, { headers: AUTH });

        expect(await response.json()).toStrictEqual({ error: { code: 'E1001', message: 'User not found', doc_url: 'https://docs.usertour.com' } });
      } finally {
        await other.close();
      }
    });
  });

  describe('unknown routes', () => {
    it("should answer Nest's default 404 body, without checking the key", async () => {
      const answer = await get('/v1/userz/x', {});

      expect(answer.status).toBe(404);
      expect(answer.body).toStrictEqual(usertourErrorBodies.routeNotFound);
    });

    it.each([
      ['a wrong prefix', 'GET', '/api/v1/users/x', 'Cannot GET /api/v1/users/x'],
      ['two segments after users', 'GET', '/v1/users/a/b', 'Cannot GET /v1/users/a/b'],
      ['no id', 'GET', '/v1/users/', 'Cannot GET /v1/users/'],
      ['another method', 'POST', '/v1/users/x', 'Cannot POST /v1/users/x'],
    ])('should answer the default 404 for %s', async (_case, method, path, message) => {
      const answer = await get(path, AUTH, method);

      expect(answer.status).toBe(404);
      expect(answer.body).toStrictEqual({ statusCode: 404, message, error: 'Not Found' });
    });
  });

  describe('with the usertour source over HTTP', () => {
    let close: () => void;

    function sourceFor(baseUrl: string, token = `ak_${TOKEN}`): ProfileSource {
      const real = realSource(usertourSourceFactory, testSourceConfig({ name: 'crm-usertour', kind: 'usertour', baseUrl, token }));
      close = real.close;
      return real.source;
    }

    afterEach(() => {
      close();
    });

    it('should fetch and map a user with its company memberships', async () => {
      const sut = sourceFor(fake.url);

      const { profile } = await sut.fetchProfile({ id: '1744521292871a', by: 'id' }, { requestId: 'r1' });

      expect(profile.displayName).toBe('Ada');
      expect(profile.memberships).toStrictEqual([
        { id: 'acme-corp', name: 'Acme Corp', type: 'company', role: 'admin', description: null, attributes: { name: 'Acme Corp', domain: 'acme.com' } },
      ]);
      expect(fake.calls[0]?.query).toStrictEqual([
        ['expand[]', 'memberships'],
        ['expand[]', 'memberships.company'],
      ]);
    });

    it('should fetch a user whose id holds a slash, spaces and unicode', async () => {
      const sut = sourceFor(fake.url);

      const { profile } = await sut.fetchProfile({ id: ODD_ID, by: 'id' }, { requestId: 'r2' });

      expect(profile.id).toBe(ODD_ID);
      expect(profile.memberships.map((m) => m.id)).toStrictEqual(['initech', 'globex']);
    });

    it('should report a missing user as not found', async () => {
      const sut = sourceFor(fake.url);

      await expect(sut.fetchProfile({ id: 'nobody', by: 'id' }, { requestId: 'r3' })).rejects.toBeInstanceOf(ProfileNotFoundError);
    });

    it('should report a wrong base URL as an upstream error, not a missing user', async () => {
      const sut = sourceFor(`${fake.url}/api`);

      await expect(sut.fetchProfile({ id: '1744521292871a', by: 'id' }, { requestId: 'r4' })).rejects.toBeInstanceOf(UpstreamFailureError);
    });

    it('should report an unknown key as an upstream auth failure', async () => {
      const sut = sourceFor(fake.url, 'ak_clx0000000000000000000000');

      await expect(sut.fetchProfile({ id: '1744521292871a', by: 'id' }, { requestId: 'r5' })).rejects.toBeInstanceOf(UpstreamAuthFailedError);
    });
  });
});

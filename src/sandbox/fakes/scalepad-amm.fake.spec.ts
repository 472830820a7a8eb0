import {
  AMM_CLIENT_ID,
  ammClientNotFoundBody,
  ammDesktopUser,
  ammForbiddenBody,
  ammFullUser,
  ammMalformedUuidBody,
  ammNewUser,
  ammUnauthorizedBody,
  ammUserNotFoundBody,
} from '../../sources/scalepad-amm/__fixtures__/scalepad-amm.fixtures.js';
import { type FakeUpstream, startFakeUpstream } from '../fake-upstream.js';
import { scalepadAmmFake, type ScalepadAmmFakeData } from './scalepad-amm.fake.js';

const TOKEN = 'amm-token-1';
const OTHER_TOKEN = 'amm-token-2';
const OTHER_CLIENT_ID = 'bb7cf840-9ca9-46a3-9778-9015d6580d51';
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

describe(scalepadAmmFake.name, () => {
  let fake: FakeUpstream;

  async function start(overrides: Partial<ScalepadAmmFakeData> = {}): Promise<void> {
    fake = await startFakeUpstream(
      scalepadAmmFake({
        tokens: [TOKEN, OTHER_TOKEN],
        clients: [
          { id: AMM_CLIENT_ID, users: [ammFullUser, ammNewUser] },
          { id: OTHER_CLIENT_ID, users: [ammDesktopUser] },
        ],
        ...overrides,
      }),
    );
  }

  afterEach(async () => {
    await fake.close();
  });

  async function get(path: string, headers: Record<string, string> = AUTH, method = 'GET'): Promise<Answer> {
    const response = await fetch(fake.url + path, { method, headers });
    return { status: response.status, headers: response.headers, body: await response.json() };
  }

  const userPath = (clientId: string, userId: string): string => `/v2/clients/${clientId}/users/${userId}`;

  describe('lookup', () => {
    beforeEach(() => start());

    it.each([
      ['the full user', AMM_CLIENT_ID, ammFullUser],
      ['the user whose id is not a strict UUID', AMM_CLIENT_ID, ammNewUser],
      ['the desktop-only user of another client', OTHER_CLIENT_ID, ammDesktopUser],
    ])('should answer 200 with %s as stored', async (_, clientId, user) => {
      const answer = await get(userPath(clientId, user.id as string));

      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(answer.body).toStrictEqual(user);
    });

    it('should answer the user when the path has a trailing slash', async () => {
      const answer = await get(userPath(AMM_CLIENT_ID, ammFullUser.id as string) + '/');

      expect(answer.status).toBe(200);
      expect(answer.body).toStrictEqual(ammFullUser);
    });

    it('should answer 404 User not found when the user is unknown', async () => {
      const answer = await get(userPath(AMM_CLIENT_ID, '00000000-0000-0000-0000-000000000000'));

      expect(answer).toMatchObject({ status: 404, body: ammUserNotFoundBody });
    });

    it('should answer 404 User not found when the user belongs to another client', async () => {
      const answer = await get(userPath(AMM_CLIENT_ID, ammDesktopUser.id as string));

      expect(answer).toMatchObject({ status: 404, body: ammUserNotFoundBody });
    });

    it('should answer 404 Client not found when the client is unknown', async () => {
      const answer = await get(userPath('cccccccc-9ca9-46a3-9778-9015d6580d50', ammFullUser.id as string));

      expect(answer).toMatchObject({ status: 404, body: ammClientNotFoundBody });
    });

    it.each([
      ['a user id that is not UUID-shaped', userPath(AMM_CLIENT_ID, 'mikechang')],
      ['a user id with an encoded slash', userPath(AMM_CLIENT_ID, 'a1d97031-04e2-4907-a249%2F093f7436207b')],
      ['a client id that is not UUID-shaped', userPath('client-1', ammFullUser.id as string)],
    ])('should answer 400 with the pipe message for %s', async (_, path) => {
      const answer = await get(path);

      expect(answer).toMatchObject({ status: 400, body: ammMalformedUuidBody });
    });
  });

  describe('authentication and permissions', () => {
    beforeEach(() => start({ grants: { [OTHER_TOKEN]: [OTHER_CLIENT_ID] } }));

    it.each([
      ['no Authorization header', {}],
      ['another scheme', { authorization: `Basic ${TOKEN}` }],
      ['an unknown token', { authorization: 'Bearer nope' }],
    ])('should answer 401 with the Nest default body when there is %s', async (_, headers) => {
      const answer = await get(userPath(AMM_CLIENT_ID, ammFullUser.id as string), headers);

      expect(answer).toMatchObject({ status: 401, body: ammUnauthorizedBody });
    });

    it('should authenticate before validating the ids when both are wrong', async () => {
      const answer = await get(userPath(AMM_CLIENT_ID, 'not-a-uuid'), {});

      expect(answer).toMatchObject({ status: 401, body: ammUnauthorizedBody });
    });

    it('should answer 403 Forbidden resource when the token may not read the client', async () => {
      const answer = await get(userPath(AMM_CLIENT_ID, ammFullUser.id as string), { authorization: `Bearer ${OTHER_TOKEN}` });

      expect(answer).toMatchObject({ status: 403, body: ammForbiddenBody });
    });

    it('should answer 200 when the token is granted that client', async () => {
      const answer = await get(userPath(OTHER_CLIENT_ID, ammDesktopUser.id as string), { authorization: `Bearer ${OTHER_TOKEN}` });

      expect(answer).toMatchObject({ status: 200, body: ammDesktopUser });
    });
  });

  describe('routing', () => {
    beforeEach(() => start());

    it.each([
      ['a path without the version', 'GET', `/clients/${AMM_CLIENT_ID}/users/${ammFullUser.id as string}`],
      ['the list endpoint', 'GET', `/v2/clients/${AMM_CLIENT_ID}/users`],
      ['another method', 'DELETE', userPath(AMM_CLIENT_ID, ammFullUser.id as string)],
    ])('should answer Nest route-miss 404 without authentication for %s', async (_, method, path) => {
      const answer = await get(path, {}, method);

      expect(answer).toMatchObject({ status: 404, body: { statusCode: 404, message: `Cannot ${method} ${path}`, error: 'Not Found' } });
    });

    it('should record the request with its raw path and headers', async () => {
      await get(userPath(AMM_CLIENT_ID, ammFullUser.id as string));

      expect(fake.calls).toHaveLength(1);
      expect(fake.calls[0]?.rawPath).toBe(userPath(AMM_CLIENT_ID, ammFullUser.id as string));
      expect(fake.calls[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    });
  });
});

import type { JsonObject } from '../../../src/profiles/profile.model.js';
import {
  vemetricAnonymous,
  vemetricErrorBodies,
  vemetricIdentified,
  vemetricMaxId,
  vemetricNoEvents,
  vemetricNonStringEmail,
} from '../../../test/fixtures/vemetric/vemetric.fixtures.js';
import { type FakeUpstream, startFakeUpstream } from '../../fake-upstream.js';
import { vemetricFake, type VemetricFakeData } from './vemetric.fake.js';

const KEY = 'vem_0123456789abcdefghijklmnopqrstuv';
const AUTH = { authorization: `Bearer ${KEY}` };
/** 2026-01-19T11:20:00.500Z: half a second into a second, so `ceil` matters. */
const NOW_MS = 1_768_821_600_500;

const userOf = (fixture: JsonObject): JsonObject => fixture.user as JsonObject;

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

describe(vemetricFake.name, () => {
  let fake: FakeUpstream;
  let nowMs: number;

  async function start(overrides: Partial<VemetricFakeData> = {}): Promise<void> {
    nowMs = NOW_MS;
    fake = await startFakeUpstream(
      vemetricFake({
        tokens: [KEY],
        users: [vemetricIdentified, vemetricAnonymous, vemetricNoEvents, vemetricMaxId, vemetricNonStringEmail].map(userOf),
        now: () => nowMs,
        ...overrides,
      }),
    );
  }

  afterEach(async () => {
    await fake.close();
  });

  async function get(path: string, headers: Record<string, string> = AUTH): Promise<Answer> {
    const response = await fetch(fake.url + path, { headers });
    return { status: response.status, headers: response.headers, body: (await response.json()) };
  }

  describe('authentication', () => {
    beforeEach(() => start());

    it.each([
      ['no Authorization header', {}, vemetricErrorBodies.missingKey],
      ['another scheme', { authorization: `Basic ${KEY}` }, vemetricErrorBodies.malformedHeader],
      ['a lower-case scheme', { authorization: `bearer ${KEY}` }, vemetricErrorBodies.malformedHeader],
      ['a key of the wrong length', { authorization: `Bearer ${KEY}x` }, vemetricErrorBodies.invalidKeyFormat],
      ['a key without the vem_ prefix', { authorization: `Bearer xem_${KEY.slice(4)}` }, vemetricErrorBodies.invalidKeyFormat],
      ['an unknown key of the right format', { authorization: 'Bearer vem_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz' }, vemetricErrorBodies.unknownKey],
    ])('should answer 401 with the exact message for %s', async (_case, headers, body) => {
      const answer = await get('/v1/users/single?id=7', headers);

      expect(answer.status).toBe(401);
      expect(answer.body).toStrictEqual(body);
    });

    it('should send no rate-limit headers with a 401', async () => {
      const answer = await get('/v1/users/single?id=7', {});

      expect(answer.headers.get('x-ratelimit-limit')).toBeNull();
      expect(answer.headers.get('x-ratelimit-remaining')).toBeNull();
      expect(answer.headers.get('x-ratelimit-reset')).toBeNull();
    });

    it('should check the key before routing under /v1/', async () => {
      const answer = await get('/v1/nothing-here', {});

      expect(answer.status).toBe(401);
    });
  });

  describe('routing', () => {
    beforeEach(() => start());

    it('should answer 404 NOT_FOUND with rate-limit headers for an unknown route under /v1/', async () => {
      const answer = await get('/v1/users/list');

      expect(answer.status).toBe(404);
      expect(answer.body).toStrictEqual(vemetricErrorBodies.routeNotFound);
      expect(answer.headers.get('x-ratelimit-remaining')).toBe('99');
    });

    it('should answer 404 NOT_FOUND outside /v1/ without asking for a key', async () => {
      const answer = await get('/api/v1/users/single?id=7', {});

      expect(answer.status).toBe(404);
      expect(answer.body).toStrictEqual(vemetricErrorBodies.routeNotFound);
    });
  });

  describe('query validation', () => {
    beforeEach(() => start());

    it.each([
      ['neither id nor identifier', '', vemetricErrorBodies.exactlyOne],
      ['both id and identifier', '?id=7&identifier=seven', vemetricErrorBodies.exactlyOne],
      ['a non-numeric id', '?id=abc', vemetricErrorBodies.nonNumericId],
      ['a negative id', '?id=-7', vemetricErrorBodies.nonNumericId],
      ['an empty identifier', '?identifier=', vemetricErrorBodies.emptyIdentifier],
    ])('should answer 400 with the exact body for %s', async (_case, query, body) => {
      const answer = await get(`/v1/users/single${query}`);

      expect(answer.status).toBe(400);
      expect(answer.body).toStrictEqual(body);
      expect(answer.headers.get('x-ratelimit-limit')).toBe('100');
    });

    it('should ignore unknown query parameters', async () => {
      const answer = await get('/v1/users/single?id=7&expand=all');

      expect(answer.status).toBe(200);
    });
  });

  describe('lookup', () => {
    beforeEach(() => start());

    it('should answer an identified user by id', async () => {
      const answer = await get('/v1/users/single?id=15241578750190521233');

      expect(answer.status).toBe(200);
      expect(answer.body).toStrictEqual(vemetricIdentified);
    });

    it('should answer the same user by identifier', async () => {
      const answer = await get('/v1/users/single?identifier=user-3');

      expect(answer.body).toStrictEqual(vemetricIdentified);
    });

    it('should find an identifier that needs encoding', async () => {
      const answer = await get(`/v1/users/single?identifier=${encodeURIComponent('john@example.com')}`);

      expect(answer.body).toStrictEqual(vemetricNoEvents);
    });

    it('should find the 20-digit id 2^64 - 1 as an exact string', async () => {
      const answer = await get('/v1/users/single?id=18446744073709551615');

      expect(answer.status).toBe(200);
      expect((answer.body as { user: { id: string } }).user.id).toBe('18446744073709551615');
    });

    it('should find id 7 for the id 007', async () => {
      const answer = await get('/v1/users/single?id=007');

      expect(answer.status).toBe(200);
      expect((answer.body as { user: { id: string } }).user.id).toBe('7');
    });

    it('should find an anonymous user by id', async () => {
      const answer = await get('/v1/users/single?id=9871362519984412057');

      expect(answer.body).toStrictEqual(vemetricAnonymous);
    });

    it('should never find an anonymous user by identifier, not even with the string "null"', async () => {
      const answer = await get('/v1/users/single?identifier=null');

      expect(answer.status).toBe(404);
      expect(answer.body).toStrictEqual(vemetricErrorBodies.userNotFound);
    });

    it.each([
      ['an unknown id', '?id=1'],
      ['an unknown identifier', '?identifier=nobody'],
      ['an identifier in another case', '?identifier=USER-3'],
    ])('should answer 404 USER_NOT_FOUND with rate-limit headers for %s', async (_case, query) => {
      const answer = await get(`/v1/users/single${query}`);

      expect(answer.status).toBe(404);
      expect(answer.body).toStrictEqual(vemetricErrorBodies.userNotFound);
      expect(answer.headers.get('x-ratelimit-limit')).toBe('100');
    });
  });

  describe('rate limit', () => {
    it('should send limit, remaining and an absolute epoch reset, and no Retry-After', async () => {
      await start();

      const first = await get('/v1/users/single?id=7');
      const second = await get('/v1/users/single?id=7');

      expect(first.headers.get('x-ratelimit-limit')).toBe('100');
      expect(first.headers.get('x-ratelimit-remaining')).toBe('99');
      expect(second.headers.get('x-ratelimit-remaining')).toBe('98');
      // ceil(now in seconds) + 60: an absolute Unix time, not a number of seconds to wait.
      expect(first.headers.get('x-ratelimit-reset')).toBe('1768821661');
      expect(second.headers.get('x-ratelimit-reset')).toBe('1768821661');
      expect(first.headers.get('retry-after')).toBeNull();
    });

    it('should answer 429 after the limit, still counting, with no Retry-After', async () => {
      await start({ rateLimit: 2 });
      await get('/v1/users/single?id=7');
      await get('/v1/users/single?id=1');

      const third = await get('/v1/users/single?id=7');
      const fourth = await get('/v1/users/single?id=7');

      expect(third.status).toBe(429);
      expect(third.body).toStrictEqual(vemetricErrorBodies.rateLimited);
      expect(third.headers.get('x-ratelimit-limit')).toBe('2');
      expect(third.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(third.headers.get('x-ratelimit-reset')).toBe('1768821661');
      expect(third.headers.get('retry-after')).toBeNull();
      expect(fourth.status).toBe(429);
    });

    it('should rate limit before validating the query', async () => {
      await start({ rateLimit: 1 });
      await get('/v1/users/single?id=7');

      const answer = await get('/v1/users/single?id=abc');

      expect(answer.status).toBe(429);
    });

    it('should not count requests rejected by authentication', async () => {
      await start({ rateLimit: 1 });
      await get('/v1/users/single?id=7', {});
      await get('/v1/users/single?id=7', { authorization: 'Bearer nope' });

      const answer = await get('/v1/users/single?id=7');

      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-ratelimit-remaining')).toBe('0');
    });

    it('should open a new window once the reset time has passed', async () => {
      await start({ rateLimit: 1 });
      await get('/v1/users/single?id=7');
      expect((await get('/v1/users/single?id=7')).status).toBe(429);

      nowMs = 1_768_821_661_000;
      const answer = await get('/v1/users/single?id=7');

      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(answer.headers.get('x-ratelimit-reset')).toBe('1768821721');
    });
  });
});

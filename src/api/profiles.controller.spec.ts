import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

import { jest } from '@jest/globals';
import { APP_FILTER } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';

import { testProfile } from '../../test/support/test-profiles.js';
import { ApiKeyAuthenticator } from '../auth/api-key.authenticator.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { createKeyRateLimiter, KeyRateLimiter } from '../auth/key-rate-limiter.js';
import { requestIdOf } from '../bootstrap.js';
import { type CachedProfile, profileEntry, profileOf, rawOf } from '../cache/cache-entry.js';
import type { CacheAnswer } from '../cache/index.js';
import { ProblemFilter } from '../common/problem.filter.js';
import type { ApiKeyConfig } from '../config/config.types.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import {
  ProfileNotFoundError,
  SourceNotFoundError,
  UpstreamFailureError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  ValidationError,
} from '../profiles/profile.errors.js';
import { ProfilesController } from './profiles.controller.js';
import { type ProfileRequest, ProfilesService } from './profiles.service.js';

const KEY = 'controller-spec-key-0123456789';
const AUTH = { authorization: `Bearer ${KEY}` };
/** `application/problem+json`, with or without parameters. */
const PROBLEM_TYPE = /^application\/problem\+json(;|$)/;

function entryOf(id: string, displayName = 'John Doe'): CachedProfile {
  const profile = testProfile({ source: 'crm', id, externalId: id, displayName });
  return { ...profileEntry({ profile, raw: { id, attributes: { name: displayName } } }, 1_700_000_000_000), etag: `"etag-${id}-${displayName.length}"` };
}

function answerOf(entry: CachedProfile): CacheAnswer {
  return { entry, outcome: { kind: 'hit', ttlSeconds: 240, notFound: false }, ageSeconds: 60, maxAgeSeconds: 240 };
}

/**
 * The controller in a Nest application on Fastify, as in production: the real caller-key guard (one key that may read
 * `crm`) and the real global problem filter, with a fake ProfilesService. Requests are injected, not sent over sockets.
 */
async function setup() {
  const getProfile = jest.fn<(request: ProfileRequest) => Promise<CacheAnswer>>();
  const apiKeys: ApiKeyConfig[] = [{ name: 'svc', keySha256: createHash('sha256').update(KEY).digest('hex'), sources: ['crm'], actions: ['read'] }];
  const auth = { disabled: false, apiKeys };
  const moduleRef = await Test.createTestingModule({
    controllers: [ProfilesController],
    providers: [
      { provide: ProfilesService, useValue: { getProfile } },
      { provide: ApiKeyAuthenticator, useValue: new ApiKeyAuthenticator(auth) },
      { provide: KeyRateLimiter, useValue: createKeyRateLimiter({ apiKeys: auth.apiKeys }) },
      { provide: GatewayMetrics, useValue: new GatewayMetrics({ sourceNames: ['crm'], defaultMetrics: false }) },
      ApiKeyGuard,
      { provide: APP_FILTER, useClass: ProblemFilter },
    ],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter({ genReqId: (req: { headers: IncomingHttpHeaders }) => requestIdOf(req) }), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers: { ...AUTH, 'x-request-id': 'req-42', ...headers } });
  return { app, get, getProfile };
}

describe(ProfilesController.name, () => {
  let sut: Awaited<ReturnType<typeof setup>>;

  beforeEach(async () => {
    sut = await setup();
  });

  afterEach(async () => {
    await sut.app.close();
  });

  describe('200', () => {
    it('should answer the canonical profile without raw, with the validator and freshness headers of the answer', async () => {
      const entry = entryOf('usr_1');
      sut.getProfile.mockResolvedValue(answerOf(entry));

      const response = await sut.get('/profiles/crm/usr_1');

      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers).toMatchObject({
        etag: entry.etag,
        'cache-control': 'private, max-age=240',
        age: '60',
        'cache-status': 'profile-gateway; hit; ttl=240',
      });
      expect(response.json()).toStrictEqual(profileOf(entry));
    });

    it('should answer the stored body byte for byte, without serializing the profile again', async () => {
      const entry = { ...entryOf('usr_1'), body: '{ "id" : "usr_1",\n  "stored": "as is" }', rawJson: '{"raw":1}' };
      sut.getProfile.mockResolvedValue(answerOf(entry));

      const plain = await sut.get('/profiles/crm/usr_1');
      const withRaw = await sut.get('/profiles/crm/usr_1?include=raw');

      expect(plain.body).toBe(entry.body);
      expect(withRaw.body).toBe('{ "id" : "usr_1",\n  "stored": "as is" ,"raw":{"raw":1}}');
    });

    it('should pass the decoded id, the by value, the cache directive and the request id to the service', async () => {
      sut.getProfile.mockResolvedValue(answerOf(entryOf('a/b c')));

      await sut.get('/profiles/crm/a%2Fb%20c?by=externalId&other=1', { 'cache-control': 'no-cache' });

      expect(sut.getProfile).toHaveBeenCalledTimes(1);
      expect(sut.getProfile).toHaveBeenCalledWith({
        source: 'crm',
        id: 'a/b c',
        by: 'externalId',
        directives: { noCache: true },
        requestId: 'req-42',
        onUpstreamAttempt: expect.any(Function),
      });
    });

    it.each([['include=raw'], ['include=x,raw'], ['include=x&include=raw']])('should add the upstream body as raw for %s', async (query) => {
      const entry = entryOf('usr_1');
      sut.getProfile.mockResolvedValue(answerOf(entry));

      const response = await sut.get(`/profiles/crm/usr_1?${query}`);

      expect(response.statusCode).toBe(200);
      expect(response.json()).toStrictEqual({ ...profileOf(entry), raw: rawOf(entry) });
      expect(response.body).toBe(JSON.stringify({ ...profileOf(entry), raw: rawOf(entry) }));
    });

    it('should answer each entry with its own body when the cache holds a newer copy of the same user', async () => {
      const older = entryOf('usr_1');
      const newer = entryOf('usr_1', 'Renamed');
      sut.getProfile.mockResolvedValueOnce(answerOf(older)).mockResolvedValueOnce(answerOf(older)).mockResolvedValueOnce(answerOf(newer));

      const bodies = [await sut.get('/profiles/crm/usr_1'), await sut.get('/profiles/crm/usr_1'), await sut.get('/profiles/crm/usr_1')].map((r) =>
        r.json<{ displayName: string }>(),
      );

      expect(bodies.map((body) => body.displayName)).toStrictEqual(['John Doe', 'John Doe', 'Renamed']);
    });
  });

  describe('304', () => {
    it.each([['the ETag'], ['a list holding the ETag'], ['*']])('should answer 304 with no body and the same headers for If-None-Match with %s', async (form) => {
      const entry = entryOf('usr_1');
      sut.getProfile.mockResolvedValue(answerOf(entry));
      const header = form === '*' ? '*' : form === 'the ETag' ? entry.etag : `"other", ${entry.etag}`;

      const response = await sut.get('/profiles/crm/usr_1', { 'if-none-match': header });

      expect(response.statusCode).toBe(304);
      expect(response.body).toBe('');
      expect(response.headers).toMatchObject({ etag: entry.etag, 'cache-control': 'private, max-age=240', age: '60' });
    });

    it('should answer 200 with the body when If-None-Match names another ETag', async () => {
      sut.getProfile.mockResolvedValue(answerOf(entryOf('usr_1')));

      const response = await sut.get('/profiles/crm/usr_1', { 'if-none-match': '"other"' });

      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ id: 'usr_1' });
    });
  });

  describe('errors', () => {
    it('should answer a validation error as a 400 problem with its field errors and the request id', async () => {
      sut.getProfile.mockRejectedValue(new ValidationError('Invalid id for source crm', [{ field: 'id', message: 'must be 1-256 characters' }], 'crm'));

      const response = await sut.get('/profiles/crm/bad');

      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(PROBLEM_TYPE);
      expect(response.json()).toMatchObject({
        status: 400,
        code: 'VALIDATION_ERROR',
        detail: 'Invalid id for source crm',
        source: 'crm',
        requestId: 'req-42',
        errors: [{ field: 'id', message: 'must be 1-256 characters' }],
      });
      expect(response.headers).not.toHaveProperty('etag');
    });

    it.each([
      ['SOURCE_NOT_FOUND', new SourceNotFoundError('crm')],
      ['PROFILE_NOT_FOUND', new ProfileNotFoundError('crm', 'usr_9')],
    ])('should answer %s as a 404 problem', async (code, error) => {
      sut.getProfile.mockRejectedValue(error);

      const response = await sut.get('/profiles/crm/usr_9');

      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(PROBLEM_TYPE);
      expect(response.json()).toMatchObject({ status: 404, code, requestId: 'req-42' });
    });

    it.each([
      { status: 502, code: 'UPSTREAM_ERROR', error: new UpstreamFailureError('crm', 'status 500', 500), retryAfter: undefined },
      { status: 503, code: 'UPSTREAM_UNAVAILABLE', error: new UpstreamUnavailableError('crm', 12.2), retryAfter: '13' },
      { status: 504, code: 'UPSTREAM_TIMEOUT', error: new UpstreamTimeoutError('crm', 2_000), retryAfter: undefined },
    ])('should answer a $status $code problem (Retry-After $retryAfter)', async ({ status, code, error, retryAfter }) => {
      sut.getProfile.mockRejectedValue(error);

      const response = await sut.get('/profiles/crm/usr_1');

      expect(response.statusCode).toBe(status);
      expect(response.headers['content-type']).toMatch(PROBLEM_TYPE);
      expect(response.headers['retry-after']).toBe(retryAfter);
      expect(response.json()).toMatchObject({ status, code, source: 'crm', requestId: 'req-42' });
    });

    it('should answer an unexpected error as a 500 problem that shows only the request id', async () => {
      sut.getProfile.mockRejectedValue(new Error('secret detail at /srv/app/src/x.ts:1'));

      const response = await sut.get('/profiles/crm/usr_1');

      expect(response.statusCode).toBe(500);
      expect(response.json()).toMatchObject({ status: 500, code: 'INTERNAL_ERROR', requestId: 'req-42' });
      expect(response.body).not.toContain('secret detail');
    });

    it('should answer 401 with WWW-Authenticate before asking the service when the caller key is missing', async () => {
      const response = await sut.app.inject({ method: 'GET', url: '/profiles/crm/usr_1' });

      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(response.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
      expect(sut.getProfile).not.toHaveBeenCalled();
    });

    it('should answer 403 before asking the service when the key may not read the source', async () => {
      const response = await sut.get('/profiles/billing/usr_1');

      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ status: 403, code: 'FORBIDDEN', source: 'billing' });
      expect(sut.getProfile).not.toHaveBeenCalled();
    });
  });
});

import { jest } from '@jest/globals';

import type { ApiKeyAuthenticator } from '../auth/api-key.authenticator.js';
import { profileEntry } from '../cache/cache-entry.js';
import { ForbiddenError, ProfileNotFoundError } from '../profiles/profile.errors.js';
import type { CanonicalProfile } from '../profiles/profile.model.js';
import type { SourceRegistry } from '../sources/source-registry.js';
import { BATCH_MARGIN_MS, BatchService, type Delay } from './batch.service.js';
import type { ProfileRequest, ProfilesService } from './profiles.service.js';

/** A delay that resolves only when the test says so, recording what was asked for. */
function controlledDelay() {
  const asked: number[] = [];
  let fire: () => void = () => undefined;
  const delay: Delay = (ms) => {
    asked.push(ms);
    const promise = new Promise<void>((resolve) => (fire = resolve));
    return { promise, cancel: () => undefined };
  };
  return { delay, asked, fire: () => fire() };
}

function answerFor(request: ProfileRequest) {
  const profile = { source: request.source, id: request.id };
  return { entry: { ...profileEntry({ profile: profile as unknown as CanonicalProfile, raw: { id: request.id } }, 0), etag: `"${request.id}"` }, outcome: { kind: 'hit' as const, ttlSeconds: 5, notFound: false }, ageSeconds: 0, maxAgeSeconds: 5 };
}

function setup(getProfile: (request: ProfileRequest) => Promise<unknown>) {
  const clock = controlledDelay();
  const profiles = { getProfile: jest.fn(getProfile) } as unknown as ProfilesService & { getProfile: jest.Mock<(request: ProfileRequest) => Promise<unknown>> };
  const authenticator = {
    authorize: (key: { sources: string[] }, source: string) => {
      if (!key.sources.includes(source)) throw new ForbiddenError(source);
    },
  } as unknown as ApiKeyAuthenticator;
  const timeouts: Record<string, number> = { crm: 2_000, analytics: 500 };
  const registry = { find: (name: string) => (name in timeouts ? { config: { timeoutMs: timeouts[name] } } : undefined) } as unknown as SourceRegistry;
  const service = new BatchService(profiles, authenticator, registry, clock.delay);
  return { service, profiles, clock };
}

const context = { key: undefined, directives: {}, requestId: 'req-1' };

describe('BatchService', () => {
  it('should bound the batch by the largest timeout of the known sources it touches plus the margin', () => {
    const { service } = setup(() => Promise.resolve(answerFor({} as ProfileRequest)));

    expect(service.budgetMsOf([{ source: 'analytics', id: '1', by: 'id' }])).toBe(500 + BATCH_MARGIN_MS);
    expect(service.budgetMsOf([{ source: 'analytics', id: '1', by: 'id' }, { source: 'crm', id: '1', by: 'id' }, { source: 'unknown', id: '1', by: 'id' }])).toBe(2_000 + BATCH_MARGIN_MS);
  });

  it('should keep request order and look a repeated lookup up once', async () => {
    const { service, profiles } = setup((request) => Promise.resolve(answerFor(request)));
    const lookups = [
      { source: 'crm', id: 'b', by: 'id' as const },
      { source: 'crm', id: 'a', by: 'id' as const },
      { source: 'crm', id: 'b', by: 'id' as const },
      { source: 'crm', id: 'b', by: 'externalId' as const },
    ];

    const results = await service.run({ lookups, includeRaw: false }, context);

    expect(results.map((r) => JSON.parse(r.json) as { id: string; by: string; profile: { id: string } }).map((r) => [r.id, r.by, r.profile.id])).toEqual([
      ['b', 'id', 'b'],
      ['a', 'id', 'a'],
      ['b', 'id', 'b'],
      ['b', 'externalId', 'b'],
    ]);
    expect(profiles.getProfile).toHaveBeenCalledTimes(3);
  });

  it('should report lookups still running at the deadline as 504 UPSTREAM_TIMEOUT and the finished ones as they are', async () => {
    const { service, clock } = setup((request) => (request.id === 'slow' ? new Promise(() => undefined) : Promise.resolve(answerFor(request))));
    const run = service.run(
      {
        lookups: [
          { source: 'crm', id: 'fast', by: 'id' },
          { source: 'crm', id: 'slow', by: 'id' },
        ],
        includeRaw: true,
      },
      context,
    );
    await new Promise((resolve) => setImmediate(resolve));
    clock.fire();
    const results = await run;

    expect(clock.asked).toEqual([2_000 + BATCH_MARGIN_MS]);
    expect(results.map((r) => r.status)).toEqual([200, 504]);
    expect(JSON.parse(results[0]!.json)).toMatchObject({ status: 200, profile: { id: 'fast', raw: { id: 'fast' } } });
    expect(JSON.parse(results[1]!.json)).toMatchObject({ status: 504, problem: { code: 'UPSTREAM_TIMEOUT', source: 'crm', requestId: 'req-1' } });
  });

  it('should check the key scope per lookup before any cache access, and map errors as a single lookup would', async () => {
    const { service, profiles } = setup((request) => (request.id === 'gone' ? Promise.reject(new ProfileNotFoundError(request.source, request.id)) : Promise.resolve(answerFor(request))));

    const results = await service.run(
      {
        lookups: [
          { source: 'analytics', id: '1', by: 'id' },
          { source: 'crm', id: '1', by: 'id' },
          { source: 'analytics', id: 'gone', by: 'id' },
        ],
        includeRaw: false,
      },
      { ...context, key: { name: 'scoped', keySha256: '', sources: ['analytics'], actions: ['read'] } },
    );

    expect(results.map((r) => [r.status, r.problemCode])).toEqual([
      [200, undefined],
      [403, 'FORBIDDEN'],
      [404, 'PROFILE_NOT_FOUND'],
    ]);
    expect(profiles.getProfile).toHaveBeenCalledTimes(2);
  });
});

import { jest } from '@jest/globals';

import { VirtualClock } from '../../test/support/virtual-clock.js';
import type { ProfileRequest } from '../api/profiles.service.js';
import type { CacheAnswer, CacheOutcome } from '../cache/index.js';
import {
  NotCachedError,
  ProfileNotFoundError,
  UpstreamFailureError,
  UpstreamRateLimitedError,
  ValidationError,
} from '../profiles/profile.errors.js';
import { isFreshHit, rateLimitResumeAt, warmIds } from './cache-warmer.js';

const answer = (outcome: CacheOutcome): CacheAnswer => ({ outcome }) as CacheAnswer;
const refreshedAnswer = answer({ kind: 'fetched', fwd: 'request', collapsed: false, notFound: false });

type Handler = (request: ProfileRequest) => Promise<CacheAnswer>;

function profilesWith(handler: Handler) {
  const getProfile = jest.fn<Handler>(handler);
  return { getProfile };
}

describe('warmIds', () => {
  it('should refresh every id with no-cache through the profiles service when ids are valid', async () => {
    const profiles = profilesWith(() => Promise.resolve(refreshedAnswer));

    const { tally, pool } = await warmIds(['1', '2', '3'], { source: 'crm', profiles, concurrency: 2, onlyMissing: false, clock: new VirtualClock() });

    expect(tally.refreshed).toBe(3);
    expect(pool.finished).toBe(3);
    const requests = profiles.getProfile.mock.calls.map(([request]) => request);
    expect(requests.map((r) => [r.source, r.id, r.by, r.directives])).toEqual([
      ['crm', '1', 'id', { noCache: true }],
      ['crm', '2', 'id', { noCache: true }],
      ['crm', '3', 'id', { noCache: true }],
    ]);
    expect(new Set(requests.map((r) => r.requestId)).size).toBe(3);
  });

  it('should count not found, invalid and failed ids by their outcome and code', async () => {
    const profiles = profilesWith((request) => {
      switch (request.id) {
        case 'gone':
          return Promise.reject(new ProfileNotFoundError('crm', 'gone'));
        case 'bad':
          return Promise.reject(new ValidationError('Invalid id', [{ field: 'id', message: 'bad' }], 'crm'));
        case 'boom':
          return Promise.reject(new UpstreamFailureError('crm', 'upstream answered 500', 500));
        case 'bug':
          return Promise.reject(new TypeError('x is undefined'));
        default:
          return Promise.resolve(refreshedAnswer);
      }
    });

    const { tally } = await warmIds(['ok', 'gone', 'bad', 'boom', 'bug'], { source: 'crm', profiles, concurrency: 4, onlyMissing: false, clock: new VirtualClock() });

    expect([tally.refreshed, tally.notFound, tally.failed]).toEqual([1, 1, 3]);
    expect(tally.failures.map((f) => [f.id, f.code])).toEqual(
      expect.arrayContaining([
        ['bad', 'VALIDATION_ERROR'],
        ['boom', 'UPSTREAM_ERROR'],
        ['bug', 'INTERNAL_ERROR'],
      ]),
    );
    expect(tally.failures.find((f) => f.id === 'bug')?.message).toBe('x is undefined');
  });

  describe('with onlyMissing', () => {
    it('should skip a fresh hit without refreshing, and refresh stale, uncached and negatively cached ids', async () => {
      const cached: Record<string, () => Promise<CacheAnswer>> = {
        fresh: () => Promise.resolve(answer({ kind: 'hit', ttlSeconds: 42, notFound: false })),
        stale: () => Promise.resolve(answer({ kind: 'stale', staleSeconds: 5, reason: 'only-if-cached' })),
        absent: () => Promise.reject(new NotCachedError('crm', 'absent')),
        gone: () => Promise.reject(new ProfileNotFoundError('crm', 'gone')),
      };
      const profiles = profilesWith((request) => (request.directives.onlyIfCached === true ? cached[request.id]!() : Promise.resolve(refreshedAnswer)));

      const { tally } = await warmIds(Object.keys(cached), { source: 'crm', profiles, concurrency: 1, onlyMissing: true, clock: new VirtualClock() });

      expect(tally.skipped).toBe(1);
      expect(tally.refreshed).toBe(3);
      const refreshedIds = profiles.getProfile.mock.calls.filter(([r]) => r.directives.noCache === true).map(([r]) => r.id);
      expect(refreshedIds).toEqual(['stale', 'absent', 'gone']);
    });

    it('should count an id the kind rejects as failed without a no-cache call', async () => {
      const profiles = profilesWith(() => Promise.reject(new ValidationError('Invalid id', [{ field: 'id', message: 'bad' }], 'crm')));

      const { tally } = await warmIds(['bad'], { source: 'crm', profiles, concurrency: 1, onlyMissing: true, clock: new VirtualClock() });

      expect(tally.failures).toEqual([{ id: 'bad', code: 'VALIDATION_ERROR', message: 'Invalid id' }]);
      expect(profiles.getProfile).toHaveBeenCalledTimes(1);
    });
  });

  describe('when the upstream rate limits', () => {
    it('should pause for Retry-After and then refresh the id instead of failing it', async () => {
      const clock = new VirtualClock();
      const callTimes: number[] = [];
      let calls = 0;
      const profiles = profilesWith(() => {
        callTimes.push(clock.now());
        calls += 1;
        return calls === 1 ? Promise.reject(new UpstreamRateLimitedError('crm', 2)) : Promise.resolve(refreshedAnswer);
      });
      const onPause = jest.fn<(resumeAtMs: number) => void>();

      const { tally } = await warmIds(['1'], { source: 'crm', profiles, concurrency: 1, onlyMissing: false, clock, onPause });

      expect(tally.refreshed).toBe(1);
      expect(tally.failed).toBe(0);
      expect(callTimes[1]! - callTimes[0]!).toBeGreaterThanOrEqual(2_000);
      expect(onPause).toHaveBeenCalledWith(callTimes[0]! + 2_000);
    });

    it('should fail the id with UPSTREAM_RATE_LIMITED after the allowed number of waits', async () => {
      const profiles = profilesWith(() => Promise.reject(new UpstreamRateLimitedError('crm', 1)));

      const { tally } = await warmIds(['1'], { source: 'crm', profiles, concurrency: 1, onlyMissing: false, maxRateLimitWaits: 3, clock: new VirtualClock() });

      expect(profiles.getProfile).toHaveBeenCalledTimes(4);
      expect(tally.failures.map((f) => f.code)).toEqual(['UPSTREAM_RATE_LIMITED']);
    });

    it('should not call the upstream before the announced reset when the client reports its limit spent', async () => {
      const clock = new VirtualClock(1_000);
      const callTimes: number[] = [];
      const profiles = profilesWith(() => {
        callTimes.push(clock.now());
        return Promise.resolve(refreshedAnswer);
      });

      const { tally } = await warmIds(['1', '2'], {
        source: 'crm',
        profiles,
        concurrency: 2,
        onlyMissing: false,
        rateLimitedUntil: () => (clock.now() < 61_000 ? 61_000 : 0),
        clock,
      });

      expect(tally.refreshed).toBe(2);
      for (const at of callTimes) expect(at).toBeGreaterThanOrEqual(61_000);
    });
  });

  it('should stop starting ids when the signal aborts and leave them unrecorded', async () => {
    const stop = new AbortController();
    const profiles = profilesWith((request) => {
      if (request.id === '2') stop.abort();
      return Promise.resolve(refreshedAnswer);
    });

    const { tally, pool } = await warmIds(['1', '2', '3', '4'], { source: 'crm', profiles, concurrency: 1, onlyMissing: false, signal: stop.signal, clock: new VirtualClock() });

    expect(tally.done).toBe(2);
    expect(pool.notStarted).toBe(2);
  });
});

describe('isFreshHit', () => {
  it.each<[CacheOutcome, boolean]>([
    [{ kind: 'hit', ttlSeconds: 42, notFound: false }, true],
    [{ kind: 'hit', ttlSeconds: 0, notFound: false }, true],
    [{ kind: 'stale', staleSeconds: 3, reason: 'only-if-cached' }, false],
    [{ kind: 'stale-if-error', staleSeconds: 3, forwarded: false, upstreamStatus: undefined, collapsed: false }, false],
    [{ kind: 'fetched', fwd: 'miss', collapsed: false, notFound: false }, false],
  ])('should read %j as fresh=%s', (outcome, fresh) => {
    expect(isFreshHit(answer(outcome))).toBe(fresh);
  });
});

describe('rateLimitResumeAt', () => {
  const now = 1_000_000;
  const max = 300_000;

  it('should wait Retry-After when the client saw no later reset', () => {
    expect(rateLimitResumeAt(3, 0, 0, now, max)).toBe(now + 3_000);
  });

  it('should wait for the reset the client saw announced, which is exact where Retry-After is rounded up', () => {
    expect(rateLimitResumeAt(3, now + 2_100, 0, now, max)).toBe(now + 2_100);
    expect(rateLimitResumeAt(1, now + 45_000, 0, now, max)).toBe(now + 45_000);
  });

  it('should ignore an announced reset that has passed', () => {
    expect(rateLimitResumeAt(2, now - 1, 0, now, max)).toBe(now + 2_000);
  });

  it('should back off exponentially when the upstream says neither', () => {
    expect([0, 1, 2, 3].map((pauses) => rateLimitResumeAt(undefined, 0, pauses, now, max) - now)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(rateLimitResumeAt(undefined, 0, 10, now, max) - now).toBe(30_000);
  });

  it('should keep a minimal pause for Retry-After 0 and cap a very long announced wait', () => {
    expect(rateLimitResumeAt(0, 0, 0, now, max) - now).toBe(250);
    expect(rateLimitResumeAt(3_600, 0, 0, now, max) - now).toBe(max);
  });
});

describe('warmIds with --by and --purge-first', () => {
  it('should look the ids up by externalId and purge each one before its refill', async () => {
    const order: string[] = [];
    const profiles = profilesWith((request) => {
      order.push(`get ${request.id} ${String(request.by)}`);
      return Promise.resolve(refreshedAnswer);
    });
    const purger = {
      purgeEntry: jest.fn((request: { id: string; by: unknown }) => {
        order.push(`purge ${request.id} ${String(request.by)}`);
        return Promise.resolve('shared');
      }),
    };

    const { tally } = await warmIds(['a', 'b'], { source: 'crm', profiles, by: 'externalId', purger, concurrency: 1, onlyMissing: false, clock: new VirtualClock() });

    expect(order).toEqual(['purge a externalId', 'get a externalId', 'purge b externalId', 'get b externalId']);
    expect(tally.refreshed).toBe(2);
  });

  it('should count an id whose purge fails as failed and not refill it', async () => {
    const profiles = profilesWith(() => Promise.resolve(refreshedAnswer));
    const purger = { purgeEntry: () => Promise.reject(new Error('Redis did not take the purge')) };

    const { tally } = await warmIds(['a'], { source: 'crm', profiles, purger, concurrency: 1, onlyMissing: false, clock: new VirtualClock() });

    expect(profiles.getProfile).not.toHaveBeenCalled();
    expect(tally.failures).toHaveLength(1);
  });
});

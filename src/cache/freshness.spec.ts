import type { CachePolicy } from '../config/config.types.js';
import {
  ageSeconds,
  freshnessLeftSeconds,
  notFoundIsFresh,
  profileFreshness,
  profileLifetimeMs,
  redisTtlMs,
  stalenessSeconds,
  withinStaleIfError,
} from './freshness.js';

const policy: CachePolicy = { ttlMs: 300_000, staleWhileRevalidateMs: 60_000, staleIfErrorMs: 86_400_000, notFoundTtlMs: 60_000 };
const fetchedAt = 1_700_000_000_000;

describe('profileFreshness', () => {
  it.each([
    [0, 'fresh'],
    [299_999, 'fresh'],
    [300_000, 'stale-while-revalidate'],
    [359_999, 'stale-while-revalidate'],
    [360_000, 'stale-if-error'],
    [86_699_999, 'stale-if-error'],
    [86_700_000, 'expired'],
  ] as const)('should say %p ms after the fetch is %p', (elapsed, expected) => {
    expect(profileFreshness(fetchedAt, policy, fetchedAt + elapsed)).toBe(expected);
  });

  it('should keep the revalidate window when it is longer than the stale-if-error window', () => {
    const swrLonger: CachePolicy = { ...policy, staleWhileRevalidateMs: 120_000, staleIfErrorMs: 30_000 };

    expect(profileFreshness(fetchedAt, swrLonger, fetchedAt + 400_000)).toBe('stale-while-revalidate');
    expect(profileFreshness(fetchedAt, swrLonger, fetchedAt + 420_000)).toBe('expired');
  });

  it('should never call a profile fresh when ttl is 0', () => {
    const noTtl: CachePolicy = { ttlMs: 0, staleWhileRevalidateMs: 0, staleIfErrorMs: 0, notFoundTtlMs: 0 };

    expect(profileFreshness(fetchedAt, noTtl, fetchedAt)).toBe('expired');
  });
});

describe('withinStaleIfError', () => {
  it('should accept a copy younger than ttl + staleIfError and refuse an older one', () => {
    expect(withinStaleIfError(fetchedAt, policy, fetchedAt + 86_699_999)).toBe(true);
    expect(withinStaleIfError(fetchedAt, policy, fetchedAt + 86_700_000)).toBe(false);
  });
});

describe('notFoundIsFresh', () => {
  it('should answer a cached 404 until notFoundTtl has passed', () => {
    expect(notFoundIsFresh(fetchedAt, policy, fetchedAt + 59_999)).toBe(true);
    expect(notFoundIsFresh(fetchedAt, policy, fetchedAt + 60_000)).toBe(false);
  });
});

describe('profileLifetimeMs', () => {
  it('should add the longer of the two stale windows to ttl', () => {
    expect(profileLifetimeMs(policy)).toBe(300_000 + 86_400_000);
    expect(profileLifetimeMs({ ...policy, staleWhileRevalidateMs: 90_000_000 })).toBe(300_000 + 90_000_000);
  });
});

describe('redisTtlMs', () => {
  it('should keep a profile for its whole lifetime and a 404 for notFoundTtl', () => {
    expect(redisTtlMs({ kind: 'profile' }, policy)).toBe(86_700_000);
    expect(redisTtlMs({ kind: 'not-found' }, policy)).toBe(60_000);
  });

  it('should never ask Redis for an expiry of 0 ms', () => {
    expect(redisTtlMs({ kind: 'not-found' }, { ...policy, notFoundTtlMs: 0 })).toBe(1);
  });
});

describe('ageSeconds', () => {
  it('should count whole seconds since the fetch and never go negative', () => {
    expect(ageSeconds(fetchedAt, fetchedAt + 999)).toBe(0);
    expect(ageSeconds(fetchedAt, fetchedAt + 61_500)).toBe(61);
    expect(ageSeconds(fetchedAt, fetchedAt - 5_000)).toBe(0);
  });
});

describe('freshnessLeftSeconds', () => {
  it('should count whole seconds of freshness left and 0 once stale', () => {
    expect(freshnessLeftSeconds(fetchedAt, policy, fetchedAt)).toBe(300);
    expect(freshnessLeftSeconds(fetchedAt, policy, fetchedAt + 1)).toBe(299);
    expect(freshnessLeftSeconds(fetchedAt, policy, fetchedAt + 299_500)).toBe(0);
    expect(freshnessLeftSeconds(fetchedAt, policy, fetchedAt + 400_000)).toBe(0);
  });
});

describe('stalenessSeconds', () => {
  it('should count whole seconds past freshness', () => {
    expect(stalenessSeconds(fetchedAt, policy, fetchedAt + 100_000)).toBe(0);
    expect(stalenessSeconds(fetchedAt, policy, fetchedAt + 302_100)).toBe(2);
  });
});

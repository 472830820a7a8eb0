import { cacheStatusOf } from '../cache/cache-outcome.js';
import type { ServedOutcome } from '../cache/index.js';
import { exhaustedForSeconds, outcomeOfCacheStatus } from './gateway-profile-reader.js';

describe('exhaustedForSeconds', () => {
  it.each([
    ['the combined header of draft 10+', { ratelimit: '"warmer";r=0;t=12' }, 12],
    ['the combined header with requests left', { ratelimit: '"warmer";r=3;t=12' }, undefined],
    ['the older separate headers', { 'ratelimit-remaining': '0', 'ratelimit-reset': '7' }, 7],
    ['the older headers with requests left', { 'ratelimit-remaining': '2', 'ratelimit-reset': '7' }, undefined],
    ['no headers', {}, undefined],
  ])('should read %s', (_case, headers, expected) => {
    expect(exhaustedForSeconds(new Headers(headers))).toBe(expected);
  });
});

describe('outcomeOfCacheStatus', () => {
  it.each<[string, ServedOutcome]>([
    ['a fresh hit', { kind: 'hit', ttlSeconds: 42, notFound: false }],
    ['a stale answer', { kind: 'stale', staleSeconds: 5, reason: 'stale-while-revalidate' }],
    ['a stored miss', { kind: 'fetched', fwd: 'miss', collapsed: false, notFound: false }],
    ['a collapsed refresh', { kind: 'fetched', fwd: 'request', collapsed: true, notFound: false }],
    ['a stale-if-error without a call', { kind: 'stale-if-error', staleSeconds: 3, forwarded: false, upstreamStatus: undefined, collapsed: false }],
  ])('should read back %s', (_case, outcome) => {
    expect(outcomeOfCacheStatus(cacheStatusOf(outcome))).toStrictEqual(outcome);
  });

  it('should read a forwarded stale-if-error with its upstream status', () => {
    expect(outcomeOfCacheStatus('profile-gateway; fwd=stale; fwd-status=503; detail=stale-if-error')).toMatchObject({ kind: 'stale-if-error', forwarded: true, upstreamStatus: 503 });
  });
});

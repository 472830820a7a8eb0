import { type CacheLabel, cacheLabelOf, type CacheOutcome, cacheStatusOf, isCollapsed, type ServedOutcome } from './cache-outcome.js';

describe('cacheStatusOf', () => {
  it.each<[string, ServedOutcome, string]>([
    ['a fresh hit', { kind: 'hit', ttlSeconds: 42, notFound: false }, 'profile-gateway; hit; ttl=42'],
    ['a cached 404', { kind: 'hit', ttlSeconds: 7, notFound: true }, 'profile-gateway; hit; ttl=7'],
    ['a miss', { kind: 'fetched', fwd: 'miss', collapsed: false, notFound: false }, 'profile-gateway; fwd=miss; stored'],
    ['a collapsed miss', { kind: 'fetched', fwd: 'miss', collapsed: true, notFound: false }, 'profile-gateway; fwd=miss; stored; collapsed'],
    ['a 404 just fetched', { kind: 'fetched', fwd: 'miss', collapsed: false, notFound: true }, 'profile-gateway; fwd=miss; stored'],
    ['a refetch', { kind: 'fetched', fwd: 'request', collapsed: false, notFound: false }, 'profile-gateway; fwd=request; stored'],
    ['a collapsed refetch', { kind: 'fetched', fwd: 'request', collapsed: true, notFound: false }, 'profile-gateway; fwd=request; stored; collapsed'],
    ['stale-while-revalidate', { kind: 'stale', staleSeconds: 3, reason: 'stale-while-revalidate' }, 'profile-gateway; hit; ttl=-3'],
    ['max-stale', { kind: 'stale', staleSeconds: 120, reason: 'max-stale' }, 'profile-gateway; hit; ttl=-120'],
    ['a stale hit right at the end of freshness', { kind: 'stale', staleSeconds: 0, reason: 'only-if-cached' }, 'profile-gateway; hit; ttl=0'],
    [
      'stale-if-error after an upstream status',
      { kind: 'stale-if-error', staleSeconds: 9, forwarded: true, upstreamStatus: 503, collapsed: false },
      'profile-gateway; fwd=stale; fwd-status=503; detail=stale-if-error',
    ],
    [
      'stale-if-error after a timeout, collapsed',
      { kind: 'stale-if-error', staleSeconds: 9, forwarded: true, upstreamStatus: undefined, collapsed: true },
      'profile-gateway; fwd=stale; detail=stale-if-error; collapsed',
    ],
    [
      'stale-if-error with no call made',
      { kind: 'stale-if-error', staleSeconds: 9, forwarded: false, upstreamStatus: undefined, collapsed: true },
      'profile-gateway; hit; ttl=-9; detail=stale-if-error',
    ],
  ])('should write %s per the v2 table', (_name, outcome, header) => {
    expect(cacheStatusOf(outcome)).toBe(header);
  });

  it('should never put hit and fwd in one value', () => {
    const outcomes: ServedOutcome[] = [
      { kind: 'hit', ttlSeconds: 1, notFound: false },
      { kind: 'stale', staleSeconds: 1, reason: 'max-stale' },
      { kind: 'fetched', fwd: 'miss', collapsed: true, notFound: false },
      { kind: 'stale-if-error', staleSeconds: 1, forwarded: false, upstreamStatus: undefined, collapsed: true },
      { kind: 'stale-if-error', staleSeconds: 1, forwarded: true, upstreamStatus: 502, collapsed: true },
    ];
    for (const outcome of outcomes) {
      const header = cacheStatusOf(outcome);
      expect(header.includes('; hit') && header.includes('fwd=')).toBe(false);
    }
  });
});

describe('cacheLabelOf', () => {
  it.each<[CacheOutcome, CacheLabel]>([
    [{ kind: 'hit', ttlSeconds: 1, notFound: false }, 'hit'],
    [{ kind: 'hit', ttlSeconds: 1, notFound: true }, 'negative-hit'],
    [{ kind: 'fetched', fwd: 'miss', collapsed: false, notFound: true }, 'miss'],
    [{ kind: 'fetched', fwd: 'request', collapsed: false, notFound: false }, 'refresh'],
    [{ kind: 'failed', fwd: 'request', collapsed: false }, 'refresh'],
    [{ kind: 'stale', staleSeconds: 1, reason: 'stale-while-revalidate' }, 'stale-while-revalidate'],
    [{ kind: 'stale', staleSeconds: 1, reason: 'max-stale' }, 'max-stale'],
    [{ kind: 'stale', staleSeconds: 1, reason: 'only-if-cached' }, 'stale-hit'],
    [{ kind: 'stale-if-error', staleSeconds: 1, forwarded: false, upstreamStatus: undefined, collapsed: false }, 'stale-if-error'],
    [{ kind: 'not-cached' }, 'not-cached'],
  ])('should label %p as %p', (outcome, label) => {
    expect(cacheLabelOf(outcome)).toBe(label);
  });

  it('should tell collapsed outcomes', () => {
    expect(isCollapsed({ kind: 'fetched', fwd: 'miss', collapsed: true, notFound: false })).toBe(true);
    expect(isCollapsed({ kind: 'hit', ttlSeconds: 1, notFound: false })).toBe(false);
  });
});

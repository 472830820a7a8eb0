import type { CachePolicy } from '../config/config.types.js';
import { type CacheDirectives, decideFreshness, type EntryTimes, type FreshnessDecision } from './freshness-decision.js';

// ttl 60 s, stale-while-revalidate until 90 s, stale-if-error until 660 s; a 404 is fresh for 30 s.
const policy: CachePolicy = { ttlMs: 60_000, staleWhileRevalidateMs: 30_000, staleIfErrorMs: 600_000, notFoundTtlMs: 30_000 };
const T0 = 1_700_000_000_000;
const ANY = Number.POSITIVE_INFINITY;
const profile: EntryTimes = { kind: 'profile', fetchedAtMs: T0 };
const notFound: EntryTimes = { kind: 'not-found', fetchedAtMs: T0 };
const SIE_UNTIL = T0 + 660_000;

const hit = (ttlSeconds: number): FreshnessDecision => ({ kind: 'hit', ttlSeconds });
const stale = (staleSeconds: number, reason: 'stale-while-revalidate' | 'max-stale' | 'only-if-cached', revalidate = true): FreshnessDecision => ({
  kind: 'stale',
  staleSeconds,
  reason,
  revalidate,
});
const fetch = (fwd: 'miss' | 'request', staleFallbackUntilMs?: number): FreshnessDecision => ({ kind: 'fetch', fwd, staleFallbackUntilMs });
const NOT_CACHED: FreshnessDecision = { kind: 'not-cached' };

/** [case, entry, seconds since the fetch, directives, decision] */
type Row = [string, EntryTimes | undefined, number, CacheDirectives, FreshnessDecision];

describe('decideFreshness', () => {
  describe('without directives', () => {
    it.each<Row>([
      ['nothing cached', undefined, 0, {}, fetch('miss')],
      ['a fresh profile', profile, 10, {}, hit(50)],
      ['a profile with under a second of freshness left', profile, 59.5, {}, hit(0)],
      ['a profile at the end of its ttl', profile, 60, {}, stale(0, 'stale-while-revalidate')],
      ['a profile within stale-while-revalidate', profile, 75, {}, stale(15, 'stale-while-revalidate')],
      ['a profile within stale-if-error only', profile, 120, {}, fetch('miss', SIE_UNTIL)],
      ['a profile past every window', profile, 700, {}, fetch('miss', SIE_UNTIL)],
      ['a fresh 404', notFound, 10, {}, hit(20)],
      ['an expired 404', notFound, 30, {}, fetch('miss')],
    ])('%s', (_case, entry, seconds, directives, expected) => {
      expect(decideFreshness(entry, policy, T0 + seconds * 1000, directives)).toEqual(expected);
    });
  });

  describe('no-cache and only-if-cached', () => {
    it.each<Row>([
      ['no-cache refetches a fresh profile with no stale fallback', profile, 10, { noCache: true }, fetch('request')],
      ['no-cache refetches a fresh 404', notFound, 10, { noCache: true }, fetch('request')],
      ['no-cache with nothing cached is still fwd=request', undefined, 0, { noCache: true }, fetch('request')],
      ['no-cache with only-if-cached can never be satisfied', profile, 10, { noCache: true, onlyIfCached: true }, NOT_CACHED],
      ['only-if-cached answers a fresh profile', profile, 10, { onlyIfCached: true }, hit(50)],
      ['only-if-cached answers a fresh 404', notFound, 10, { onlyIfCached: true }, hit(20)],
      ['only-if-cached answers within the revalidate window without a refresh', profile, 75, { onlyIfCached: true }, stale(15, 'only-if-cached', false)],
      ['only-if-cached refuses a copy past the revalidate window', profile, 120, { onlyIfCached: true }, NOT_CACHED],
      ['only-if-cached with nothing cached', undefined, 0, { onlyIfCached: true }, NOT_CACHED],
      ['only-if-cached with an expired 404', notFound, 31, { onlyIfCached: true }, NOT_CACHED],
    ])('%s', (_case, entry, seconds, directives, expected) => {
      expect(decideFreshness(entry, policy, T0 + seconds * 1000, directives)).toEqual(expected);
    });
  });

  describe('max-age and min-fresh', () => {
    it.each<Row>([
      ['max-age accepts a copy exactly N seconds old', profile, 20, { maxAgeSeconds: 20 }, hit(40)],
      ['max-age refetches an older fresh copy, with no stale fallback', profile, 21, { maxAgeSeconds: 20 }, fetch('request')],
      ['max-age=0 refetches even a brand-new copy', profile, 0.5, { maxAgeSeconds: 0 }, fetch('request')],
      ['max-age refuses a stale copy younger than N (RFC 9111 §5.2.1.1)', profile, 75, { maxAgeSeconds: 3600 }, fetch('request')],
      ['max-age past the revalidate window is a plain miss', profile, 120, { maxAgeSeconds: 3600 }, fetch('miss')],
      ['max-age with nothing cached', undefined, 0, { maxAgeSeconds: 5 }, fetch('miss')],
      ['max-age applies to a cached 404', notFound, 10, { maxAgeSeconds: 5 }, fetch('request')],
      ['min-fresh accepts a copy fresh for N more seconds', profile, 30, { minFreshSeconds: 30 }, hit(30)],
      ['min-fresh refetches a copy close to stale', profile, 31, { minFreshSeconds: 30 }, fetch('request')],
      ['min-fresh refuses a stale copy', profile, 75, { minFreshSeconds: 0 }, fetch('request')],
      ['min-fresh applies to a cached 404', notFound, 10, { minFreshSeconds: 25 }, fetch('request')],
      ['max-age and min-fresh both hold', profile, 10, { maxAgeSeconds: 20, minFreshSeconds: 40 }, hit(50)],
      ['only-if-cached with max-age too old', profile, 21, { onlyIfCached: true, maxAgeSeconds: 20 }, NOT_CACHED],
      ['only-if-cached with min-fresh too close', profile, 50, { onlyIfCached: true, minFreshSeconds: 20 }, NOT_CACHED],
      ['no-cache wins over max-age', profile, 1, { noCache: true, maxAgeSeconds: 60 }, fetch('request')],
    ])('%s', (_case, entry, seconds, directives, expected) => {
      expect(decideFreshness(entry, policy, T0 + seconds * 1000, directives)).toEqual(expected);
    });
  });

  describe('max-stale', () => {
    it.each<Row>([
      ['a fresh copy is still a plain hit', profile, 10, { maxStaleSeconds: ANY }, hit(50)],
      ['max-stale answers past the revalidate window at once, with one refresh', profile, 120, { maxStaleSeconds: ANY }, stale(60, 'max-stale')],
      ['max-stale answers any kept copy', profile, 659, { maxStaleSeconds: ANY }, stale(599, 'max-stale')],
      ['max-stale has nothing past ttl + staleIfError', profile, 660, { maxStaleSeconds: ANY }, fetch('miss', SIE_UNTIL)],
      ['max-stale=N answers a copy exactly N seconds past freshness', profile, 120, { maxStaleSeconds: 60 }, stale(60, 'max-stale')],
      ['max-stale=N refuses a copy further past freshness, and caps the fallback at N', profile, 121, { maxStaleSeconds: 60 }, fetch('miss', T0 + 120_000)],
      ['max-stale=N caps the revalidate window too', profile, 75, { maxStaleSeconds: 10 }, fetch('request', T0 + 70_000)],
      ['max-stale within the revalidate window', profile, 75, { maxStaleSeconds: 20 }, stale(15, 'max-stale')],
      ['only-if-cached with max-stale answers without a refresh', profile, 120, { onlyIfCached: true, maxStaleSeconds: ANY }, stale(60, 'max-stale', false)],
      ['max-stale never serves an expired 404', notFound, 31, { maxStaleSeconds: ANY }, fetch('miss')],
      ['max-age with max-stale answers a stale copy younger than max-age', profile, 75, { maxAgeSeconds: 80, maxStaleSeconds: ANY }, stale(15, 'max-stale')],
      ['max-age with max-stale refetches an older copy, keeping the fallback', profile, 75, { maxAgeSeconds: 70, maxStaleSeconds: ANY }, fetch('request', SIE_UNTIL)],
      ['max-age with max-stale keeps the fallback for a fresh copy too', profile, 30, { maxAgeSeconds: 10, maxStaleSeconds: ANY }, fetch('request', SIE_UNTIL)],
      ['min-fresh with max-stale refuses a stale copy, keeping the fallback', profile, 75, { minFreshSeconds: 1, maxStaleSeconds: ANY }, fetch('request', SIE_UNTIL)],
      ['no-cache wins over max-stale', profile, 120, { noCache: true, maxStaleSeconds: ANY }, fetch('request')],
    ])('%s', (_case, entry, seconds, directives, expected) => {
      expect(decideFreshness(entry, policy, T0 + seconds * 1000, directives)).toEqual(expected);
    });
  });

  it('should keep serving stale-while-revalidate when that window is the longer one', () => {
    const swrLonger: CachePolicy = { ...policy, staleWhileRevalidateMs: 900_000, staleIfErrorMs: 60_000 };

    expect(decideFreshness(profile, swrLonger, T0 + 800_000, {})).toEqual(stale(740, 'stale-while-revalidate'));
    expect(decideFreshness(profile, swrLonger, T0 + 800_000, { maxStaleSeconds: ANY })).toEqual(stale(740, 'max-stale'));
  });

  it('should never call anything fresh when ttl is 0', () => {
    const noTtl: CachePolicy = { ttlMs: 0, staleWhileRevalidateMs: 0, staleIfErrorMs: 0, notFoundTtlMs: 0 };

    expect(decideFreshness(profile, noTtl, T0, {})).toEqual(fetch('miss', T0));
    expect(decideFreshness(notFound, noTtl, T0, {})).toEqual(fetch('miss'));
  });
});

import { cacheDirectivesOf } from './cache-directive.js';

const ANY = Number.POSITIVE_INFINITY;

describe('cacheDirectivesOf', () => {
  it.each([
    [undefined, {}],
    ['', {}],
    ['no-cache', { noCache: true }],
    ['No-Cache', { noCache: true }],
    ['max-age=0, no-cache', { noCache: true, maxAgeSeconds: 0 }],
    ['only-if-cached', { onlyIfCached: true }],
    [['max-stale', 'only-if-cached'], { maxStaleSeconds: ANY, onlyIfCached: true }],
    ['no-cache, only-if-cached', { noCache: true, onlyIfCached: true }],
    ['max-age=30', { maxAgeSeconds: 30 }],
    ['MAX-AGE=30', { maxAgeSeconds: 30 }],
    ['max-age="30"', { maxAgeSeconds: 30 }],
    ['min-fresh=5', { minFreshSeconds: 5 }],
    ['max-stale', { maxStaleSeconds: ANY }],
    ['max-stale=120', { maxStaleSeconds: 120 }],
    ['max-age=10, min-fresh=2, max-stale=60, only-if-cached', { maxAgeSeconds: 10, minFreshSeconds: 2, maxStaleSeconds: 60, onlyIfCached: true }],
    ['max-age=99999999999', { maxAgeSeconds: 2_147_483_648 }],
    ['max-age=10, max-age=20', { maxAgeSeconds: 10 }],
    ['max-age=soon, max-age=20', { maxAgeSeconds: 20 }],
  ])('should read %p as %p', (header, expected) => {
    expect(cacheDirectivesOf(header)).toEqual(expected);
  });

  it.each([
    ['max-age=-1'],
    ['max-age=1.5'],
    ['max-age=abc'],
    ['max-age'],
    ['max-age='],
    ['min-fresh=x'],
    ['max-stale=-5'],
    ['max-stale=1e3'],
    ['no-cache=5'],
    ['only-if-cached=true'],
    ['no-store, private, stale-if-error=60'],
  ])('should ignore the malformed or unknown %p', (header) => {
    expect(cacheDirectivesOf(header)).toEqual({});
  });
});

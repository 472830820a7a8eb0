import { cacheDirectiveOf } from './cache-directive.js';

describe('cacheDirectiveOf', () => {
  it.each([
    [undefined, 'default'],
    ['', 'default'],
    ['max-age=0', 'default'],
    ['no-cache', 'no-cache'],
    ['No-Cache', 'no-cache'],
    ['max-age=0, no-cache', 'no-cache'],
    ['only-if-cached', 'only-if-cached'],
    [['max-stale', 'only-if-cached'], 'only-if-cached'],
    ['no-cache, only-if-cached', 'unsatisfiable'],
  ])('should read %p as %s', (header, expected) => {
    expect(cacheDirectiveOf(header)).toBe(expected);
  });
});

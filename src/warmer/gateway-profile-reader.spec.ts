import { exhaustedForSeconds } from './gateway-profile-reader.js';

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

import { announcedWaitMs, parseRateLimitRemaining, parseRateLimitReset, RateLimitGate } from './rate-limit.js';

const NOW = Date.parse('2026-01-19T09:15:00.000Z');
const NOW_S = NOW / 1000;

describe('parseRateLimitReset', () => {
  it('should read Vemetric absolute epoch seconds as that instant', () => {
    expect(parseRateLimitReset(String(NOW_S + 42), NOW)).toBe(NOW + 42_000);
  });

  it('should read an epoch in the past as that instant too', () => {
    expect(parseRateLimitReset(String(NOW_S - 5), NOW)).toBe(NOW - 5_000);
  });

  it.each([
    ['30', 30_000],
    ['0', 0],
    ['1.5', 1_500],
    [' 12 ', 12_000],
  ])('should read the small value %p as seconds from now', (value, offset) => {
    expect(parseRateLimitReset(value, NOW)).toBe(NOW + offset);
  });

  it.each([[undefined], [''], ['soon'], ['-3'], ['12abc']])('should be undefined for %p', (value) => {
    expect(parseRateLimitReset(value, NOW)).toBeUndefined();
  });
});

describe('parseRateLimitRemaining', () => {
  it.each([
    ['0', 0],
    ['99', 99],
    [' 7 ', 7],
  ])('should read %p', (value, expected) => {
    expect(parseRateLimitRemaining(value)).toBe(expected);
  });

  it.each([[undefined], [''], ['-1'], ['many']])('should be undefined for %p', (value) => {
    expect(parseRateLimitRemaining(value)).toBeUndefined();
  });
});

describe('announcedWaitMs', () => {
  it('should read Retry-After in seconds', () => {
    expect(announcedWaitMs(503, { 'retry-after': '2' }, NOW)).toBe(2_000);
  });

  it('should wait for the Vemetric reset of a 429 without Retry-After', () => {
    const headers = { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW_S + 20) };

    expect(announcedWaitMs(429, headers, NOW)).toBe(20_000);
  });

  it('should take the longer of Retry-After and the reset', () => {
    const headers = { 'retry-after': '5', 'x-ratelimit-reset': String(NOW_S + 20) };

    expect(announcedWaitMs(429, headers, NOW)).toBe(20_000);
  });

  it('should ignore the reset while requests remain', () => {
    expect(announcedWaitMs(503, { 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': String(NOW_S + 20) }, NOW)).toBeUndefined();
  });

  it('should be undefined for a 429 that says nothing', () => {
    expect(announcedWaitMs(429, {}, NOW)).toBeUndefined();
  });

  it('should not go below zero for a reset in the past', () => {
    expect(announcedWaitMs(429, { 'x-ratelimit-reset': String(NOW_S - 10) }, NOW)).toBe(0);
  });
});

describe(RateLimitGate.name, () => {
  it('should be open before any answer', () => {
    const sut = new RateLimitGate(60_000);

    expect(sut.waitMs(NOW)).toBe(0);
    expect(sut.blockedUntil(NOW)).toBe(0);
  });

  it('should shut until the reset when a 200 announces that no requests remain', () => {
    const sut = new RateLimitGate(600_000);

    sut.observe(200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW_S + 30) }, NOW);

    expect(sut.waitMs(NOW)).toBe(30_000);
    expect(sut.blockedUntil(NOW)).toBe(NOW + 30_000);
    expect(sut.waitMs(NOW + 30_000)).toBe(0);
    expect(sut.blockedUntil(NOW + 30_000)).toBe(0);
  });

  it('should stay open while requests remain', () => {
    const sut = new RateLimitGate(600_000);

    sut.observe(200, { 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': String(NOW_S + 30) }, NOW);

    expect(sut.waitMs(NOW)).toBe(0);
  });

  it('should stay open when no requests remain but the reset has passed', () => {
    const sut = new RateLimitGate(600_000);

    sut.observe(404, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW_S - 1) }, NOW);

    expect(sut.waitMs(NOW)).toBe(0);
  });

  it('should shut for the Retry-After of a 429', () => {
    const sut = new RateLimitGate(600_000);

    sut.observe(429, { 'retry-after': '7' }, NOW);

    expect(sut.waitMs(NOW + 1_000)).toBe(6_000);
  });

  it('should stay open after a 429 that gives no wait', () => {
    const sut = new RateLimitGate(600_000);

    sut.observe(429, {}, NOW);

    expect(sut.waitMs(NOW)).toBe(0);
  });

  it('should ignore Retry-After on other statuses', () => {
    const sut = new RateLimitGate(600_000);

    sut.observe(503, { 'retry-after': '7' }, NOW);

    expect(sut.waitMs(NOW)).toBe(0);
  });

  it('should never wait longer than its maximum', () => {
    const sut = new RateLimitGate(60_000);

    sut.observe(429, { 'retry-after': '86400' }, NOW);

    expect(sut.waitMs(NOW)).toBe(60_000);
  });

  it('should keep the later of two resets', () => {
    const sut = new RateLimitGate(600_000);

    sut.observe(429, { 'retry-after': '30' }, NOW);
    sut.observe(429, { 'retry-after': '5' }, NOW);

    expect(sut.waitMs(NOW)).toBe(30_000);
  });
});

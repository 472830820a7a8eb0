import { MAX_TIMER_MS, parseDuration, tryParseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    [0, 0],
    [250, 250],
    ['250', 250],
    ['0ms', 0],
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['24h', 86_400_000],
    ['1d', 86_400_000],
    ['7d', 604_800_000],
  ])('should parse %p as %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each([
    [''],
    ['   '],
    ['5 m'],
    [' 5m'],
    ['5M'],
    ['5w'],
    ['5min'],
    ['1m30s'],
    ['1.5s'],
    ['s'],
    [1.5],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [null],
    [true],
    [{}],
  ])('should reject %p', (input) => {
    expect(() => parseDuration(input)).toThrow(RangeError);
  });

  it.each([[-1], ['-5s'], ['-250']])('should reject the negative value %p with a message saying so', (input) => {
    expect(tryParseDuration(input)).toEqual({ ok: false, message: 'must not be negative' });
  });

  it('should explain the accepted forms when the unit is unknown', () => {
    const result = tryParseDuration('5w');

    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/ms, s, m, h or d/);
  });

  it('should reject a value beyond the safe integer range', () => {
    expect(tryParseDuration('999999999999999d')).toEqual({ ok: false, message: 'is too large' });
  });

  it('should expose the Node timer limit', () => {
    expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
  });
});

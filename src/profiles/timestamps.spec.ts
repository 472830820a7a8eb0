import { jest } from '@jest/globals';

import { normalizeTimestamp, optionalTimestamp } from './timestamps.js';

describe('normalizeTimestamp', () => {
  it.each([
    ['2026-01-19T09:15:00Z', '2026-01-19T09:15:00.000Z'],
    ['2024-03-20T08:30:00.000Z', '2024-03-20T08:30:00.000Z'],
    ['2026-03-10T09:38:13.474997Z', '2026-03-10T09:38:13.474Z'],
    ['2026-03-10T09:38:13.999999999Z', '2026-03-10T09:38:13.999Z'],
    ['2022-06-23T13:53:02+02:00', '2022-06-23T11:53:02.000Z'],
    ['2025-09-01T00:30:00+02:00', '2025-08-31T22:30:00.000Z'],
    ['2025-09-01T23:30:00.5-05:30', '2025-09-02T05:00:00.500Z'],
    ['2026-03-17T10:00:00+0100', '2026-03-17T09:00:00.000Z'],
    ['2026-01-19T12:30Z', '2026-01-19T12:30:00.000Z'],
  ])('should normalize %s to %s', (input, expected) => {
    expect(normalizeTimestamp(input)).toBe(expected);
  });

  it.each([['not a date'], ['2026-01-19'], ['2026-02-30T00:00:00Z'], ['2026-13-01T00:00:00Z'], ['2026-01-19T09:15:00'], [''], [12345], [null]])(
    'should return null for %p',
    (input) => {
      expect(normalizeTimestamp(input)).toBeNull();
    },
  );
});

describe('optionalTimestamp', () => {
  it('should keep null and absent values as null without reporting them', () => {
    const onInvalid = jest.fn();

    expect(optionalTimestamp('lastSeenAt', null, onInvalid)).toBeNull();
    expect(optionalTimestamp('lastSeenAt', undefined, onInvalid)).toBeNull();
    expect(onInvalid).not.toHaveBeenCalled();
  });

  it('should report an unparseable value and return null', () => {
    const onInvalid = jest.fn();

    expect(optionalTimestamp('lastSeenAt', 'yesterday', onInvalid)).toBeNull();
    expect(onInvalid).toHaveBeenCalledWith('lastSeenAt', 'yesterday');
  });
});

import { jest } from '@jest/globals';

import { VirtualClock } from '../../test/support/virtual-clock.js';
import { RepeatedWarnings, repeatedWarnings, warningCodeOf } from './repeated-warnings.js';

function setup(options: { windowMs?: number; maxKeys?: number } = {}) {
  const clock = new VirtualClock();
  const warn = jest.fn<(obj: object, msg: string) => void>();
  const stop = jest.fn();
  const sut = new RepeatedWarnings({ warn }, { ...options, now: () => clock.now(), schedule: () => stop });
  return { clock, warn, stop, sut };
}

const MSG = 'Background refresh of a cached profile failed';

describe('RepeatedWarnings', () => {
  it('should log the first warning with its details and count the identical ones of the window', () => {
    const { clock, warn, sut } = setup({ windowMs: 10_000 });

    for (let i = 0; i < 2_236; i++) {
      sut.warn(MSG, { source: 'crm', code: 'UPSTREAM_ERROR' }, { id: String(i) });
      clock.advance(4);
    }
    clock.advance(10_000);
    sut.sweep();

    expect(warn.mock.calls).toStrictEqual([
      [{ id: '0', source: 'crm', code: 'UPSTREAM_ERROR' }, MSG],
      [{ source: 'crm', code: 'UPSTREAM_ERROR', repeated: 2_235, windowMs: 10_000 }, `${MSG} (2235 more like it in 10 s)`],
    ]);
  });

  it('should keep sources and codes apart', () => {
    const { warn, sut } = setup();

    sut.warn(MSG, { source: 'crm', code: 'UPSTREAM_ERROR' });
    sut.warn(MSG, { source: 'crm', code: 'UPSTREAM_TIMEOUT' });
    sut.warn(MSG, { source: 'analytics', code: 'UPSTREAM_ERROR' });
    sut.warn(MSG, { source: 'crm', code: 'UPSTREAM_ERROR' });

    expect(warn).toHaveBeenCalledTimes(3);
  });

  it('should report the count of a window that ended when the same warning comes again, then start a new window', () => {
    const { clock, warn, sut } = setup({ windowMs: 1_000 });

    sut.warn(MSG, { source: 'crm', code: 'X' });
    sut.warn(MSG, { source: 'crm', code: 'X' });
    clock.advance(1_000);
    sut.warn(MSG, { source: 'crm', code: 'X' });

    expect(warn.mock.calls.map(([obj]) => obj)).toStrictEqual([
      { source: 'crm', code: 'X' },
      { source: 'crm', code: 'X', repeated: 1, windowMs: 1_000 },
      { source: 'crm', code: 'X' },
    ]);
  });

  it('should not report windows without repeats, and forget them', () => {
    const { clock, warn, sut } = setup({ windowMs: 1_000 });

    sut.warn(MSG, { source: 'crm' });
    clock.advance(1_000);
    sut.sweep();
    sut.warn(MSG, { source: 'crm' });

    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('should log warnings as they come beyond maxKeys distinct ones', () => {
    const { warn, sut } = setup({ maxKeys: 2 });

    for (const source of ['a', 'b', 'c', 'c', 'c']) sut.warn(MSG, { source });

    expect(warn).toHaveBeenCalledTimes(5);
  });

  it('should report open counts and stop its timer on close', () => {
    const { warn, stop, sut } = setup();
    sut.warn(MSG, { source: 'crm' });
    sut.warn(MSG, { source: 'crm' });

    sut.close();

    expect(stop).toHaveBeenCalled();
    expect(warn).toHaveBeenLastCalledWith({ source: 'crm', repeated: 1, windowMs: 10_000 }, `${MSG} (1 more like it in 10 s)`);
  });
});

describe('repeatedWarnings', () => {
  it('should give one logger one aggregator', () => {
    const logger = { warn: jest.fn() };

    expect(repeatedWarnings(logger)).toBe(repeatedWarnings(logger));
    expect(repeatedWarnings({ warn: jest.fn() })).not.toBe(repeatedWarnings(logger));
  });
});

describe('warningCodeOf', () => {
  it('should take the code of an error, else its name', () => {
    expect(warningCodeOf(Object.assign(new Error('x'), { code: 'UPSTREAM_TIMEOUT' }))).toBe('UPSTREAM_TIMEOUT');
    expect(warningCodeOf(new TypeError('x'))).toBe('TypeError');
    expect(warningCodeOf('text')).toBeUndefined();
  });
});

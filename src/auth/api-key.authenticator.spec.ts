import { jest } from '@jest/globals';

import type { ApiKeyConfig } from '../config/config.types.js';
import { ForbiddenError, UnauthorizedError } from '../profiles/profile.errors.js';

const realCrypto = await import('node:crypto');
const timingSafeEqual = jest.fn(realCrypto.timingSafeEqual);
jest.unstable_mockModule('node:crypto', () => ({ ...realCrypto, default: realCrypto, timingSafeEqual }));
const { ApiKeyAuthenticator, bearerKeyOf } = await import('./api-key.authenticator.js');

const sha256 = (key: string): string => realCrypto.createHash('sha256').update(key, 'utf8').digest('hex');

const DASHBOARD: ApiKeyConfig = { name: 'admin-dashboard', keySha256: sha256('dashboard-key-1'), sources: ['*'], actions: ['read'] };
const WARMER: ApiKeyConfig = { name: 'cache-warmer', keySha256: sha256('warmer-key-2'), sources: ['crm', 'analytics'], actions: ['read'] };
const REPORTS: ApiKeyConfig = { name: 'reports', keySha256: sha256('reports-key-3'), sources: ['directory'], actions: ['read'] };

function setup(apiKeys: ApiKeyConfig[] = [DASHBOARD, WARMER, REPORTS], disabled = false) {
  timingSafeEqual.mockClear();
  return new ApiKeyAuthenticator({ disabled, apiKeys });
}

describe(ApiKeyAuthenticator.name, () => {
  describe('authenticate', () => {
    it('should return the configured key whose SHA-256 matches the Bearer key', () => {
      const sut = setup();

      expect(sut.authenticate('Bearer warmer-key-2')).toBe(WARMER);
    });

    it('should accept the scheme in any case', () => {
      const sut = setup();

      expect(sut.authenticate('bearer dashboard-key-1')).toBe(DASHBOARD);
      expect(sut.authenticate('BEARER reports-key-3')).toBe(REPORTS);
    });

    it('should compare equal-length digests against every configured key, also after a match', () => {
      const sut = setup();

      sut.authenticate('Bearer dashboard-key-1');

      expect(timingSafeEqual).toHaveBeenCalledTimes(3);
      for (const [a, b] of timingSafeEqual.mock.calls) {
        expect((a as Buffer).length).toBe(32);
        expect((b as Buffer).length).toBe(32);
      }
    });

    it('should compare in constant time for an unknown key too', () => {
      const sut = setup();

      expect(() => sut.authenticate('Bearer nope')).toThrow(UnauthorizedError);
      expect(timingSafeEqual).toHaveBeenCalledTimes(3);
    });

    it('should hash a configured key once, and an unknown key every time it is presented', () => {
      const sut = setup();

      expect(sut.authenticate('Bearer warmer-key-2')).toBe(WARMER);
      expect(sut.authenticate('bearer warmer-key-2')).toBe(WARMER);
      expect(timingSafeEqual).toHaveBeenCalledTimes(3);
      expect(() => sut.authenticate('Bearer nope')).toThrow(UnauthorizedError);
      expect(() => sut.authenticate('Bearer nope')).toThrow(UnauthorizedError);
      expect(timingSafeEqual).toHaveBeenCalledTimes(9);
    });

    it.each([
      ['no header', undefined],
      ['an empty header', ''],
      ['a Basic credential', 'Basic ZGFzaGJvYXJkLWtleS0xOg=='],
      ['the bare key', 'dashboard-key-1'],
      ['Bearer without a key', 'Bearer '],
      ['two tokens', 'Bearer dashboard-key-1 extra'],
      ['a repeated header', ['Bearer dashboard-key-1', 'Bearer dashboard-key-1']],
    ])('should reject %s as UNAUTHORIZED', (_label, header) => {
      const sut = setup();

      expect(() => sut.authenticate(header)).toThrow(UnauthorizedError);
    });

    it.each([
      ['an unknown key', 'Bearer someone-elses-key'],
      ['a key in another case', 'Bearer DASHBOARD-KEY-1'],
      ['a key with a suffix', 'Bearer dashboard-key-12'],
      ['the stored digest itself', `Bearer ${DASHBOARD.keySha256}`],
    ])('should reject %s as UNAUTHORIZED', (_label, header) => {
      const sut = setup();

      expect(() => sut.authenticate(header)).toThrow('The gateway API key is not valid');
    });
  });

  describe('authorize', () => {
    it('should let a * key read any source name', () => {
      const sut = setup();

      expect(() => sut.authorize(DASHBOARD, 'crm')).not.toThrow();
      expect(() => sut.authorize(DASHBOARD, 'not-configured')).not.toThrow();
    });

    it('should let a key read the sources it lists', () => {
      const sut = setup();

      expect(() => sut.authorize(WARMER, 'analytics')).not.toThrow();
    });

    it('should forbid any other name, configured or not, naming the source', () => {
      const sut = setup();

      expect(() => sut.authorize(WARMER, 'directory')).toThrow(ForbiddenError);
      expect(() => sut.authorize(WARMER, 'not-configured')).toThrow('This API key may not read source not-configured');
    });
  });

  describe('disabled', () => {
    it('should tell whether authentication is off', () => {
      expect(setup([], true).disabled).toBe(true);
      expect(setup().disabled).toBe(false);
    });
  });
});

describe('bearerKeyOf', () => {
  it('should extract the token of a Bearer credential and ignore trailing spaces', () => {
    expect(bearerKeyOf('Bearer abc.DEF-123_~+/=  ')).toBe('abc.DEF-123_~+/=');
  });

  it('should refuse control characters in the token', () => {
    expect(bearerKeyOf('Bearer abc\u0000def')).toBeUndefined();
  });
});

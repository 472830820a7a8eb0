import { requestIdOf } from './bootstrap.js';

describe('requestIdOf', () => {
  it('should keep a well-formed caller request id', () => {
    expect(requestIdOf({ headers: { 'x-request-id': 'abc-123' } })).toBe('abc-123');
  });

  it.each([[undefined], [''], ['has space'], ['x'.repeat(129)], ['bad\u0000id']])('should generate a UUID instead of %p', (value) => {
    expect(requestIdOf({ headers: { 'x-request-id': value } })).toMatch(/^[0-9a-f-]{36}$/);
  });
});

import { parseInvalidation } from './shared-tier.js';

describe('parseInvalidation', () => {
  it('should read a message published by another instance', () => {
    expect(parseInvalidation('{"key":"pgw:profile:v1:s:id:1","fetchedAtMs":1700000000000,"instanceId":"b"}')).toEqual({
      key: 'pgw:profile:v1:s:id:1',
      fetchedAtMs: 1_700_000_000_000,
      instanceId: 'b',
    });
  });

  it.each([['not JSON', 'hello'], ['null', 'null'], ['a missing key', '{"fetchedAtMs":1,"instanceId":"b"}'], ['a string time', '{"key":"k","fetchedAtMs":"1","instanceId":"b"}']])(
    'should ignore %s',
    (_name, text) => {
      expect(parseInvalidation(text)).toBeUndefined();
    },
  );
});

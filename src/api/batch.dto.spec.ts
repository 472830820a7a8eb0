import 'reflect-metadata';

import { ValidationError } from '../profiles/profile.errors.js';
import { parseBatchRequest } from './batch.dto.js';

function problemsOf(body: unknown, max = 100): Array<{ field: string; message: string }> {
  try {
    parseBatchRequest(body, max);
  } catch (error) {
    if (error instanceof ValidationError) return error.errors;
    throw error;
  }
  return [];
}

describe('parseBatchRequest', () => {
  it('should return the lookups in order with by defaulting to id, and include=raw', () => {
    const parsed = parseBatchRequest(
      {
        lookups: [
          { source: 'crm', id: 'usr_1' },
          { source: 'analytics', id: 'acct-9', by: 'externalId' },
          { source: 'crm', id: 'usr_1', by: 'id' },
        ],
        include: ['raw'],
      },
      100,
    );

    expect(parsed).toEqual({
      lookups: [
        { source: 'crm', id: 'usr_1', by: 'id' },
        { source: 'analytics', id: 'acct-9', by: 'externalId' },
        { source: 'crm', id: 'usr_1', by: 'id' },
      ],
      includeRaw: true,
    });
  });

  it('should ignore unknown fields and include values other than raw', () => {
    const parsed = parseBatchRequest({ lookups: [{ source: 'crm', id: '1', extra: { deep: [1] } }], include: ['other'], note: 'x' }, 100);

    expect(parsed).toEqual({ lookups: [{ source: 'crm', id: '1', by: 'id' }], includeRaw: false });
  });

  it.each([
    ['a JSON array', [], 'body'],
    ['a string', 'lookups', 'body'],
    ['null', null, 'body'],
    ['no lookups', {}, 'lookups'],
    ['lookups not an array', { lookups: { source: 'crm', id: '1' } }, 'lookups'],
    ['an empty list', { lookups: [] }, 'lookups'],
  ])('should refuse %s, naming the field', (_name, body, field) => {
    expect(problemsOf(body).map((p) => p.field)).toContain(field);
  });

  it('should refuse more than maxLookups lookups without looking at the items', () => {
    const lookups = Array.from({ length: 101 }, () => ({ nonsense: true }));

    expect(problemsOf({ lookups }, 100)).toEqual([{ field: 'lookups', message: 'must contain at most 100 lookups' }]);
    expect(() => parseBatchRequest({ lookups: lookups.slice(0, 100).map((_, i) => ({ source: 's', id: String(i) })) }, 100)).not.toThrow();
  });

  it('should name each bad item field as a path', () => {
    const problems = problemsOf({
      lookups: [{ source: 'crm', id: '1' }, { source: 'crm', id: 42 }, { source: ['crm'], id: '1', by: 'email' }, null, 'crm/1'],
      include: 'raw',
    });
    const fields = problems.map((p) => p.field);

    expect(fields).toEqual(expect.arrayContaining(['lookups[1].id', 'lookups[2].source', 'lookups[2].by', 'lookups[3]', 'lookups[4]', 'include']));
    expect(fields).not.toContain('lookups[0].id');
    expect(problems.find((p) => p.field === 'lookups[2].by')?.message).toBe('must be id or externalId');
  });

  it('should refuse deeply nested junk in an item as a wrong type, not crash', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 2_000; i++) deep = { a: deep };
    // About what fits in 256 KiB: 50,000 levels of `{"a":`.
    const deepest = JSON.parse(`${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`) as unknown;

    expect(problemsOf({ lookups: [{ source: 'crm', id: '1', extra: deepest }] })).toEqual([]);

    expect(problemsOf({ lookups: [{ source: deep, id: deep }] }).map((p) => p.field)).toEqual(['lookups[0].source', 'lookups[0].id']);
  });
});

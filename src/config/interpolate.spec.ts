import { interpolateString, interpolateTree } from './interpolate.js';

describe('interpolateString', () => {
  const env = { TOKEN: 'secret', EMPTY: '', PORT: '8080' };

  it.each([
    ['${TOKEN}', 'secret'],
    ['Bearer ${TOKEN}!', 'Bearer secret!'],
    ['${PORT}-${TOKEN}', '8080-secret'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${MISSING:-}', ''],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${TOKEN:-fallback}', 'secret'],
    ['${MISSING:-redis://127.0.0.1:6379/0}', 'redis://127.0.0.1:6379/0'],
    ['${EMPTY}', ''],
    ['no references', 'no references'],
    ['price $5 and $TOKEN', 'price $5 and $TOKEN'],
    ['$${TOKEN}', '${TOKEN}'],
    ['trailing $', 'trailing $'],
  ])('should turn %p into %p', (input, expected) => {
    expect(interpolateString(input, env)).toEqual({ value: expected, problems: [] });
  });

  it('should report an unset variable by name', () => {
    expect(interpolateString('${NOPE}', env).problems).toEqual(['environment variable NOPE is not set']);
  });

  it('should report every unset variable of one string', () => {
    expect(interpolateString('${A}:${B}', {}).problems).toEqual(['environment variable A is not set', 'environment variable B is not set']);
  });

  it.each([['${'], ['${TOKEN'], ['${1ABC}'], ['${TOKEN:?required}'], ['${TOKEN-x}'], ['${A:-${B}}'], ['${}']])(
    'should report the malformed reference %p',
    (input) => {
      const result = interpolateString(input, env);

      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatch(/^invalid reference \$\{.*: use \$\{NAME\} or \$\{NAME:-default\}$/);
    },
  );

  it('should not interpolate a value again', () => {
    expect(interpolateString('${OUTER}', { OUTER: '${TOKEN}', TOKEN: 'secret' })).toEqual({ value: '${TOKEN}', problems: [] });
  });
});

describe('interpolateTree', () => {
  it('should interpolate strings at every depth and keep other scalars and keys', () => {
    const tree = { '${KEY}': 1, a: { b: ['${X}', 2, true, null], c: '${X:-d}' } };

    const result = interpolateTree(tree, { X: 'x', KEY: 'k' });

    expect(result).toEqual({ value: { '${KEY}': 1, a: { b: ['x', 2, true, null], c: 'x' } }, problems: [] });
    expect(tree.a.b[0]).toBe('${X}');
  });

  it('should name the config path of each unset variable', () => {
    const tree = { sources: { crm: { token: '${CRM_TOKEN}' } }, auth: { apiKeys: [{ key: 'ok' }, { key: '${KEY_2}' }] } };

    const result = interpolateTree(tree, {});

    expect(result.problems).toEqual([
      { path: 'sources.crm.token', message: 'environment variable CRM_TOKEN is not set' },
      { path: 'auth.apiKeys[1].key', message: 'environment variable KEY_2 is not set' },
    ]);
  });

  it('should keep a value that looks like YAML as one string', () => {
    const result = interpolateTree({ token: '${T}' }, { T: 'x\nkind: evil\n- [1, 2]' });

    expect(result.value).toEqual({ token: 'x\nkind: evil\n- [1, 2]' });
  });

  it('should keep a __proto__ key as data without touching the prototype', () => {
    const tree = JSON.parse('{"__proto__": {"polluted": "${X}"}}') as unknown;

    const result = interpolateTree(tree, { X: 'yes' });

    expect(Object.keys(result.value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
  });
});

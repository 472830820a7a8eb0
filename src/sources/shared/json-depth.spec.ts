import { exceedsJsonDepth, MAX_JSON_DEPTH } from './json-depth.js';

function nestedObjects(depth: number): unknown {
  return JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

describe('exceedsJsonDepth', () => {
  it('should accept scalars and values up to the limit', () => {
    expect(exceedsJsonDepth(null)).toBe(false);
    expect(exceedsJsonDepth('text')).toBe(false);
    expect(exceedsJsonDepth({})).toBe(false);
    expect(exceedsJsonDepth(nestedObjects(MAX_JSON_DEPTH))).toBe(false);
  });

  it('should refuse one level more than the limit, in objects and in arrays', () => {
    expect(exceedsJsonDepth(nestedObjects(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(exceedsJsonDepth(JSON.parse(`${'['.repeat(4)}${']'.repeat(4)}`), 3)).toBe(true);
    expect(exceedsJsonDepth(JSON.parse(`${'['.repeat(3)}${']'.repeat(3)}`), 3)).toBe(false);
  });

  it('should find a deep branch next to shallow ones', () => {
    const value = { wide: Array.from({ length: 1_000 }, (_, i) => ({ i })), deep: nestedObjects(10) };

    expect(exceedsJsonDepth(value, 11)).toBe(false);
    expect(exceedsJsonDepth(value, 10)).toBe(true);
  });

  it('should measure a million levels without overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`) as unknown;

    expect(exceedsJsonDepth(deep)).toBe(true);
  });
});

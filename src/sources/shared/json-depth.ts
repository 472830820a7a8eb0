/**
 * Deepest nesting of objects and arrays accepted in an upstream body (the body itself is level 1). Far above any
 * real profile, and far below what the recursive steps after parsing can take: the zod body check, the mappers, the
 * ETag's sorted-key serialization and `JSON.stringify` of the answer and of the cache entry all recurse once per
 * level, and overflow the stack somewhere above a thousand levels.
 */
export const MAX_JSON_DEPTH = 64;

/** Thrown by the safe JSON parser for a body nested deeper than its limit. */
export class JsonTooDeepError extends Error {
  constructor(readonly maxDepth: number) {
    super(`body nested deeper than ${maxDepth} levels`);
    this.name = 'JsonTooDeepError';
  }
}

/**
 * Whether a parsed JSON value nests objects and arrays deeper than `maxDepth` levels. Iterative (an explicit stack,
 * never recursion), so any depth is measured safely; stops at the first level too deep.
 */
export function exceedsJsonDepth(value: unknown, maxDepth: number = MAX_JSON_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const current = values.pop() as object;
    const depth = depths.pop() as number;
    if (depth > maxDepth) return true;
    const children: unknown[] = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

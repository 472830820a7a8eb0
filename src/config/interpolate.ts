import type { ConfigProblem } from './config-error.js';

/**
 * Environment interpolation of the configuration file.
 *
 * - `${NAME}` is replaced by the environment variable NAME; an unset variable is a problem naming the
 *   variable and the config path where it appears. A variable set to the empty string gives `""`.
 * - `${NAME:-default}` is replaced by NAME when it is set and not empty, else by `default` (which may be
 *   empty and may not contain `${` or `}`), as in POSIX shells.
 * - `$${` writes a literal `${`. A `$` followed by anything else is kept as is.
 * - NAME is `[A-Za-z_][A-Za-z0-9_]*`. Other shell forms (`${NAME-x}`, `${NAME:?x}`, nesting) are problems.
 *
 * Interpolation runs on the string values of the parsed YAML tree, never on the raw text or on mapping
 * keys, so a variable's value cannot inject YAML structure. Substituted values are not scanned again.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface InterpolatedString {
  value: string;
  /** Problems of this string, phrased to follow its config path. */
  problems: string[];
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/;

/** Interpolates one string. */
export function interpolateString(text: string, env: Env): InterpolatedString {
  const problems: string[] = [];
  let value = '';
  let index = 0;
  while (index < text.length) {
    const start = text.indexOf('$', index);
    if (start === -1) {
      value += text.slice(index);
      break;
    }
    value += text.slice(index, start);
    if (text.startsWith('$${', start)) {
      value += '${';
      index = start + 3;
      continue;
    }
    if (!text.startsWith('${', start)) {
      value += '$';
      index = start + 1;
      continue;
    }
    const rest = text.slice(start + 2);
    const match = REFERENCE.exec(rest);
    if (!match || match[2]?.includes('${')) {
      const end = rest.indexOf('}');
      const shown = end === -1 ? text.slice(start) : text.slice(start, start + 3 + end);
      problems.push(`invalid reference ${shown}: use \${NAME} or \${NAME:-default}`);
      value += shown;
      index = start + shown.length;
      continue;
    }
    const [whole, name, fallback] = match as unknown as [string, string, string | undefined];
    const current = env[name];
    if (fallback !== undefined) {
      value += current === undefined || current === '' ? fallback : current;
    } else if (current === undefined) {
      problems.push(`environment variable ${name} is not set`);
    } else {
      value += current;
    }
    index = start + 2 + whole.length;
  }
  return { value, problems };
}

/** Appends a mapping key or sequence index to a dotted config path. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/**
 * Interpolates every string value of a parsed YAML tree (mappings, sequences, scalars). Returns a new tree;
 * the input is not modified. Problems carry the path of the string they were found in.
 */
export function interpolateTree(tree: unknown, env: Env, path = ''): { value: unknown; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const visit = (node: unknown, at: string): unknown => {
    if (typeof node === 'string') {
      const result = interpolateString(node, env);
      for (const message of result.problems) problems.push({ path: at, message });
      return result.value;
    }
    if (Array.isArray(node)) return node.map((item, i) => visit(item, childPath(at, i)));
    if (isPlainMapping(node)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(node)) {
        // defineProperty: a `__proto__` key stays an own property instead of replacing the prototype.
        Object.defineProperty(out, key, { value: visit(item, childPath(at, key)), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return node;
  };
  return { value: visit(tree, path), problems };
}

/** A YAML mapping as parsed into JavaScript: a plain object, not an array, date or null. */
export function isPlainMapping(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

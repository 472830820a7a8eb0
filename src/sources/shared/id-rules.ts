/**
 * One kind's rule for the `:id` of the URL: returns a problem message, or null when the id is acceptable.
 * `description` says what is acceptable (the kind's documented rule, e.g. `1 to 20 decimal digits`).
 */
export type IdRule = ((id: string) => string | null) & { readonly description: string };

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/u;

/** Counts code points, so a 256-character unicode id is 256, not its UTF-16 length. */
function length(id: string): number {
  let n = 0;
  for (const _ of id) n++;
  return n;
}

/** 1 to `max` characters with no control characters. */
export function anyText(max = 256): IdRule {
  const rule = (id: string): string | null => {
    const n = length(id);
    if (n < 1 || n > max) return `must be 1 to ${max} characters`;
    if (CONTROL_CHARACTERS.test(id)) return 'must not contain control characters';
    return null;
  };
  return Object.assign(rule, { description: `1 to ${max} characters, no control characters` });
}

/** A whole-string pattern; an id that does not match gets `must be <description>`. */
export function matching(pattern: RegExp, description: string): IdRule {
  const problem = `must be ${description}`;
  return Object.assign((id: string) => (pattern.test(id) ? null : problem), { description });
}

/**
 * Whether an `If-None-Match` header matches the current ETag (RFC 9110 §13.1.2: weak comparison, `*` matches any
 * current representation).
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const trimmed = header.trim();
  if (trimmed === '*') return true;
  const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);
  const current = opaque(etag);
  return trimmed.split(',').some((candidate) => opaque(candidate.trim()) === current);
}

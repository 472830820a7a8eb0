/** Most segments a route pattern or a request path is compared on; longer paths match no route. */
const MAX_SEGMENTS = 64;

type Segment = { kind: 'literal'; text: string } | { kind: 'param' } | { kind: 'wildcard' };

interface RoutePattern {
  url: string;
  segments: Segment[];
  methods: Set<string>;
}

function segmentsOf(path: string): string[] {
  return path.split('/').slice(1, MAX_SEGMENTS + 2);
}

function patternOf(url: string): Segment[] {
  return segmentsOf(url).map((part): Segment => {
    if (part === '*') return { kind: 'wildcard' };
    if (part.startsWith(':')) return { kind: 'param' };
    return { kind: 'literal', text: part };
  });
}

function matches(pattern: Segment[], path: string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const segment = pattern[i]!;
    if (segment.kind === 'wildcard') return true;
    const part = path[i];
    if (part === undefined) return false;
    if (segment.kind === 'param' ? part === '' : segment.text !== part) return false;
  }
  return pattern.length === path.length;
}

/**
 * The methods each registered path serves, fed by Fastify's `onRoute` hook, so a route added anywhere is known here
 * without a list to keep. It answers `Allow` for a request that matched no route: a path that some route serves with
 * another method is a 405, any other path a 404. Patterns are Fastify's: `:name` is one non-empty segment, a final
 * `*` the rest of the path.
 */
export class RouteTable {
  private readonly routes = new Map<string, RoutePattern>();

  add(methods: string | readonly string[], url: string): void {
    let route = this.routes.get(url);
    if (!route) {
      route = { url, segments: patternOf(url), methods: new Set() };
      this.routes.set(url, route);
    }
    for (const method of typeof methods === 'string' ? [methods] : methods) {
      route.methods.add(method.toUpperCase());
      // Fastify serves HEAD wherever GET is (exposeHeadRoutes).
      if (method.toUpperCase() === 'GET') route.methods.add('HEAD');
    }
  }

  /** The methods served on `path` (without its query), sorted; empty when no route serves the path at all. */
  allowedMethods(path: string): string[] {
    const parts = segmentsOf(path.split('?', 1)[0]!);
    if (parts.length > MAX_SEGMENTS) return [];
    const allowed = new Set<string>();
    for (const route of this.routes.values()) {
      if (matches(route.segments, parts)) for (const method of route.methods) allowed.add(method);
    }
    return [...allowed].sort();
  }
}

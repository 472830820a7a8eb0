/** RFC 9211 cache name of the gateway. */
export const CACHE_NAME = 'profile-gateway';

/**
 * Every `Cache-Status` value the gateway sends (contract section 1), built in one place.
 * `collapsed` marks a response that waited on another request's upstream call.
 */
export const cacheStatus = {
  hit: (ttlSeconds: number): string => `${CACHE_NAME}; hit; ttl=${ttlSeconds}`,
  miss: (collapsed: boolean): string => withCollapsed(`${CACHE_NAME}; fwd=miss; stored`, collapsed),
  request: (collapsed: boolean): string => withCollapsed(`${CACHE_NAME}; fwd=request; stored`, collapsed),
  staleWhileRevalidate: (): string => `${CACHE_NAME}; hit; fwd=stale; detail=stale-while-revalidate`,
  staleIfError: (upstreamStatus: number, collapsed: boolean): string =>
    withCollapsed(`${CACHE_NAME}; fwd=stale; fwd-status=${upstreamStatus}; detail=stale-if-error`, collapsed),
};

function withCollapsed(value: string, collapsed: boolean): string {
  return collapsed ? `${value}; collapsed` : value;
}

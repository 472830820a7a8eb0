import { type ErrorCode, type FieldProblem } from '../profiles/profile.errors.js';

/** HTTP status of every domain error code: an unmapped code fails to compile. */
export const STATUS_OF = {
  VALIDATION_ERROR: 400,
  LOOKUP_NOT_SUPPORTED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  SOURCE_NOT_FOUND: 404,
  PROFILE_NOT_FOUND: 404,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  UPSTREAM_AUTH_FAILED: 502,
  UPSTREAM_BAD_RESPONSE: 502,
  UPSTREAM_ERROR: 502,
  UPSTREAM_RATE_LIMITED: 503,
  UPSTREAM_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
  NOT_CACHED: 504,
  LOOKUP_AMBIGUOUS: 409,
} as const satisfies Record<ErrorCode, number>;

/** Codes for failures outside the profile endpoint's own rules (unknown route, wrong method, oversized request). */
export type TransportCode = 'NOT_FOUND' | 'METHOD_NOT_ALLOWED' | 'PAYLOAD_TOO_LARGE' | 'BAD_REQUEST';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** RFC 9457 problem body. */
export interface Problem {
  type: 'about:blank';
  title: string;
  status: number;
  code: ErrorCode | TransportCode;
  detail: string;
  source?: string;
  requestId: string;
  errors?: FieldProblem[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problem(
  status: number,
  code: ErrorCode | TransportCode,
  detail: string,
  requestId: string,
  extra: { source?: string; errors?: FieldProblem[] } = {},
): Problem {
  return {
    type: 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...(extra.source !== undefined && { source: extra.source }),
    requestId,
    ...(extra.errors !== undefined && { errors: extra.errors }),
  };
}

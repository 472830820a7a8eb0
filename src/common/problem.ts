import { type ErrorCode, type FieldProblem } from '../profiles/profile.errors.js';

/** HTTP status of every error code: an unmapped code fails to compile. */
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
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  LOOKUP_AMBIGUOUS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
} as const satisfies Record<ErrorCode, number>;

const TITLES = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
} as const satisfies Record<(typeof STATUS_OF)[ErrorCode], string>;

/** Path of the page that explains a code (RFC 9457 §3.1.1 `type`): lower case, `-` for `_`. */
export type ProblemType = `/problems/${string}`;

export const PROBLEMS_PATH = '/problems';

export function problemTypeOf(code: ErrorCode): ProblemType {
  return `${PROBLEMS_PATH}/${code.toLowerCase().replaceAll('_', '-')}`;
}

/** RFC 9457 problem body. */
export interface Problem {
  type: ProblemType;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  source?: string;
  requestId: string;
  errors?: FieldProblem[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The body of an error answer: status and title follow from the code. */
export function problem(code: ErrorCode, detail: string, requestId: string, extra: { source?: string; errors?: FieldProblem[] } = {}): Problem {
  const status = STATUS_OF[code];
  return {
    type: problemTypeOf(code),
    title: TITLES[status],
    status,
    code,
    detail,
    ...(extra.source !== undefined && { source: extra.source }),
    requestId,
    ...(extra.errors !== undefined && { errors: extra.errors }),
  };
}

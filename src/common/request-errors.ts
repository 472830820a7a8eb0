import { DomainError } from '../profiles/profile.errors.js';

/**
 * Errors about the HTTP request itself rather than the profile it asks for: a malformed request, a path or method the
 * gateway does not serve, an oversized head or body. Like every domain error they carry a code and no status;
 * `common/problem.ts` maps the code.
 */
export class BadRequestError extends DomainError {
  readonly code = 'BAD_REQUEST';
  constructor(message = 'Malformed request') {
    super(message);
  }
}

export class RouteNotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor() {
    super('No such route');
  }
}

export class MethodNotAllowedError extends DomainError {
  readonly code = 'METHOD_NOT_ALLOWED';
  /** @param allow the methods the path serves (the `Allow` header) */
  constructor(
    method: string,
    readonly allow: readonly string[],
  ) {
    super(`Method ${method} is not served on this path; allowed: ${allow.join(', ')}`);
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  constructor() {
    super('The request body has a media type this route does not accept');
  }
}


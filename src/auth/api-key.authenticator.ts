import { hash, timingSafeEqual } from 'node:crypto';

import type { ApiKeyAction, ApiKeyConfig, GatewayConfig } from '../config/config.types.js';
import { ForbiddenError, UnauthorizedError } from '../profiles/profile.errors.js';

/** `Bearer <token>`: the scheme is case-insensitive (RFC 9110 §11.1); the token is one run of visible characters. */
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

/** The presented key, or undefined when the header is absent or not a single Bearer credential. */
export function bearerKeyOf(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header)?.[1];
}

function sha256(value: string): Buffer {
  // One-shot hashing (Node >= 20.12): no Hash object per request.
  return hash('sha256', value, 'buffer');
}

interface KnownKey {
  config: ApiKeyConfig;
  digest: Buffer;
}

/**
 * Caller authentication (contract section 6, `auth.apiKeys`). Only SHA-256 digests of the keys are held; a presented
 * key is hashed and compared with every configured digest in constant time (equal-length digests, no early exit), so
 * neither the comparison time nor the order of the keys tells anything about a key.
 */
export class ApiKeyAuthenticator {
  private readonly keys: KnownKey[];
  /**
   * Presented keys already verified, so a key is hashed once, not on every request. Only configured keys get in (one
   * entry per configured key at most): an unknown key is hashed and compared every time it is presented.
   */
  private readonly verified = new Map<string, ApiKeyConfig>();

  constructor(private readonly auth: GatewayConfig['auth']) {
    this.keys = auth.apiKeys.map((config) => ({ config, digest: Buffer.from(config.keySha256, 'hex') }));
  }

  /** `auth.disabled: true`: every caller may read every source, without a key. */
  get disabled(): boolean {
    return this.auth.disabled;
  }

  /**
   * The configured key the `Authorization` header presents.
   * @throws UnauthorizedError when the header is missing, is not `Bearer <key>`, or names no configured key
   */
  authenticate(authorization: string | string[] | undefined): ApiKeyConfig {
    const presented = bearerKeyOf(authorization);
    if (presented === undefined) throw new UnauthorizedError('A gateway API key is required: Authorization: Bearer <key>');
    const known = this.verified.get(presented);
    if (known !== undefined) return known;
    const digest = sha256(presented);
    let match: ApiKeyConfig | undefined;
    for (const key of this.keys) {
      // Every key is compared, also after a match.
      if (timingSafeEqual(digest, key.digest) && match === undefined) match = key.config;
    }
    if (match === undefined) throw new UnauthorizedError('The gateway API key is not valid', true);
    this.verified.set(presented, match);
    return match;
  }

  /**
   * Checks that the key may read (or purge) the source named in the URL. This runs before the source is resolved, so a key
   * limited to some sources gets 403 for any other name, configured or not, and learns nothing about which
   * sources exist; a `*` key gets the service's 404 `SOURCE_NOT_FOUND` for an unknown name.
   * @throws ForbiddenError when the key's `sources` list neither `*` nor this name, or its `actions` lack `action`
   */
  authorize(key: ApiKeyConfig, source: string, action: ApiKeyAction = 'read'): void {
    const sourceAllowed = key.sources.includes('*') || key.sources.includes(source);
    if (!sourceAllowed || !key.actions.includes(action)) throw new ForbiddenError(source, action);
  }
}

import type { AdapterKind } from './adapter-kind.js';
import type { CanonicalProfile, JsonValue } from './profile.model.js';

/** How the caller identifies the user: the upstream's id, or the customer's own (`by=externalId`). */
export type LookupBy = 'id' | 'externalId';

export interface ProfileLookup {
  /** Decoded `:id` of the URL. */
  id: string;
  by: LookupBy;
}

/** What a fetch knows of the request that caused it. */
export interface FetchContext {
  /** The caller's request id (`X-Request-Id`); sent to the upstream as `X-Request-Id`. */
  requestId: string;
  /** What is left of the lookup's time budget (at most the source's `timeout`); the source's `timeout` when absent. */
  budgetMs?: number;
  /** Called with the HTTP status of each upstream attempt (0 = timeout or network failure), for the request's log line. */
  onAttempt?: (status: number) => void;
}

export interface FetchedProfile {
  /** Canonical profile, `meta.fetchedAt` set to the fetch time. Never holds `raw`. */
  profile: CanonicalProfile;
  /** Upstream JSON body exactly as received. */
  raw: JsonValue;
}

/**
 * One configured source: a name, a kind, and the upstream behind it.
 *
 * Implementations reject only with the gateway's domain errors (`profiles/profile.errors.ts`):
 * never with HTTP exceptions of our own API, never with library errors.
 */
export interface ProfileSource {
  readonly name: string;
  readonly kind: AdapterKind;

  /**
   * Checks the lookup against the kind's id rule, with no I/O.
   * @throws ValidationError for an id the kind can never accept
   * @throws LookupNotSupportedError for `by=externalId` on a kind without that lookup
   */
  validateLookup(lookup: ProfileLookup): void;

  /**
   * Fetches and maps one user.
   * @throws ProfileNotFoundError when the upstream says the user does not exist
   * @throws UpstreamError subclasses for every upstream failure
   */
  fetchProfile(lookup: ProfileLookup, context: FetchContext): Promise<FetchedProfile>;
}

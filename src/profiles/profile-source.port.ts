import type { SourceConfig } from '../config/config.types.js';
import type { UpstreamHttp } from '../sources/shared/upstream-http.js';
import type { AdapterKind } from './adapter-kind.js';
import type { CanonicalField, CanonicalProfile, JsonValue, MembershipType } from './profile.model.js';

/** How the caller identifies the user: the upstream's id, or the customer's own (`by=externalId`). */
export type LookupBy = 'id' | 'externalId';

export interface ProfileLookup {
  /** Decoded `:id` of the URL. */
  id: string;
  by: LookupBy;
}

export interface FetchContext {
  /** Aborted when the lookup's budget is spent or the caller is gone. */
  signal?: AbortSignal;
  requestId: string;
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

/** Collaborators a factory receives to build a source. */
export interface SourceDependencies {
  /** HTTP client bound to this source: base URL, credentials, budget, retries, breaker. */
  http: UpstreamHttp;
  /** Logs an optional timestamp that could not be parsed (contract section 2). */
  onInvalidOptionalTimestamp: (field: string, value: unknown) => void;
}

/**
 * What a kind says about itself. The OpenAPI document, the README checks, the contract suite and the sandbox read it
 * from the registry, so none of them lists kinds by hand.
 */
export interface KindDescription {
  /** The upstream product, e.g. `Vemetric public API`. */
  upstream: string;
  /** The upstream request of a lookup, e.g. `GET {baseUrl}/v1/users/single?id=…`. */
  request: string;
  /** The `:id` rule in words (OpenAPI `id` parameter, README). */
  idRule: string;
  /** The `by=externalId` rule in words; absent when the kind has no such lookup (then it answers LOOKUP_NOT_SUPPORTED). */
  externalIdRule?: string;
  /** The membership types this kind can produce, in the canonical order. */
  membershipTypes: readonly MembershipType[];
  /** Canonical fields this kind can never fill: exactly its profiles' `meta.unsupportedFields`. */
  unsupportedFields: readonly CanonicalField[];
  /** An example entry under `sources:` of the configuration file: the source name and its keys. */
  exampleConfig: { name: string; baseUrl: string; token: string; options?: Readonly<Record<string, string>> };
}

/** One per adapter kind; the registry picks it by `kind`. */
export interface ProfileSourceFactory {
  readonly kind: AdapterKind;
  readonly description: KindDescription;
  /**
   * Returns the problems of the kind-specific options (`[]` when valid), each as `{ path, message }`
   * with a path relative to the source (e.g. `clientId`). Called once at start.
   */
  validateOptions(options: Record<string, unknown>): { path: string; message: string }[];
  create(config: SourceConfig, dependencies: SourceDependencies): ProfileSource;
}

import type { SourceConfig } from '../../config/config.types.js';
import type { AdapterKind } from '../../profiles/adapter-kind.js';
import { type CanonicalField, MEMBERSHIP_TYPES, type MembershipType } from '../../profiles/profile.model.js';
import type { ProfileSource } from '../../profiles/profile-source.port.js';
import type { UpstreamHttp } from './upstream-http.contract.js';

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

/** A kind with its self-description (the registry's `kindDescriptions()`, handed to the OpenAPI document). */
export interface DescribedKind {
  kind: AdapterKind;
  description: KindDescription;
}

/** The membership types some of `kinds` produce, in the canonical order. */
export function producedMembershipTypes(kinds: readonly DescribedKind[]): MembershipType[] {
  const produced = new Set(kinds.flatMap(({ description }) => description.membershipTypes));
  return MEMBERSHIP_TYPES.filter((type) => produced.has(type));
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

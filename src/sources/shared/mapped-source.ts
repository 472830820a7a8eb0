import type { z } from 'zod';

import type { AdapterKind } from '../../profiles/adapter-kind.js';
import { LookupNotSupportedError, UpstreamBadResponseError, ValidationError } from '../../profiles/profile.errors.js';
import type { CanonicalProfile, JsonValue, MapContext } from '../../profiles/profile.model.js';
import type { FetchContext, FetchedProfile, ProfileLookup, ProfileSource } from '../../profiles/profile-source.port.js';
import type { IdRule } from './id-rules.js';
import { parseUpstreamBody, UpstreamBodyError } from './mapping.js';

/** What one kind contributes: id rules, transport, body schema and pure mapper. */
export interface KindParts<TBody> {
  kind: AdapterKind;
  /** Rule for `by=id`. */
  idRule: IdRule;
  /** Rule for `by=externalId`; absent when the kind has no such lookup (then `fetch` only ever sees `by=id`). */
  externalIdRule?: IdRule;
  fetch(lookup: ProfileLookup, context: FetchContext): Promise<JsonValue>;
  /**
   * The part of the fetched body that is the user, when it is not the whole body (a search answer); the whole body stays
   * the profile's `raw`. May throw domain errors (`ProfileNotFoundError`, `LookupAmbiguousError`) or `UpstreamBodyError`.
   */
  select?(body: JsonValue, lookup: ProfileLookup): JsonValue;
  schema: z.ZodType<TBody>;
  map(body: TBody, context: MapContext): CanonicalProfile;
}

/**
 * The `ProfileSource` every kind uses: validate the lookup, fetch, check the body's shape, map.
 * A body that fails the check or the mapper is `UPSTREAM_BAD_RESPONSE`.
 */
export class MappedProfileSource<TBody> implements ProfileSource {
  readonly kind: AdapterKind;

  constructor(
    readonly name: string,
    private readonly parts: KindParts<TBody>,
    private readonly onInvalidOptionalTimestamp: (field: string, value: unknown) => void,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.kind = parts.kind;
  }

  validateLookup(lookup: ProfileLookup): void {
    let rule = this.parts.idRule;
    if (lookup.by === 'externalId') {
      if (!this.parts.externalIdRule) throw new LookupNotSupportedError(this.name, this.kind, lookup.by);
      rule = this.parts.externalIdRule;
    }
    const problem = rule(lookup.id);
    if (problem !== null) {
      throw new ValidationError(`Invalid id for source ${this.name} (kind ${this.kind}): ${problem}`, [{ field: 'id', message: problem }], this.name);
    }
  }

  /** @throws LookupNotSupportedError (before any upstream call) for a lookup the kind does not have */
  async fetchProfile(lookup: ProfileLookup, context: FetchContext): Promise<FetchedProfile> {
    if (lookup.by === 'externalId' && !this.parts.externalIdRule) throw new LookupNotSupportedError(this.name, this.kind, lookup.by);
    const raw = await this.parts.fetch(lookup, context);
    const fetchedAt = this.now().toISOString();
    try {
      const body = parseUpstreamBody(this.parts.schema, this.parts.select ? this.parts.select(raw, lookup) : raw);
      const profile = this.parts.map(body, {
        source: this.name,
        fetchedAt,
        onInvalidOptionalTimestamp: this.onInvalidOptionalTimestamp,
      });
      return { profile, raw };
    } catch (error) {
      if (error instanceof UpstreamBodyError) throw new UpstreamBadResponseError(this.name, error.message, 200, { cause: error });
      throw error;
    }
  }
}

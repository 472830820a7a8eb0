import type { FakeHandler } from '../../sandbox/fake-upstream.js';
import type { ErrorCode } from '../../src/profiles/profile.errors.js';
import type { CanonicalField, JsonValue } from '../../src/profiles/profile.model.js';

/**
 * What one kind gives the adapter contract suite (`test/e2e/adapter-contract.e2e-spec.ts`):
 * `test/fixtures/<kind>/<kind>.contract.ts` exports it as `contract`. The suite finds it for every registered kind.
 */
export interface KindContract {
  /** The kind's fake upstream with the users below. */
  fake: () => FakeHandler;
  /** A credential the fake accepts. */
  token: string;
  /** A credential the fake refuses, and the status it refuses it with. */
  rejectedToken: { token: string; status: 401 | 403 };
  /** Other keys of the source's entry (kind options such as `clientId`). */
  settings?: Readonly<Record<string, unknown>>;
  /** Ids of users the fake has: each answers 200 with that `id`. */
  existingIds: readonly string[];
  /** More ids the kind's rule accepts (they reach the upstream; they need not exist). */
  acceptedIds: readonly string[];
  /** An id the rule accepts of a user the fake does not have. */
  missingId: string;
  /** Ids the kind's rule refuses (its own shape rules; control characters and over-long ids are checked for every kind). */
  invalidIds: readonly string[];
  /**
   * A path appended to the fake's URL as the source's `baseUrl`, so the fake answers its unknown-route 404, and the code
   * the gateway answers then: `UPSTREAM_ERROR` when the kind tells a route 404 from a missing user.
   */
  wrongRoute: { basePath: string; code: Extract<ErrorCode, 'UPSTREAM_ERROR' | 'PROFILE_NOT_FOUND'> };
  /** 200 bodies (documented examples and edge cases); together they fill every field the kind supports. */
  bodies: Readonly<Record<string, JsonValue>>;
  /**
   * Fields the kind neither lists as unsupported nor ever fills, each with the reason (where the contract's table and its
   * `Unsupported:` list disagree). Checked to be empty in every body.
   */
  unlistedButEmpty?: Partial<Record<CanonicalField, string>>;
  /** A 200 body of the wrong shape. */
  wrongShape: JsonValue;
  /** `by=externalId`: an identifier the fake has, the `id` of its user, and one it has not. Absent: not supported. */
  externalId?: { value: string; id: string; missing: string };
}

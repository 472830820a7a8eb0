import { z } from 'zod';

import { jsonObject } from '../shared/mapping.js';

/** A company, as embedded in `memberships[].company` (and `companies[]`). `id` is the customer's own id. */
export const usertourCompanySchema = z.object({
  id: z.string(),
  attributes: jsonObject.nullish(),
});

/**
 * One company membership. `company` is present only with `expand[]=memberships.company`; `companyId` and `userId`
 * are Usertour's internal ids and are deliberately not read.
 */
export const usertourMembershipSchema = z.object({
  attributes: jsonObject.nullish(),
  company: usertourCompanySchema.nullish(),
});

/**
 * `GET /v1/users/:id` 200 body: the bare user object. `companies` and `memberships` are `null` unless expanded;
 * `attributes` is always an object upstream, still accepted as null/absent (read as `{}`) so that a new upstream
 * version that drops it does not fail.
 */
export const usertourUserResponseSchema = z.object({
  id: z.string(),
  attributes: jsonObject.nullish(),
  createdAt: z.string(),
  memberships: z.array(usertourMembershipSchema).nullish(),
});

export type UsertourUserResponse = z.infer<typeof usertourUserResponseSchema>;
export type UsertourMembership = z.infer<typeof usertourMembershipSchema>;

/** Error envelope: `{"error":{"code":"E1xxx","message","doc_url"[,"issues"]}}`. */
export const usertourErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), doc_url: z.string().optional() }),
});

/** `error.code` of a 404 that means "no user with this id in the key's environment". */
export const USERTOUR_USER_NOT_FOUND_CODE = 'E1001';

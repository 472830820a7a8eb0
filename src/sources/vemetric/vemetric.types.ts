import { z } from 'zod';

import { jsonObject } from '../shared/mapping.js';

/**
 * `GET /v1/users/single` 200 body: `{ user: {...} }`. Every key is always present upstream; the schema still
 * accepts absent optional keys (as null) so that a new upstream version that drops one does not fail.
 */
export const vemetricUserResponseSchema = z.object({
  user: z.object({
    id: z.string().regex(/^\d{1,20}$/, 'must be a decimal string'),
    identifier: z.string().nullish(),
    displayName: z.string().nullish(),
    country: z.string().nullish(),
    city: z.string().nullish(),
    lastSeenAt: z.string().nullish(),
    avatarUrl: z.string().nullish(),
    data: jsonObject.nullish(),
    anonymous: z.boolean(),
  }),
});

export type VemetricUserResponse = z.infer<typeof vemetricUserResponseSchema>;
export type VemetricUser = VemetricUserResponse['user'];

/** Error envelope: `{"error":{"code","message"[,"details"]}}`. */
export const vemetricErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

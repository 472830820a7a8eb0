import { z } from 'zod';

import { jsonObject } from '../shared/mapping.js';

/**
 * Ids are JSON numbers. Only safe integers are accepted (`z.int()`): a larger number was already rounded by the JSON
 * parser and would name another record.
 */
const numericId = z.int();

/**
 * `GET /v2/users/{id}` 200 body: a bare user object. The upstream omits keys whose value is null (Jackson NON_NULL),
 * so everything but `id` and `dateCreated` may be absent; an explicit null is accepted as the same thing.
 * `account` and `invitation` are copied into `attributes` as received, so they are kept as free JSON objects.
 * Timestamps are strings here; the mapper parses them.
 */
export const orgDirectoryUserSchema = z.object({
  id: numericId.positive(),
  account: jsonObject.nullish(),
  organization: z
    .object({
      id: numericId,
      name: z.string().nullish(),
      personal: z.boolean().nullish(),
    })
    .nullish(),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  emailAddress: z.string().nullish(),
  emailAddressVerify: z.boolean().nullish(),
  emailAddressVerified: z.boolean().nullish(),
  phoneNumber: z.string().nullish(),
  phoneNumberVerify: z.boolean().nullish(),
  phoneNumberVerified: z.boolean().nullish(),
  superUser: z.boolean().nullish(),
  description: z.string().nullish(),
  remarks: z.string().nullish(),
  invitation: jsonObject.nullish(),
  dateModified: z.string().nullish(),
  dateCreated: z.string(),
  externalId: z.string().nullish(),
  autoRemoveAfter: z.string().nullish(),
  autoRemoveDate: z.string().nullish(),
  userGroups: z
    .array(
      z.object({
        id: numericId,
        organizationId: numericId.nullish(),
        name: z.string().nullish(),
        description: z.string().nullish(),
        groupAdmin: z.boolean().nullish(),
      }),
    )
    .nullish(),
});

export type OrgDirectoryUser = z.infer<typeof orgDirectoryUserSchema>;
export type OrgDirectoryUserGroup = NonNullable<OrgDirectoryUser['userGroups']>[number];

// Error bodies (undocumented; Spring Boot's default `{ timestamp, status, error, path }`) are never parsed: the gateway
// keys off the status only.

import type { JsonObject } from '../../../profiles/profile.model.js';

/** A. Minimal: the published doc's example response (null keys omitted). */
export const orgMinimalUser: JsonObject = {
  id: 4,
  account: { id: 1, firstName: 'Anna' },
  organization: { id: 2, name: 'Business Account', personal: false },
  firstName: 'Annabel HR',
  emailAddressVerify: false,
  emailAddressVerified: false,
  phoneNumberVerify: false,
  phoneNumberVerified: false,
  superUser: true,
  dateCreated: '2026-03-10T09:38:13.474997Z',
  userGroups: [],
};

/** B. Fully populated, pending invitation, auto-remove set. */
export const orgFullUser: JsonObject = {
  id: 17,
  account: { id: 1, firstName: 'Anna', lastName: 'de Vries' },
  organization: { id: 2, name: 'Business Account', personal: false },
  firstName: 'Jan',
  lastName: 'Jansen',
  emailAddress: 'jan.jansen@example.nl',
  emailAddressVerify: true,
  emailAddressVerified: false,
  phoneNumber: '+31850607337',
  phoneNumberVerify: true,
  phoneNumberVerified: true,
  superUser: false,
  description: 'Temporary contractor',
  remarks: 'Access until project end',
  invitation: {
    token: 'a426e157-8a5c-456a-8865-bec6394867ab',
    url: 'https://app.example.nl/invite/a426e157-8a5c-456a-8865-bec6394867ab',
    expiration: '2026-03-17T10:00:00+01:00',
    isExpired: false,
  },
  dateModified: '2026-03-11T10:02:44.120311Z',
  dateCreated: '2026-03-10T09:38:13.474997Z',
  externalId: 'HR-00042',
  autoRemoveAfter: 'MONTH',
  autoRemoveDate: '2026-04-10T09:38:13.474997Z',
  userGroups: [
    { id: 7, organizationId: 2, name: 'Reception', description: 'Front desk staff', groupAdmin: false },
    { id: 9, organizationId: 2, name: 'Facilities', groupAdmin: true },
  ],
};

/** C. User in a personal organization, offset timestamps without a fraction. */
export const orgPersonalUser: JsonObject = {
  id: 31,
  account: { id: 5, firstName: 'Piet', lastName: 'Bakker' },
  organization: { id: 5, name: 'Piet Bakker', personal: true, personalAccount: { id: 5, firstName: 'Piet', lastName: 'Bakker' } },
  firstName: 'Piet',
  lastName: 'Bakker',
  emailAddress: 'piet@example.nl',
  emailAddressVerify: false,
  emailAddressVerified: true,
  phoneNumberVerify: false,
  phoneNumberVerified: false,
  superUser: false,
  dateModified: '2025-09-01T12:00:00+02:00',
  dateCreated: '2025-08-30T16:20:05+02:00',
  userGroups: [],
};

/** Edge: only a last name. */
export const orgLastNameOnly: JsonObject = { ...withoutKeys(orgMinimalUser, ['firstName']), lastName: 'Jansen' };

/** Edge: neither first nor last name, no organization, no groups key, no booleans. */
export const orgNamelessUser: JsonObject = { id: 5, dateCreated: '2026-03-10T09:38:13Z' };

/** Edge: explicit nulls where the upstream would normally omit the key. */
export const orgExplicitNulls: JsonObject = {
  ...orgMinimalUser,
  lastName: null,
  emailAddress: null,
  description: null,
  invitation: null,
  dateModified: null,
  externalId: null,
  superUser: null,
};

/** Edge: the largest id with 15 digits. */
export const orgLargestId: JsonObject = { ...orgMinimalUser, id: 999_999_999_999_999 };

/** Edge: unparseable optional `dateModified`. */
export const orgBadDateModified: JsonObject = { ...orgMinimalUser, dateModified: '10-03-2026 09:38' };

/** Edge: wrong shapes the body check must refuse. */
export const orgBadDateCreated: JsonObject = { ...orgMinimalUser, dateCreated: '2026-03-10' };
export const orgWithoutDateCreated: JsonObject = withoutKeys(orgMinimalUser, ['dateCreated']);
export const orgWithStringId: JsonObject = { ...orgMinimalUser, id: '4' };
export const orgWithUnsafeId: JsonObject = { ...orgMinimalUser, id: 9_007_199_254_740_992 };
export const orgWithFractionalId: JsonObject = { ...orgMinimalUser, id: 4.5 };
export const orgWithStringGroupId: JsonObject = { ...orgMinimalUser, userGroups: [{ id: '7', name: 'Reception', groupAdmin: false }] };
export const orgWithOrganizationWithoutId: JsonObject = { ...orgMinimalUser, organization: { name: 'Business Account', personal: false } };
export const orgWithNumericSuperUser: JsonObject = { ...orgMinimalUser, superUser: 1 };

/** Spring Boot's default error body (undocumented upstream). */
export const orgNotFoundBody: JsonObject = { timestamp: '2026-03-10T09:40:00.000+00:00', status: 404, error: 'Not Found', path: '/v2/users/99' };

function withoutKeys(body: JsonObject, keys: string[]): JsonObject {
  return Object.fromEntries(Object.entries(body).filter(([key]) => !keys.includes(key)));
}

import type { SandboxKind } from '../../sandbox-kind.js';
import { scimFake, type ScimFakeData } from './scim.fake.js';

/** The sandbox credential; not a secret. */
export const SCIM_SANDBOX_TOKEN = 'scim-sandbox-token';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/**
 * Sample users: one with the enterprise extension, two emails (one primary), a `tel:` phone and groups; one with no
 * primary email, a formatted phone and no `meta.created`; two that share an externalId (an ambiguous lookup); one whose
 * externalId has a quote and a backslash.
 */
export const scimSandboxData: ScimFakeData = {
  tokens: [SCIM_SANDBOX_TOKEN],
  users: [
    {
      schemas: [USER, ENTERPRISE],
      id: '2819c223-7f76-453a-919d-413861904646',
      externalId: '701984',
      userName: 'bjensen@example.com',
      name: { formatted: 'Ms. Barbara J Jensen, III', familyName: 'Jensen', givenName: 'Barbara' },
      displayName: 'Babs Jensen',
      emails: [
        { value: 'babs@jensen.org', type: 'home' },
        { value: 'bjensen@example.com', type: 'work', primary: true },
      ],
      phoneNumbers: [{ value: 'tel:+1-201-555-0123', type: 'work' }],
      photos: [{ value: 'https://photos.example.com/profilephoto/72930000000Ccne/F', type: 'photo' }],
      addresses: [{ type: 'work', locality: 'Hollywood', region: 'CA', country: 'us', primary: true }],
      title: 'Tour Guide',
      active: true,
      roles: [{ value: 'tour-admin' }],
      groups: [
        { value: 'e9e30dba-f08f-4109-8486-d5c6a331660a', display: 'Tour Guides', type: 'direct' },
        { value: 'fc348aa8-3835-40eb-a20b-c726e15c55b5', display: 'Employees' },
      ],
      [ENTERPRISE]: { employeeNumber: '701984', organization: 'Universal Studios', department: 'Tour Operations' },
      meta: { resourceType: 'User', created: '2010-01-23T04:56:22Z', lastModified: '2011-05-13T04:42:34Z', location: '/Users/2819c223-7f76-453a-919d-413861904646' },
    },
    {
      schemas: [USER],
      id: 'ada',
      externalId: 'HR-00042',
      userName: 'ada',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: 'ada@work.example' }, { value: 'ada@home.example' }],
      phoneNumbers: [{ value: '+44 (20) 7946-0958' }],
      active: false,
      meta: { resourceType: 'User', lastModified: '2024-02-29T23:59:59.999+01:00' },
    },
    { schemas: [USER], id: 'twin-1', externalId: 'shared-id', userName: 'twin1' },
    { schemas: [USER], id: 'twin-2', externalId: 'shared-id', userName: 'twin2' },
    { schemas: [USER], id: 'quoted', externalId: 'say "hi" \\ bye', userName: 'quoted' },
  ],
};

export const sandbox: SandboxKind = {
  kind: 'scim',
  sources: [{ name: 'workforce-idp', fake: () => scimFake(scimSandboxData), token: SCIM_SANDBOX_TOKEN }],
  samples: [
    { what: 'a SCIM user with the enterprise extension and groups', path: '/profiles/workforce-idp/2819c223-7f76-453a-919d-413861904646', status: 200 },
    { what: 'a SCIM user by externalId (a filter)', path: '/profiles/workforce-idp/HR-00042?by=externalId', status: 200 },
    { what: 'an externalId with a quote and a backslash', path: '/profiles/workforce-idp/say%20%22hi%22%20%5C%20bye?by=externalId', status: 200 },
    { what: 'an externalId shared by two users (409 problem)', path: '/profiles/workforce-idp/shared-id?by=externalId', status: 409 },
  ],
};

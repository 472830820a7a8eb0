import type { OrgDirectoryFakeData } from './fakes/org-directory.fake.js';
import type { ScalepadAmmFakeData } from './fakes/scalepad-amm.fake.js';
import type { UsertourFakeData } from './fakes/usertour.fake.js';
import type { VemetricFakeData } from './fakes/vemetric.fake.js';

/** Sandbox credentials: the sandbox upstreams accept these, the demo config sends them. Not secrets. */
export const SANDBOX_TOKENS = {
  vemetric: 'vem_sandbox0000000000000000000000000',
  scalepadAmm: 'amm-sandbox-token',
  usertour: 'ak_clsandbox0000000000000000',
  usertourStaging: 'ak_clsandboxstaging000000000',
  orgDirectory: '0b3c2a9e-4f1d-4c8e-9a7b-5d6e7f8a9b0c',
} as const;

export const SANDBOX_AMM_CLIENT_ID = 'aa7cf840-9ca9-46a3-9778-9015d6580d50';

/** A few users of every kind, with the edge cases each upstream is known for. */
export interface SandboxData {
  vemetric: VemetricFakeData;
  scalepadAmm: ScalepadAmmFakeData;
  usertour: UsertourFakeData;
  usertourStaging: UsertourFakeData;
  orgDirectory: OrgDirectoryFakeData;
}

export const SANDBOX_DATA: SandboxData = {
  vemetric: {
    tokens: [SANDBOX_TOKENS.vemetric],
    users: [
      {
        id: '15241578750190521233',
        identifier: 'user-3',
        displayName: 'Bravo',
        country: 'US',
        city: 'San Francisco',
        lastSeenAt: '2026-01-19T09:15:00Z',
        avatarUrl: null,
        data: { plan: 'starter', email: 'bravo@example.com' },
        anonymous: false,
      },
      {
        id: '9871362519984412057',
        identifier: null,
        displayName: null,
        country: 'DE',
        city: 'Berlin',
        lastSeenAt: '2025-12-25T08:01:00Z',
        avatarUrl: null,
        data: {},
        anonymous: true,
      },
      {
        id: '4400128813370022',
        identifier: 'john@example.com',
        displayName: 'John Doe',
        country: null,
        city: null,
        lastSeenAt: null,
        avatarUrl: 'https://avatars.example.com/u/123.png',
        data: { plan: 'pro', company: 'Acme Inc', seats: 12, beta: true },
        anonymous: false,
      },
    ],
  },
  scalepadAmm: {
    tokens: [SANDBOX_TOKENS.scalepadAmm],
    clients: [
      {
        id: SANDBOX_AMM_CLIENT_ID,
        users: [
          {
            id: 'a1d97031-04e2-4907-a249-093f7436207b',
            username: 'mikechang',
            user_key: 'mikechang',
            last_activity: { at: '2026-02-24T21:23:53.082Z', desktop_at: '2026-02-24T21:22:46.119Z', web_at: '2026-02-24T21:23:53.082Z' },
            departments: [{ id: 'd1a2b3c4-e5f6-7890-abcd-ef1234567890', name: 'Engineering', description: 'Software development and infrastructure teams' }],
            created_at: '2026-02-05T21:29:34.214Z',
            updated_at: '2026-02-05T21:29:34.214Z',
          },
          {
            id: 'c3f19253-26g4-6129-c461-215h9658429d',
            username: 'newuser',
            user_key: 'newuser',
            last_activity: { at: null, desktop_at: null, web_at: null },
            departments: [],
            created_at: '2026-02-24T10:00:00.000Z',
            updated_at: '2026-02-24T10:00:00.000Z',
          },
        ],
      },
    ],
  },
  usertour: {
    tokens: [SANDBOX_TOKENS.usertour.slice(3)],
    users: [
      {
        id: 'usr_123456789',
        attributes: { name: 'John Doe', email: 'john.doe@example.com', role: 'admin' },
        createdAt: '2024-03-20T08:30:00.000Z',
        memberships: [{ attributes: { role: 'admin' }, company: { id: 'acme-corp', attributes: { name: 'Acme Corp', domain: 'acme.com' } } }],
      },
      { id: 'team/alpha ü', attributes: { name: 'Ada' }, createdAt: '2025-04-27T13:39:47.024Z', memberships: [] },
    ],
  },
  usertourStaging: {
    tokens: [SANDBOX_TOKENS.usertourStaging.slice(3)],
    users: [{ id: 'usr_123456789', attributes: { name: 'John Doe (staging)' }, createdAt: '2025-01-02T03:04:05.678Z' }],
  },
  orgDirectory: {
    tokens: [SANDBOX_TOKENS.orgDirectory],
    users: [
      {
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
      },
      {
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
        dateModified: '2026-03-11T10:02:44.120311Z',
        dateCreated: '2022-06-23T13:53:02+02:00',
        externalId: 'HR-00042',
        autoRemoveAfter: 'MONTH',
        autoRemoveDate: '2026-04-10T09:38:13.474997Z',
        userGroups: [
          { id: 7, organizationId: 2, name: 'Reception', description: 'Front desk staff', groupAdmin: false },
          { id: 9, organizationId: 2, name: 'Facilities', groupAdmin: true },
        ],
      },
    ],
  },
};

import type { SandboxKind } from '../../sandbox-kind.js';
import { orgDirectoryFake, type OrgDirectoryFakeData } from './org-directory.fake.js';

/** The sandbox credential (a UUID v4, like the published example); not a secret. */
export const ORG_DIRECTORY_SANDBOX_TOKEN = '0b3c2a9e-4f1d-4c8e-9a7b-5d6e7f8a9b0c';

/** Sample users: a minimal one whose null keys are omitted, and one with groups, offsets and microseconds. */
export const orgDirectorySandboxData: OrgDirectoryFakeData = {
  tokens: [ORG_DIRECTORY_SANDBOX_TOKEN],
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
};

export const sandbox: SandboxKind = {
  kind: 'org-directory',
  sources: [{ name: 'access-directory', fake: () => orgDirectoryFake(orgDirectorySandboxData), token: ORG_DIRECTORY_SANDBOX_TOKEN }],
  samples: [
    { what: 'an org-directory user with groups', path: '/profiles/access-directory/17', status: 200 },
    { what: 'a missing user (404 problem)', path: '/profiles/access-directory/999', status: 404 },
  ],
};

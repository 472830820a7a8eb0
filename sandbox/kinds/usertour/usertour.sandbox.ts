import type { SandboxKind } from '../../sandbox-kind.js';
import { usertourFake, type UsertourFakeData } from './usertour.fake.js';

/** Sandbox credentials of two Usertour environments (`ak_` + cuid); not secrets. */
export const USERTOUR_SANDBOX_TOKEN = 'ak_clsandbox0000000000000000';
export const USERTOUR_STAGING_SANDBOX_TOKEN = 'ak_clsandboxstaging000000000';

/** Sample users: the contract's example user with a company, and an id with a slash, a space and unicode. */
export const usertourSandboxData: UsertourFakeData = {
  tokens: [USERTOUR_SANDBOX_TOKEN.slice(3)],
  users: [
    {
      id: 'usr_123456789',
      attributes: { name: 'John Doe', email: 'john.doe@example.com', role: 'admin' },
      createdAt: '2024-03-20T08:30:00.000Z',
      memberships: [{ attributes: { role: 'admin' }, company: { id: 'acme-corp', attributes: { name: 'Acme Corp', domain: 'acme.com' } } }],
    },
    { id: 'team/alpha ü', attributes: { name: 'Ada' }, createdAt: '2025-04-27T13:39:47.024Z', memberships: [] },
  ],
};

/** A second environment with the same user id and other data. */
export const usertourStagingSandboxData: UsertourFakeData = {
  tokens: [USERTOUR_STAGING_SANDBOX_TOKEN.slice(3)],
  users: [{ id: 'usr_123456789', attributes: { name: 'John Doe (staging)' }, createdAt: '2025-01-02T03:04:05.678Z' }],
};

export const sandbox: SandboxKind = {
  kind: 'usertour',
  sources: [
    { name: 'crm-usertour', fake: () => usertourFake(usertourSandboxData), token: USERTOUR_SANDBOX_TOKEN, settings: { cache: { ttl: '2m' } } },
    { name: 'crm-usertour-staging', fake: () => usertourFake(usertourStagingSandboxData), token: USERTOUR_STAGING_SANDBOX_TOKEN },
  ],
  samples: [
    { what: 'a Usertour user with a company, raw body included', path: '/profiles/crm-usertour/usr_123456789?include=raw', status: 200 },
    { what: 'a Usertour id with a slash, a space and unicode', path: '/profiles/crm-usertour/team%2Falpha%20%C3%BC', status: 200 },
    { what: 'the same id in another Usertour environment', path: '/profiles/crm-usertour-staging/usr_123456789', status: 200 },
  ],
};

import type { SandboxKind } from '../../sandbox-kind.js';
import { vemetricFake, type VemetricFakeData } from './vemetric.fake.js';

/** The sandbox credential (`vem_` + 32 characters); not a secret. */
export const VEMETRIC_SANDBOX_TOKEN = 'vem_sandbox0000000000000000000000000';

/** Sample users: an identified user with a 20-digit id, an anonymous one, one with no events. */
export const vemetricSandboxData: VemetricFakeData = {
  tokens: [VEMETRIC_SANDBOX_TOKEN],
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
};

export const sandbox: SandboxKind = {
  kind: 'vemetric',
  sources: [{ name: 'product-analytics', fake: () => vemetricFake(vemetricSandboxData), token: VEMETRIC_SANDBOX_TOKEN }],
  samples: [
    { what: 'a Vemetric user (20-digit id)', path: '/profiles/product-analytics/15241578750190521233', status: 200 },
    { what: 'an anonymous Vemetric user', path: '/profiles/product-analytics/9871362519984412057', status: 200 },
    { what: 'a Vemetric user by the customer id', path: '/profiles/product-analytics/john%40example.com?by=externalId', status: 200 },
    { what: 'an invalid id (400 problem)', path: '/profiles/product-analytics/not-a-number', status: 400 },
  ],
};

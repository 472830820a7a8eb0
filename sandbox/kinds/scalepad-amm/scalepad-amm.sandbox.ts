import type { SandboxKind } from '../../sandbox-kind.js';
import { scalepadAmmFake, type ScalepadAmmFakeData } from './scalepad-amm.fake.js';

/** The sandbox credential; not a secret. */
export const SCALEPAD_AMM_SANDBOX_TOKEN = 'amm-sandbox-token';

/** The one AMM client of the sandbox (the demo source's `clientId`). */
export const SANDBOX_AMM_CLIENT_ID = 'aa7cf840-9ca9-46a3-9778-9015d6580d50';

/** Sample users: one with departments and activity, one with neither and a non-hex id. */
export const scalepadAmmSandboxData: ScalepadAmmFakeData = {
  tokens: [SCALEPAD_AMM_SANDBOX_TOKEN],
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
};

export const sandbox: SandboxKind = {
  kind: 'scalepad-amm',
  sources: [
    {
      name: 'endpoint-agents',
      fake: () => scalepadAmmFake(scalepadAmmSandboxData),
      token: SCALEPAD_AMM_SANDBOX_TOKEN,
      settings: { clientId: SANDBOX_AMM_CLIENT_ID },
    },
  ],
  samples: [
    { what: 'a ScalePad AMM user with departments', path: '/profiles/endpoint-agents/a1d97031-04e2-4907-a249-093f7436207b', status: 200 },
    { what: 'an AMM user with no activity (non-hex id)', path: '/profiles/endpoint-agents/c3f19253-26g4-6129-c461-215h9658429d', status: 200 },
  ],
};

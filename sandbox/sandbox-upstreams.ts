import { pathToFileURL } from 'node:url';

import { type FakeUpstream, startFakeUpstream } from './fake-upstream.js';
import { orgDirectoryFake } from './fakes/org-directory.fake.js';
import { scalepadAmmFake } from './fakes/scalepad-amm.fake.js';
import { usertourFake } from './fakes/usertour.fake.js';
import { vemetricFake } from './fakes/vemetric.fake.js';
import { SANDBOX_AMM_CLIENT_ID, SANDBOX_DATA, SANDBOX_TOKENS } from './sample-data.js';

export interface SandboxUpstreams {
  upstreams: Record<'vemetric' | 'scalepadAmm' | 'usertour' | 'usertourStaging' | 'orgDirectory', FakeUpstream>;
  /** Environment variables the demo configuration (`config/demo.yaml`) reads. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts the sandbox upstreams (the same fakes the tests use) with the sample users.
 * `basePort` 0 picks free ports; otherwise they listen on basePort .. basePort+4.
 */
export async function startSandboxUpstreams(basePort = 0, host = '127.0.0.1'): Promise<SandboxUpstreams> {
  const port = (offset: number): number => (basePort === 0 ? 0 : basePort + offset);
  const upstreams = {
    vemetric: await startFakeUpstream(vemetricFake(SANDBOX_DATA.vemetric), port(0), host),
    scalepadAmm: await startFakeUpstream(scalepadAmmFake(SANDBOX_DATA.scalepadAmm), port(1), host),
    usertour: await startFakeUpstream(usertourFake(SANDBOX_DATA.usertour), port(2), host),
    usertourStaging: await startFakeUpstream(usertourFake(SANDBOX_DATA.usertourStaging), port(3), host),
    orgDirectory: await startFakeUpstream(orgDirectoryFake(SANDBOX_DATA.orgDirectory), port(4), host),
  };
  const env = {
    VEMETRIC_URL: upstreams.vemetric.url,
    VEMETRIC_API_KEY: SANDBOX_TOKENS.vemetric,
    AMM_URL: upstreams.scalepadAmm.url,
    AMM_API_TOKEN: SANDBOX_TOKENS.scalepadAmm,
    AMM_CLIENT_ID: SANDBOX_AMM_CLIENT_ID,
    USERTOUR_URL: upstreams.usertour.url,
    USERTOUR_API_KEY: SANDBOX_TOKENS.usertour,
    USERTOUR_STAGING_URL: upstreams.usertourStaging.url,
    USERTOUR_STAGING_API_KEY: SANDBOX_TOKENS.usertourStaging,
    ORG_DIRECTORY_URL: upstreams.orgDirectory.url,
    ORG_DIRECTORY_TOKEN: SANDBOX_TOKENS.orgDirectory,
  };
  return {
    upstreams,
    env,
    close: async () => {
      await Promise.all(Object.values(upstreams).map((u) => u.close()));
    },
  };
}

/** `node dist-sandbox/sandbox/sandbox-upstreams.js`: the sandbox upstreams alone (docker-compose), on SANDBOX_PORT.. (4100). */
async function main(): Promise<void> {
  const sandbox = await startSandboxUpstreams(Number(process.env.SANDBOX_PORT ?? 4100), process.env.SANDBOX_HOST ?? '0.0.0.0');
  for (const [name, upstream] of Object.entries(sandbox.upstreams)) process.stdout.write(`${name}: ${upstream.url}\n`);
  const stop = (): void => void sandbox.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}

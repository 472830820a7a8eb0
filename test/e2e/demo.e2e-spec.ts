import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { sandboxKindNames } from '../../sandbox/sandbox-kinds.js';
import { sandboxGatewayYaml, type SandboxUpstreams, startSandboxUpstreams } from '../../sandbox/sandbox-upstreams.js';
import { createGatewayApp } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/config.loader.js';
import { createLogger } from '../../src/logger.js';
import { ADAPTER_KINDS, validateKindOptions } from '../../src/sources/source-registry.js';
import { request } from '../support/gateway-harness.js';
import { tempDir } from '../support/temp-dirs.js';

/** The demo as `npm run demo` builds it: config/demo.yaml plus the sources the sandbox generates for every kind. */
describe('the demo (sandbox upstreams of every kind, config/demo.yaml)', () => {
  let sandbox: SandboxUpstreams;
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    sandbox = await startSandboxUpstreams();
    const file = path.join(tempDir('pgw-demo-'), 'gateway.yaml');
    writeFileSync(file, sandboxGatewayYaml(readFileSync('config/demo.yaml', 'utf8'), sandbox));
    const config = loadConfig({ path: file, env: { PORT: '0', HOST: '127.0.0.1' }, kinds: ADAPTER_KINDS, validateKindOptions });
    const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() });
    app = await createGatewayApp(config, createLogger('info', silent));
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await app.close();
    await sandbox.close();
  });

  it('should have a sandbox source and a sample lookup for every registered kind', () => {
    // The sandbox finds its kinds on disk (its image has no src/): exactly the registered ones, one folder each.
    expect(sandboxKindNames()).toStrictEqual([...ADAPTER_KINDS].sort());
    expect([...new Set(sandbox.sources.map((s) => s.kind))]).toStrictEqual([...ADAPTER_KINDS].sort());
    for (const kind of ADAPTER_KINDS) {
      const names = sandbox.sources.filter((s) => s.kind === kind).map((s) => s.name);
      expect(sandbox.samples.some((sample) => names.some((name) => sample.path.startsWith(`/profiles/${name}/`)))).toBe(true);
    }
  });

  it('should answer every printed sample with its documented status', async () => {
    const answers = await Promise.all(sandbox.samples.map(async (sample) => ({ sample, status: (await request(url + sample.path)).status })));

    expect(answers.map(({ sample, status }) => `${sample.path} ${status}`)).toStrictEqual(answers.map(({ sample }) => `${sample.path} ${sample.status}`));
  });

  it('should answer a sample user of every kind with a profile of that kind', async () => {
    for (const kind of ADAPTER_KINDS) {
      const names = new Set(sandbox.sources.filter((s) => s.kind === kind).map((s) => s.name));
      const sample = sandbox.samples.find((s) => s.status === 200 && names.has(s.path.split('/')[2] ?? ''));
      expect(sample).toBeDefined();
      const res = await request(url + sample!.path);
      expect(res.body.meta.kind).toBe(kind);
    }
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { type FakeUpstream, startFakeUpstream } from './fake-upstream.js';
import type { SandboxSample } from './sandbox-kind.js';
import { loadSandboxKinds } from './sandbox-kinds.js';

/** One started sandbox upstream and the configuration entry of the source that reads it. */
export interface StartedSandboxSource {
  kind: string;
  name: string;
  upstream: FakeUpstream;
  /** The keys under `sources.<name>` of a gateway configuration. */
  entry: Record<string, unknown>;
}

export interface SandboxUpstreams {
  /** Every sandbox source, in alphabetical order of its kind. */
  sources: StartedSandboxSource[];
  /** Started upstreams by source name. */
  upstreams: Record<string, FakeUpstream>;
  /** Sample lookups of every kind. */
  samples: SandboxSample[];
  close(): Promise<void>;
}

export interface SandboxOptions {
  /** 0 picks free ports; otherwise the sources listen on basePort, basePort+1, … in order. */
  basePort?: number;
  host?: string;
  /** Host name the gateway reaches the sandbox by (docker-compose: the service name); default `host`. */
  publicHost?: string;
}

/** Starts one fake upstream per sandbox source of every kind under sandbox/kinds/ (the same fakes the tests use). */
export async function startSandboxUpstreams(options: SandboxOptions = {}): Promise<SandboxUpstreams> {
  const { basePort = 0, host = '127.0.0.1' } = options;
  const kinds = await loadSandboxKinds();
  const sources: StartedSandboxSource[] = [];
  try {
    for (const sandbox of kinds) {
      for (const source of sandbox.sources) {
        const upstream = await startFakeUpstream(source.fake(), basePort === 0 ? 0 : basePort + sources.length, host);
        const url = new URL(upstream.url);
        if (options.publicHost !== undefined) url.hostname = options.publicHost;
        const baseUrl = url.href.replace(/\/$/, '');
        sources.push({ kind: sandbox.kind, name: source.name, upstream, entry: { kind: sandbox.kind, baseUrl, token: source.token, ...source.settings } });
      }
    }
  } catch (error) {
    await Promise.all(sources.map((s) => s.upstream.close()));
    throw error;
  }
  return {
    sources,
    upstreams: Object.fromEntries(sources.map((s) => [s.name, s.upstream])),
    samples: kinds.flatMap((k) => k.samples),
    close: async () => {
      await Promise.all(sources.map((s) => s.upstream.close()));
    },
  };
}

/**
 * A gateway configuration: `baseYaml` (everything but the sources, e.g. `config/demo.yaml`) with its `sources` section
 * generated from the sandbox, one source per sandbox source. The base is kept as written (comments included); the
 * section is appended as one JSON line per source (JSON is YAML), so the sandbox needs no YAML library: its image
 * has Node's built-in modules only.
 */
export function sandboxGatewayYaml(baseYaml: string, sandbox: Pick<SandboxUpstreams, 'sources'>): string {
  if (/^sources\s*:/m.test(baseYaml)) throw new Error('the base configuration must not have a sources section: the sandbox generates it');
  const entries = sandbox.sources.map((s) => `  ${JSON.stringify(s.name)}: ${JSON.stringify(s.entry)}`);
  return `${baseYaml.replace(/\n*$/, '\n')}sources:\n${entries.join('\n')}\n`;
}

/**
 * `node dist-sandbox/sandbox/sandbox-upstreams.js [--base <yaml> --write-config <file>]`: the sandbox upstreams alone
 * (docker-compose), on SANDBOX_PORT.. (4100). With `--base` and `--write-config`, it writes the gateway configuration
 * whose sources read them (reachable as SANDBOX_PUBLIC_HOST, default the listening host).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { base: { type: 'string' }, 'write-config': { type: 'string' } } });
  const host = process.env.SANDBOX_HOST ?? '0.0.0.0';
  const sandbox = await startSandboxUpstreams({
    basePort: Number(process.env.SANDBOX_PORT ?? 4100),
    host,
    publicHost: process.env.SANDBOX_PUBLIC_HOST ?? host,
  });
  for (const source of sandbox.sources) process.stdout.write(`${source.name} (${source.kind}): ${source.upstream.url}\n`);
  if (values.base !== undefined && values['write-config'] !== undefined) {
    writeFileSync(values['write-config'], sandboxGatewayYaml(readFileSync(values.base, 'utf8'), sandbox));
    process.stdout.write(`gateway configuration written to ${values['write-config']}\n`);
  }
  const stop = (): void => void sandbox.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}

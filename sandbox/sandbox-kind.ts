import type { AdapterKind } from '../src/profiles/adapter-kind.js';
import type { FakeHandler } from './fake-upstream.js';

/** One sandbox upstream and the demo source that reads it. */
export interface SandboxSource {
  /** The source name in the demo configuration (the `:source` of the URL). */
  name: string;
  /** A fresh fake with the sample users (fakes keep state such as rate-limit windows). */
  fake: () => FakeHandler;
  /** The credential the fake accepts and the demo source sends (sandbox credentials, not secrets). */
  token: string;
  /** Other keys of the source's entry: kind options (`clientId`), overrides (`cache`). */
  settings?: Readonly<Record<string, unknown>>;
}

/** A sample lookup the demo prints as a curl line, with the status it answers. */
export interface SandboxSample {
  what: string;
  /** Below the gateway's URL: `/profiles/<source>/<id>[?…]`. */
  path: string;
  status: number;
}

/**
 * What a kind contributes to the sandbox: `sandbox/kinds/<kind>/<kind>.sandbox.ts` exports it as `sandbox`. The sandbox
 * finds it from the registry's kinds, so no central list names the kinds.
 */
export interface SandboxKind {
  kind: AdapterKind;
  sources: readonly SandboxSource[];
  samples: readonly SandboxSample[];
}

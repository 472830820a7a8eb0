import type { SourceConfig } from '../../config/config.types.js';
import type { AdapterKind } from '../../profiles/adapter-kind.js';
import type { ProfileSource } from '../../profiles/profile-source.port.js';
import type { UpstreamHttp } from './upstream-http.contract.js';

/** Collaborators a factory receives to build a source. */
export interface SourceDependencies {
  /** HTTP client bound to this source: base URL, credentials, budget, retries, breaker. */
  http: UpstreamHttp;
  /** Logs an optional timestamp that could not be parsed (contract section 2). */
  onInvalidOptionalTimestamp: (field: string, value: unknown) => void;
}

/** One per adapter kind; the registry picks it by `kind`. */
export interface ProfileSourceFactory {
  readonly kind: AdapterKind;
  /**
   * Returns the problems of the kind-specific options (`[]` when valid), each as `{ path, message }`
   * with a path relative to the source (e.g. `clientId`). Called once at start.
   */
  validateOptions(options: Record<string, unknown>): { path: string; message: string }[];
  create(config: SourceConfig, dependencies: SourceDependencies): ProfileSource;
}

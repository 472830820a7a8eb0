import { parseArgs } from 'node:util';

import type { LookupBy } from '../profiles/profile-source.port.js';

/** A command line the warmer cannot run: printed with the usage, exit code 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 10_000;

export interface WarmArgs {
  /** Configured source name. */
  source: string;
  /** File of ids, or `-` for stdin. */
  ids: string;
  /** Requested concurrency, before it is capped at the source's `maxConcurrency`. */
  concurrency: number;
  /** Skip ids whose cached copy is fresh. */
  onlyMissing: boolean;
  /** One JSON object on stdout instead of the text summary. */
  json: boolean;
  /** What the listed ids are: upstream ids (default) or the customer's identifiers (`--by externalId`). */
  by: LookupBy;
  /** Purge each id's entry before refilling it. */
  purgeFirst: boolean;
  /** Warm through this running gateway's HTTP API (`warm-through-gateway.ts`) instead of in-process. */
  gateway?: string;
}

export type WarmCommandLine = { help: true } | ({ help: false } & WarmArgs);

export const WARM_USAGE = `Usage: profile-gateway warm --source <name> --ids <file|-> [options]

Refreshes profiles of one source from its upstream into the shared cache, as Cache-Control: no-cache would.
Reads the gateway configuration from GATEWAY_CONFIG (default config/gateway.yaml).
With --gateway <url>, sends Cache-Control: no-cache lookups to that running gateway instead (any deployment,
memory-only included; no configuration file, no Redis): the caller key from GATEWAY_API_KEY, its rate limit honoured.

Options:
  --source <name>      configured source to warm (required)
  --ids <file|->       one id per line; - reads stdin; blank lines and # comments are skipped (required)
  --concurrency <n>    ids refreshed at once (default ${DEFAULT_CONCURRENCY}), never more than the source's maxConcurrency
  --only-missing       skip ids whose cached copy is still fresh
  --by <id|externalId> what the listed ids are: upstream ids (default) or the customer's identifiers
  --purge-first        purge each id's entry (profile or cached 404) before refilling it, so an id whose refill
                       fails keeps no old copy; not with --only-missing
  --json               print one JSON object with the results on stdout
  --gateway <url>      warm through the HTTP API of the gateway at this http(s) URL
  -h, --help           show this help

Exit codes: 0 every id refreshed, skipped or not found upstream; 1 usage or configuration error;
2 some ids failed (listed); 130 interrupted (SIGINT); 143 stopped (SIGTERM).
`;

/**
 * Parses the arguments after `warm`.
 * @throws UsageError for unknown options, missing values or a bad `--concurrency`
 */
export function parseWarmArgs(args: readonly string[]): WarmCommandLine {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        source: { type: 'string' },
        ids: { type: 'string' },
        concurrency: { type: 'string' },
        'only-missing': { type: 'boolean', default: false },
        by: { type: 'string' },
        'purge-first': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        gateway: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    // Not `instanceof Error`: errors of Node's own modules may come from another realm (e.g. under a test VM).
    const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
    throw new UsageError(message);
  }
  if (values.help === true) return { help: true };

  const source = values.source;
  const ids = values.ids;
  if (typeof source !== 'string' || source.length === 0) throw new UsageError('--source <name> is required');
  if (typeof ids !== 'string' || ids.length === 0) throw new UsageError('--ids <file|-> is required');
  const by = values.by ?? 'id';
  if (by !== 'id' && by !== 'externalId') throw new UsageError(`--by must be id or externalId (got ${JSON.stringify(by)})`);
  const purgeFirst = values['purge-first'] === true;
  if (purgeFirst && values['only-missing'] === true) throw new UsageError('--purge-first and --only-missing exclude each other');
  return {
    help: false,
    source,
    ids,
    concurrency: parseConcurrency(values.concurrency),
    onlyMissing: values['only-missing'] === true,
    json: values.json === true,
    by,
    purgeFirst,
    ...(values.gateway !== undefined && { gateway: parseGatewayUrl(values.gateway) }),
  };
}

function parseGatewayUrl(value: string | boolean): string {
  const text = String(value).trim();
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new UsageError(`--gateway must be an http(s) URL (got ${JSON.stringify(text)})`);
  return text.replace(/\/+$/, '');
}

function parseConcurrency(value: string | boolean | undefined): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  const text = String(value).trim();
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_CONCURRENCY) {
    throw new UsageError(`--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY} (got ${JSON.stringify(text)})`);
  }
  return n;
}

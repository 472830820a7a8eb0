/** One problem of the configuration file, named by the dotted path of the offending value. */
export interface ConfigProblem {
  /** Dotted path such as `sources.crm.baseUrl` or `auth.apiKeys[0].key`; the file path for file-level problems. */
  path: string;
  message: string;
}

/** Formats a problem as one line: `sources.crm.baseUrl: must be an http(s) URL`. */
export function formatProblem(problem: ConfigProblem): string {
  return problem.path === '' ? problem.message : `${problem.path}: ${problem.message}`;
}

/**
 * The configuration file cannot be used. Holds every problem found, not only the first, so one start
 * attempt shows everything to fix. The message has one line per problem.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly problems: ConfigProblem[],
    /** The configuration file that was read. */
    readonly file: string,
  ) {
    super(problems.map(formatProblem).join('\n'));
  }
}

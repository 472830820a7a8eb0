import { plainToInstance } from 'class-transformer';

import type { ConfigProblem } from './config-error.js';
import { validateAs } from './validation.js';

/**
 * The kind-specific options of a source (the keys under `sources.<name>` that are not source settings),
 * described once by a class with class-validator decorators (see `validation.ts`).
 *
 * `validate` runs once, when the configuration is loaded (the loader prefixes its paths with
 * `sources.<name>.`); a source created from a loaded `SourceConfig` then `read`s its typed options without
 * checking them again. Keys the class does not declare are allowed (other kinds' options are not errors).
 */
export interface KindOptions<T extends object> {
  /** Problems of the raw options, with paths relative to the source (`clientId`). */
  validate(options: Record<string, unknown>): ConfigProblem[];
  /** The typed options of a source whose configuration passed `validate`. */
  read(options: Readonly<Record<string, string>>): T;
}

export function kindOptions<T extends object>(cls: new () => T): KindOptions<T> {
  return {
    validate: (options) => validateAs(cls, options, '', { forbidUnknownKeys: false }).problems,
    read: (options) => plainToInstance(cls, { ...options }),
  };
}

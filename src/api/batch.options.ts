/** `batch` in the configuration (contract §6): at most `maxLookups` lookups per `POST /profiles/batch`. */
export interface BatchOptions {
  maxLookups: number;
}

export const BATCH_OPTIONS = Symbol('BATCH_OPTIONS');

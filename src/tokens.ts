/** DI tokens of the composition root. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const SOURCE_REGISTRY = Symbol('SOURCE_REGISTRY');
export const PROFILE_CACHE = Symbol('PROFILE_CACHE');
export const LOGGER = Symbol('LOGGER');

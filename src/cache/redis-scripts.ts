/** The Lua scripts of the Redis tier. Each touches one key, so it runs on any Redis Cluster node. */

/** Compare-and-delete: only the holder's token releases a lease. */
const RELEASE_LEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

/** Compare-and-extend: only the holder's token extends a lease. */
const EXTEND_LEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0";

/**
 * The entry write: `SET key text PX ttl`, unless the key holds a purge tombstone written at or after the fetch started
 * (ARGV[3]), then the announcement of the stored entry (`PUBLISH` ARGV[6] on channel ARGV[5]): one round trip for
 * both. One key, so it runs on any Redis Cluster node (a publish reaches the subscribers of every node). Only the first
 * bytes are read (GETRANGE) unless they are a tombstone's, so checking costs nothing for the large entries.
 */
const STORE_ENTRY_SCRIPT = `
local head = redis.call('getrange', KEYS[1], 0, string.len(ARGV[4]) - 1)
if head == ARGV[4] then
  local purgedAt = tonumber(string.match(redis.call('get', KEYS[1]), '"purgedAtMs":(%d+)'))
  if purgedAt and purgedAt >= tonumber(ARGV[3]) then return 0 end
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('publish', ARGV[5], ARGV[6])
return 1`;

/**
 * The scripts as ioredis custom commands (`defineCommand`): ioredis sends `EVALSHA` and falls back to `EVAL` once per
 * connection when Redis does not know the script yet, so a call does not carry the script's text.
 */
export const REDIS_SCRIPTS = {
  pgwReleaseLease: { numberOfKeys: 1, lua: RELEASE_LEASE_SCRIPT },
  pgwExtendLease: { numberOfKeys: 1, lua: EXTEND_LEASE_SCRIPT },
  pgwStoreEntry: { numberOfKeys: 1, lua: STORE_ENTRY_SCRIPT },
} as const;

/** A client with `REDIS_SCRIPTS` defined on it. */
export type ScriptCommands = Record<keyof typeof REDIS_SCRIPTS, (key: string, ...args: Array<string | number>) => Promise<unknown>>;

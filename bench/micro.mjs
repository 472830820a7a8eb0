#!/usr/bin/env node
// Micro-benchmarks of the pieces a cache hit pays for, in isolation (no sockets, no load generator on the
// same cores): serializing the profile, the request log line (as configured, and variants), request ids,
// cache keys, the LRU lookup, decoding a Redis entry, and the heap cost of a memory-tier entry.
// Usage: npm run build && node bench/micro.mjs   (re-runs itself with --expose-gc for the heap measurements)
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawnSync } from 'node:child_process';
import { createHash, hash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { LRUCache } from 'lru-cache';
import pino from 'pino';

import { decodeEntry, encodeEntry } from '../dist/cache/cache-entry.js';
import { profileCacheKey } from '../dist/cache/cache-keys.js';
import { profileEtag } from '../dist/cache/etag.js';
import { createLogger } from '../dist/logger.js';
import { GatewayMetrics } from '../dist/metrics/gateway-metrics.js';
import { mapUsertourUser } from '../dist/sources/usertour/usertour.mapper.js';
import { usertourFake } from '../dist-sandbox/sandbox/kinds/usertour/usertour.fake.js';
import { BENCH_USERTOUR_TOKEN, benchUser } from './lib.mjs';

if (typeof globalThis.gc !== 'function') {
  const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

let sink = 0;
/** Median ns per call over 7 rounds of ~200 ms each (after a warm-up round). */
function measure(name, fn) {
  const batch = 1000;
  const started = performance.now();
  while (performance.now() - started < 200) for (let i = 0; i < batch; i++) sink += fn(i) ? 1 : 0;
  const rounds = [];
  for (let round = 0; round < 7; round++) {
    let calls = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 200) {
      for (let i = 0; i < batch; i++) sink += fn(i) ? 1 : 0;
      calls += batch;
    }
    rounds.push(((performance.now() - t0) * 1e6) / calls);
  }
  rounds.sort((a, b) => a - b);
  const ns = rounds[3];
  results.push({ name, usPerCall: Math.round(ns / 10) / 100 });
  process.stdout.write(`${(ns / 1000).toFixed(2).padStart(8)} µs  ${name}\n`);
}
const results = [];

/** Median ns per awaited call, as `measure`. */
async function measureAsync(name, fn) {
  const batch = 1000;
  const started = performance.now();
  while (performance.now() - started < 200) for (let i = 0; i < batch; i++) sink += await fn(i);
  const rounds = [];
  for (let round = 0; round < 7; round++) {
    let calls = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 200) {
      for (let i = 0; i < batch; i++) sink += await fn(i);
      calls += batch;
    }
    rounds.push(((performance.now() - t0) * 1e6) / calls);
  }
  rounds.sort((a, b) => a - b);
  results.push({ name, usPerCall: Math.round(rounds[3] / 10) / 100 });
  process.stdout.write(`${(rounds[3] / 1000).toFixed(2).padStart(8)} µs  ${name}\n`);
}

/** Ten nested awaits, about what a hit goes through between the route handler and the cache. */
async function awaitChain(depth) {
  if (depth === 0) return 1;
  return (await awaitChain(depth - 1)) + 0;
}

// The bench profile: the fake's body for one user, mapped as the gateway maps it.
const response = usertourFake({ tokens: [BENCH_USERTOUR_TOKEN], users: [benchUser('bench-hot')] })({
  method: 'GET',
  rawPath: '/v1/users/bench-hot',
  segments: ['v1', 'users', 'bench-hot'],
  query: [
    ['expand[]', 'memberships'],
    ['expand[]', 'memberships.company'],
  ],
  headers: { authorization: `Bearer ak_${BENCH_USERTOUR_TOKEN}` },
});
const raw = JSON.parse(JSON.stringify(response.body));
const profile = mapUsertourUser(raw, { source: 'crm-usertour', fetchedAt: new Date().toISOString() });
const entry = { kind: 'profile', profile, raw, fetchedAtMs: Date.now(), etag: profileEtag(profile) };
const encoded = encodeEntry(entry);
const body = JSON.stringify(profile);
process.stdout.write(`profile body ${Buffer.byteLength(body)} B, Redis entry ${Buffer.byteLength(encoded)} B\n\nper call:\n`);

// Serialization on a hit.
measure('JSON.stringify(profile): the body, serialized on every hit', () => JSON.stringify(profile).length);
const bodies = new WeakMap([[entry, body]]);
measure('WeakMap lookup of a body serialized once per entry', () => bodies.get(entry).length);
measure('Buffer.byteLength(body): content-length of a string body', () => Buffer.byteLength(body));

// The request log line of the onResponse hook, through a per-request child logger as Fastify creates it.
const devNull = () => pino.destination({ dest: '/dev/null', sync: true });
const line = { method: 'GET', url: '/profiles/crm-usertour/bench-hot', status: 200, durationMs: 0.4, cache: 'profile-gateway; hit; ttl=3599' };
const logVariants = {
  'as configured (isoTime, redact with wildcards)': createLogger('info', devNull()),
  'epochTime instead of isoTime': pino(
    {
      level: 'info',
      base: { service: 'profile-gateway' },
      redact: { paths: ['req.headers.authorization', 'headers.authorization', 'authorization', 'token', '*.token', 'key', '*.key', 'config.headers'], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.epochTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    devNull(),
  ),
  'redact without the wildcard paths': pino(
    {
      level: 'info',
      base: { service: 'profile-gateway' },
      redact: { paths: ['req.headers.authorization', 'headers.authorization', 'authorization', 'token', 'key', 'config.headers'], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    devNull(),
  ),
  'no redact, epochTime, no level formatter': pino({ level: 'info', base: { service: 'profile-gateway' }, timestamp: pino.stdTimeFunctions.epochTime }, devNull()),
};
for (const [variant, logger] of Object.entries(logVariants)) {
  measure(`log: child({ reqId }) + info(request completed), ${variant}`, (i) => {
    logger.child({ reqId: `req-${i}` }).info(line, 'request completed');
    return true;
  });
}
const configured = logVariants['as configured (isoTime, redact with wildcards)'];
measure('log: child({ reqId }) alone, as configured', (i) => configured.child({ reqId: `req-${i}` }) !== null);
const child = configured.child({ reqId: 'req-1' });
measure('log: info(request completed) on an existing child, as configured', () => {
  child.info(line, 'request completed');
  return true;
});
measure('new Date().toISOString() (pino isoTime)', () => new Date().toISOString().length);

// Request ids, cache keys, the memory tier.
measure('randomUUID(): request id when the caller sends none', () => randomUUID().length);
measure('profileCacheKey()', () => profileCacheKey('pgw', { source: 'crm-usertour', by: 'id', id: 'bench-hot' }).length);
const lru = new LRUCache({ max: 10_000 });
for (let i = 0; i < 10_000; i++) lru.set(`pgw:profile:v2:crm-usertour:id:hot-${i}`, { entry, expiresAtMs: Date.now() + 30_000 });
const keys = Array.from({ length: 10_000 }, (_, i) => `pgw:profile:v2:crm-usertour:id:hot-${i}`);
measure('LRU get (10,000 items)', (i) => lru.get(keys[i % 10_000]) !== undefined);

// The Redis-hit path decodes the stored text; the miss path computes the ETag and encodes the entry.
measure(`decodeEntry(): every Redis hit (${Buffer.byteLength(encoded)} B, secure-json-parse)`, () => decodeEntry(encoded) !== undefined);
measure('JSON.parse of the same text (no prototype-poisoning scan)', () => JSON.parse(encoded) !== null);
measure('encodeEntry(): every store', () => encodeEntry(entry).length);
measure('profileEtag(): every store (stable JSON + SHA-256)', () => profileEtag(profile).length);

// Caller authentication: the presented key is hashed on every request.
const presentedKey = `bench-${'0'.repeat(32)}`;
measure('createHash(sha256).update().digest() of the presented API key: auth, every request', () => createHash('sha256').update(presentedKey, 'utf8').digest().length);
measure("crypto.hash('sha256', key, 'buffer'): the one-shot form of the same digest", () => hash('sha256', presentedKey, 'buffer').length);

// Metrics of one answered hit.
const metrics = new GatewayMetrics({ sourceNames: ['crm-usertour'], defaultMetrics: false });
const observer = metrics.cacheObserver();
measure('metrics: recordProfileRequest() (labelled counter + histogram)', () => {
  metrics.recordProfileRequest({ source: 'crm-usertour', keyName: 'bench-caller', status: 200, cacheOutcome: { kind: 'hit', ttlSeconds: 3599, notFound: false }, durationMs: 0.4 });
  return true;
});
measure('metrics: cache observer onOutcome(hit)', () => {
  observer.onOutcome('crm-usertour', { kind: 'hit', ttlSeconds: 3599, notFound: false });
  return true;
});

// Promise cost with an AsyncLocalStorage in use (the request facts): before any run() in this process, then inside one.
await measureAsync('10 nested awaits, no AsyncLocalStorage enabled', () => awaitChain(10));
const storage = new AsyncLocalStorage();
await storage.run({ upstreamAttempts: 0 }, () => measureAsync(`10 nested awaits inside AsyncLocalStorage.run() (Node ${process.version})`, () => awaitChain(10)));

// Heap per memory-tier entry: decoded objects (profile + raw) as today, or the serialized texts.
function heapPerItem(make) {
  globalThis.gc();
  globalThis.gc();
  const before = process.memoryUsage().heapUsed;
  const held = [];
  for (let i = 0; i < 10_000; i++) held.push(make(i));
  globalThis.gc();
  globalThis.gc();
  const after = process.memoryUsage().heapUsed;
  sink += held.length;
  return Math.round((after - before) / 10_000);
}
const asObjects = heapPerItem((i) => decodeEntry(encoded.replaceAll('bench-hot', `hot-${String(i).padStart(5, '0')}`)));
const asText = heapPerItem((i) => {
  const text = encoded.replaceAll('bench-hot', `hot-${String(i).padStart(5, '0')}`);
  const decoded = decodeEntry(text);
  // Flattened copies, so they do not share the source text's memory.
  return { body: JSON.stringify(decoded.profile).split('').join(''), raw: JSON.stringify(decoded.raw).split('').join(''), etag: decoded.etag, fetchedAtMs: decoded.fetchedAtMs };
});
process.stdout.write(`\nheap per memory-tier entry: ${asObjects} B as decoded objects (profile + raw), ${asText} B as serialized body + raw text\n`);
process.stdout.write(`  x 10,000 items (cache.memory.maxItems default): ${Math.round((asObjects * 10_000) / 1024 / 1024)} MB vs ${Math.round((asText * 10_000) / 1024 / 1024)} MB\n`);
if (sink === -1) process.stdout.write('');

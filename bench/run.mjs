#!/usr/bin/env node
// `npm run bench`: the gateway's hot-path benchmark. Starts a private Redis, a fake Usertour upstream, the
// gateway (`node dist/main.js`, production-like config) and a bare Fastify baseline, drives them with
// autocannon on loopback, prints a table (absolute numbers and ratios against the baseline of the same run,
// with pass/fail per target) and writes bench/results/<timestamp>.json and bench/results/latest.json.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

import autocannon from 'autocannon';
import { Redis } from 'ioredis';

import { freePort, startRedis } from '../test/support/redis-server.mjs';
import { formatCpuSummary, MISS_STAGES, summarizeCpuProfile } from './cpuprofile.mjs';
import {
  BENCH_USERTOUR_TOKEN,
  forkWorker,
  latencyStats,
  loadAverage,
  machineCpuMs,
  machineInfo,
  nodeVersionOf,
  parseArgs,
  pinProcess,
  processCpuMs,
  processMemoryMb,
  slope,
  spawnGateway,
  stopChild,
  timedGet,
} from './lib.mjs';
import { runTracingCase } from './tracing-case.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH_DIR, '..');
const ALL_CASES = ['baseline', 'nginx', 'memory-hit', 'not-modified', 'redis-hit', 'cold-miss', 'stampede', 'mixed', 'entry-heap', 'tracing', 'soak'];
/** Run unless `--cases` names others: all but the long soak. */
const DEFAULT_CASES = ALL_CASES.filter((c) => c !== 'soak');

const DEFAULTS = {
  connections: 64,
  duration: 10,
  warmup: 3,
  memoryDuration: 60,
  upstreamDelay: 50,
  coldRequests: 200,
  stampede: 1000,
  hotIds: 10_000,
  missRatio: 0.1,
  cases: DEFAULT_CASES.join(','),
  soakDuration: 600,
  soakIds: 100_000,
  profile: false,
  rateLimit: false,
  auth: true,
  pin: true,
  retries: 1,
  maxDisturbance: 10,
  logLevel: 'info',
  logFile: '/dev/null',
  node: process.execPath,
  gatewayNodeOptions: '',
  out: path.join(BENCH_DIR, 'results'),
  help: false,
};

const HELP = `npm run bench -- [options]

  --connections N       autocannon connections (default ${DEFAULTS.connections})
  --duration S          measured seconds of each throughput case (default ${DEFAULTS.duration})
  --warmup S            warm-up seconds before each throughput case, not measured (default ${DEFAULTS.warmup})
  --memory-duration S   seconds of the mixed workload, during which the gateway's RSS is sampled (default ${DEFAULTS.memoryDuration})
  --upstream-delay MS   latency of the fake upstream (default ${DEFAULTS.upstreamDelay})
  --cold-requests N     sequential cold misses (each alternated with a direct upstream call) (default ${DEFAULTS.coldRequests})
  --stampede N          concurrent requests for one cold key (default ${DEFAULTS.stampede})
  --hot-ids N           ids cached before the Redis-hit and mixed cases (default ${DEFAULTS.hotIds})
  --miss-ratio R        share of never-seen ids in the mixed workload (default ${DEFAULTS.missRatio})
  --cases LIST          comma-separated subset of: ${ALL_CASES.join(', ')} (default: all but soak)
  --soak-duration S     seconds of the soak case (default ${DEFAULTS.soakDuration})
  --soak-ids N          distinct ids the soak case cycles through at random (default ${DEFAULTS.soakIds})
  --profile             also run the memory-tier-hit case, the baseline and a cold-miss workload against servers
                        started with --cpu-prof, and summarise the profiles (top self time, time by origin)
  --rate-limit          give the caller key a (never reached) rate limit, so the limiter runs on every request
  --retries N           measure a throughput case again up to N times while it was disturbed (default 1)
  --max-disturbance P   other processes' CPU + hypervisor steal, in % of a core, above which a run counts as
                        disturbed (default 10)
  --pin=false           do not pin processes to cores (default: servers under test on the last core, the load
                        generator, Redis and the upstream on the others, with taskset)
  --auth=false          run the gateway with auth.disabled (to measure what authentication costs)
  --log-level LEVEL     the gateway's log.level (default info: one JSON line per request)
  --log-file PATH       where the gateway's JSON log lines go (default /dev/null)
  --gateway-node-options "FLAGS"  Node flags of the gateway processes (default: the production image's NODE_OPTIONS
                        from the Dockerfile, the heap limits; "none" for Node's own defaults)
  --node PATH           Node binary of the gateway and the baseline (default: the one running the bench),
                        e.g. node_modules/node/bin/node for the bundled Node 24
  --out DIR             results directory (default bench/results)`;

const options = parseArgs(process.argv.slice(2), DEFAULTS);
if (options.help) {
  console.log(HELP);
  process.exit(0);
}
const cases = new Set(options.cases.split(',').map((c) => c.trim()).filter(Boolean));
for (const c of cases) if (!ALL_CASES.includes(c)) throw new Error(`unknown case ${c}; known: ${ALL_CASES.join(', ')}`);

const API_KEY = `bench-${randomBytes(16).toString('hex')}`;
const AUTH = { authorization: `Bearer ${API_KEY}` };
const SOURCE = 'crm-usertour';
const HOT_PATH = `/profiles/${SOURCE}/bench-hot`;
const RUN_ID = randomBytes(4).toString('hex');

/** Every process the bench started (redis-server, upstream, baseline, gateways): their CPU is not "other work". */
const benchPids = new Set();

/** CPU sets of `--pin`: the server under test alone on the last core, everything else on the others. */
let pinning = null;
function pin(pid, role) {
  if (!pinning) return;
  if (!pinProcess(pid, role === 'server' ? pinning.server : pinning.rest)) pinning.failed = true;
}

/** CPU time (ms) of the bench's own processes, this one included. */
function benchCpuMs() {
  let total = 0;
  for (const pid of benchPids) {
    try {
      const { user, system } = processCpuMs(pid);
      total += user + system;
    } catch {
      benchPids.delete(pid);
    }
  }
  const own = process.cpuUsage();
  return total + (own.user + own.system) / 1000;
}

/** Starts measuring other processes' CPU and hypervisor steal; the returned function ends it (% of one core). */
function disturbanceMeter() {
  const machineBefore = machineCpuMs();
  const benchBefore = benchCpuMs();
  const started = performance.now();
  return () => {
    const elapsedMs = performance.now() - started;
    const machineAfter = machineCpuMs();
    const other = machineAfter.busy - machineBefore.busy - (benchCpuMs() - benchBefore);
    return {
      otherCpuPct: Math.round(Math.max(0, (other / elapsedMs) * 100) * 10) / 10,
      stealPct: Math.round(((machineAfter.steal - machineBefore.steal) / elapsedMs) * 100 * 10) / 10,
    };
  };
}

const log = (line) => process.stdout.write(`${line}\n`);
const round = (value, digits = 2) => (value === null || value === undefined || Number.isNaN(value) ? null : Math.round(value * 10 ** digits) / 10 ** digits);

/** The gateway configuration: production-like (auth on, JSON logs at info, Redis + memory tier). */
function gatewayYaml({ memoryTtl = '30s', maxItems = 10_000 } = {}) {
  return `# Generated by bench/run.mjs
server:
  port: 0
  host: 127.0.0.1
  shutdownTimeout: 2s
log:
  level: ${options.logLevel}
auth:
  disabled: ${!options.auth}
  apiKeys:
    - name: bench-caller
      key: \${BENCH_API_KEY}
      sources: ["*"]
${options.rateLimit ? '      rateLimit: { limit: 1000000000, window: 1m }\n' : ''}cache:
  redis:
    url: \${REDIS_URL}
    keyPrefix: pgw-bench
  memory:
    maxItems: ${maxItems}
    ttl: ${memoryTtl}
defaults:
  # Long enough that nothing cached during the run goes stale.
  cache: { ttl: 1h, staleWhileRevalidate: 1m, staleIfError: 24h, notFoundTtl: 1m }
sources:
  ${SOURCE}:
    kind: usertour
    baseUrl: \${USERTOUR_URL}
    token: \${USERTOUR_API_KEY}
`;
}

/**
 * One autocannon run. Latencies come from autocannon's per-response event (µs resolution), CPU from
 * /proc/<pid>/stat of each process in `pids` and from this process (the load generator).
 */
async function load({ base, path: requestPath = HOT_PATH, headers = AUTH, seconds, amount, setupRequest, onResponse, pids = {}, connections = options.connections }) {
  const latencies = [];
  const statuses = {};
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid)]));
  const clientBefore = process.cpuUsage();
  const disturbance = disturbanceMeter();
  const started = performance.now();
  const request = { method: 'GET', path: requestPath, ...(setupRequest ? { setupRequest } : {}), ...(onResponse ? { onResponse } : {}) };
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: base, connections, headers, requests: [request], ...(amount ? { amount } : { duration: seconds }) },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      latencies.push(ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
  });
  const elapsedMs = performance.now() - started;
  const { otherCpuPct, stealPct } = disturbance();
  const client = process.cpuUsage(clientBefore);
  const requests = latencies.length;
  const cpu = {};
  const perRequest = (ms) => (requests > 0 ? round((ms * 1000) / requests, 1) : null);
  for (const [name, pid] of Object.entries(pids)) {
    const now = processCpuMs(pid);
    const user = now.user - cpuBefore[name].user;
    const system = now.system - cpuBefore[name].system;
    cpu[name] = {
      pctOfOneCore: round(((user + system) / elapsedMs) * 100, 1),
      usPerRequest: perRequest(user + system),
      userUsPerRequest: perRequest(user),
      systemUsPerRequest: perRequest(system),
    };
  }
  return {
    requests,
    seconds: round(elapsedMs / 1000, 2),
    rps: round(requests / (elapsedMs / 1000), 0),
    latencyMs: Object.fromEntries(Object.entries(latencyStats(latencies)).map(([k, v]) => [k, k === 'count' ? v : round(v, 3)])),
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    cpu,
    loadGeneratorCpuPct: round(((client.user + client.system) / 1000 / elapsedMs) * 100, 1),
    // CPU used by processes other than the bench's during the run (100% = one core), and time stolen by the hypervisor.
    otherCpuPct,
    stealPct,
  };
}

/** Warm-up (discarded), then the measured run. */
/** CPU taken from the bench during a run: other processes plus hypervisor steal (% of one core). */
function disturbanceOf(result) {
  return result.otherCpuPct + result.stealPct;
}

/**
 * Warm-up (discarded), then the measured run; measured again (up to `--retries` times) while other work or
 * hypervisor steal took more than `--max-disturbance` % of a core, keeping the least disturbed attempt. Every
 * attempt is listed in the result. `measure` replaces the plain measured `load` (e.g. to read Redis counters
 * around it).
 */
async function warmAndMeasure(spec, measure = (seconds) => load({ ...spec, seconds })) {
  const attempts = [];
  for (let i = 0; i <= options.retries; i++) {
    if (options.warmup > 0) await load({ ...spec, seconds: options.warmup });
    const r = await measure(options.duration);
    attempts.push(r);
    if (disturbanceOf(r) <= options.maxDisturbance) break;
    if (i < options.retries) log(`  disturbed (${r.rps} req/s; other work ${r.otherCpuPct}%, steal ${r.stealPct}% of a core): measuring again`);
  }
  const best = attempts.reduce((a, b) => (disturbanceOf(b) < disturbanceOf(a) ? b : a));
  return {
    ...best,
    disturbed: disturbanceOf(best) > options.maxDisturbance,
    attempts: attempts.map((a) => ({ rps: a.rps, p99Ms: a.latencyMs.p99, otherCpuPct: a.otherCpuPct, stealPct: a.stealPct })),
  };
}

function unexpectedStatuses(result, expected) {
  return Object.entries(result.statuses)
    .filter(([status]) => Number(status) !== expected)
    .reduce((sum, [, count]) => sum + count, 0);
}

async function redisStats(redis) {
  const text = await redis.info('commandstats');
  const calls = (command) => Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { get: calls('get'), set: calls('set'), publish: calls('publish') };
}

/** The nginx binary on PATH (or in /usr/sbin), or undefined. */
function nginxBinary() {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    if (spawnSync(candidate, ['-v'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}

/**
 * nginx as a single process (no master, one worker), `proxy_cache` in front of the fake upstream: every
 * `/profiles/<source>/<id>` is proxied to the fake's Usertour user URL of that id and cached for an hour.
 */
async function startNginx(workDir, upstreamUrl) {
  const port = await freePort();
  const dir = path.join(workDir, 'nginx');
  mkdirSync(path.join(dir, 'cache'), { recursive: true });
  const conf = `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  proxy_cache_path ${dir}/cache keys_zone=profiles:10m levels=1:2 max_size=64m inactive=1h use_temp_path=off;
  keepalive_requests 1000000;
  upstream fake { server ${new URL(upstreamUrl).host}; keepalive 16; }
  server {
    listen 127.0.0.1:${port};
    location ~ ^/profiles/[^/]+/(?<id>[^/]+)$ {
      proxy_cache profiles;
      proxy_cache_valid 200 1h;
      proxy_cache_lock on;
      proxy_ignore_headers Cache-Control Expires Set-Cookie;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "Bearer ak_${BENCH_USERTOUR_TOKEN}";
      add_header X-Cache-Status $upstream_cache_status;
      proxy_pass http://fake/v1/users/$id?expand[]=memberships&expand[]=memberships.company;
    }
  }
}
`;
  const confPath = path.join(dir, 'nginx.conf');
  writeFileSync(confPath, conf);
  const child = spawn(nginxBinary(), ['-p', dir, '-c', confPath], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    const up = await timedGet(`${url}/`).then(() => true, () => false);
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, pid: child.pid, stop: () => stopChild(child, 'SIGQUIT') };
}

async function main() {
  const outDir = path.resolve(options.out);
  mkdirSync(outDir, { recursive: true });
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'pgw-bench-'));
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const results = {
    startedAt: startedAt.toISOString(),
    machine: machineInfo(),
    loadAverageAtStart: loadAverage(),
    options: { ...options, out: path.relative(ROOT, outDir) || '.' },
    setup: {},
    cases: {},
    targets: [],
  };
  const cleanups = [];
  const cleanup = async () => {
    while (cleanups.length > 0) await cleanups.pop()().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  const serverNode = path.resolve(options.node);
  results.machine.serverNode = nodeVersionOf(serverNode);
  const cores = results.machine.cores;
  if (options.pin && cores >= 2) {
    pinning = { server: String(cores - 1), rest: cores === 2 ? '0' : `0-${cores - 2}`, failed: false };
    pin(process.pid, 'rest');
    if (pinning.failed) {
      log('taskset is not usable: processes are not pinned');
      pinning = null;
    }
  }
  const [load1] = results.loadAverageAtStart;
  log(
    `profile-gateway bench: ${results.machine.cpuModel}, ${results.machine.cores} cores, Node ${results.machine.serverNode} (servers) / ${results.machine.node} (load generator), load ${results.loadAverageAtStart.join(' ')}`,
  );
  if (load1 > results.machine.cores * 0.5) log(`WARNING: load average ${load1} on ${results.machine.cores} cores: other work is running, numbers will be noisy`);

  try {
    const redisServer = await startRedis();
    cleanups.push(() => redisServer.stop());
    benchPids.add(redisServer.pid);
    pin(redisServer.pid, 'rest');
    const redis = new Redis(redisServer.url, { lazyConnect: false });
    cleanups.push(() => redis.quit().then(() => undefined));

    const upstream = await forkWorker(path.join(BENCH_DIR, 'upstream.mjs'));
    cleanups.push(() => upstream.stop());
    benchPids.add(upstream.pid);
    pin(upstream.pid, 'rest');
    await upstream.call({ cmd: 'latency', ms: options.upstreamDelay });

    const env = { BENCH_API_KEY: API_KEY, REDIS_URL: redisServer.url, USERTOUR_URL: upstream.url, USERTOUR_API_KEY: `ak_${BENCH_USERTOUR_TOKEN}` };
    const startGateway = async (name, yaml, nodeArgs = []) => {
      const configPath = path.join(workDir, `${name}.yaml`);
      writeFileSync(configPath, yaml);
      const extra = gatewayNodeFlags(options.gatewayNodeOptions);
      const gateway = await spawnGateway({ root: ROOT, configPath, port: await freePort(), env, logPath: options.logFile, nodeArgs: [...extra, ...nodeArgs], node: serverNode });
      const stop = () => gateway.stop();
      cleanups.push(stop);
      benchPids.add(gateway.pid);
      pin(gateway.pid, 'server');
      // Stopped before the end of the run: no longer part of the clean-up.
      gateway.release = () => cleanups.splice(cleanups.indexOf(stop), 1);
      return gateway;
    };

    // Gateway A: production defaults for the memory tier (30 s, 10,000 items) in front of Redis.
    const gatewayYamlA = gatewayYaml();
    const gateway = await startGateway('gateway', gatewayYamlA);
    const rssAtStart = processMemoryMb(gateway.pid).rss;

    // Sanity checks, and the body the baseline serves.
    const first = await timedGet(gateway.url + HOT_PATH, { headers: AUTH });
    const second = await timedGet(gateway.url + HOT_PATH, { headers: AUTH });
    if (first.status !== 200 || second.status !== 200) throw new Error(`gateway answered ${first.status}/${second.status}: ${first.body.slice(0, 300)}`);
    if (!String(second.headers['cache-status']).includes('hit')) throw new Error(`second request was not a hit: ${String(second.headers['cache-status'])}`);
    const etag = String(second.headers.etag);
    const anonymous = await timedGet(gateway.url + HOT_PATH);
    const metrics = await timedGet(`${gateway.url}/metrics`, { headers: AUTH });
    results.setup = {
      gatewayConfig: gatewayYamlA,
      profileBodyBytes: Buffer.byteLength(second.body),
      hitResponseHeaders: second.headers,
      authEnforced: anonymous.status === 401,
      statusWithoutKey: anonymous.status,
      metricsEndpoint: metrics.status === 200 && metrics.body.includes('# TYPE'),
      logLevel: options.logLevel,
      logDestination: options.logFile,
      upstreamDelayMs: options.upstreamDelay,
      rateLimitOnKey: options.rateLimit,
      pinning: pinning ? { serverCpus: pinning.server, otherCpus: pinning.rest } : 'none',
    };
    log(
      `gateway ready: ${results.setup.profileBodyBytes} B profile, auth ${results.setup.authEnforced ? 'enforced' : `NOT enforced (no key: ${anonymous.status})`}, logs at ${options.logLevel}, ` +
        `/metrics ${results.setup.metricsEndpoint ? 'served' : `not served (${metrics.status})`}, upstream delay ${options.upstreamDelay} ms`,
    );

    const bodyFile = path.join(workDir, 'body.json');
    writeFileSync(bodyFile, second.body);
    const bare = await forkWorker(path.join(BENCH_DIR, 'bare-fastify.mjs'), { BENCH_BODY_FILE: bodyFile }, serverNode);
    cleanups.push(() => bare.stop());
    benchPids.add(bare.pid);
    pin(bare.pid, 'server');

    const show = (name, r) =>
      log(
        `  ${name}: ${r.rps} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ` +
          `server CPU ${Object.values(r.cpu)[0]?.usPerRequest} µs/req, load generator ${r.loadGeneratorCpuPct}% of a core, other work ${r.otherCpuPct}% (steal ${r.stealPct}%), statuses ${JSON.stringify(r.statuses)}`,
      );

    if (cases.has('baseline')) {
      log('baseline: bare Fastify, same body');
      const r = await warmAndMeasure({ base: bare.url, headers: {}, pids: { server: bare.pid } });
      results.cases.baseline = { ...r, unexpected: unexpectedStatuses(r, 200) };
      show('bare Fastify', r);
    }

    if (cases.has('nginx')) {
      if (!nginxBinary()) {
        log('nginx: skipped: nginx not installed');
        results.cases.nginx = { skipped: 'nginx not installed' };
      } else {
        log('nginx: proxy_cache in front of the same fake upstream, pinned like the servers under test');
        const nginx = await startNginx(workDir, upstream.url);
        cleanups.push(() => nginx.stop());
        benchPids.add(nginx.pid);
        pin(nginx.pid, 'server');
        const probe = await timedGet(nginx.url + HOT_PATH);
        const again = await timedGet(nginx.url + HOT_PATH);
        const r = await warmAndMeasure({ base: nginx.url, headers: {}, pids: { nginx: nginx.pid } });
        results.cases.nginx = { ...r, unexpected: unexpectedStatuses(r, 200), bodyBytes: Buffer.byteLength(again.body), cacheStatus: again.headers['x-cache-status'], firstStatus: probe.status };
        show(`nginx proxy_cache (${results.cases.nginx.bodyBytes} B, ${String(again.headers['x-cache-status'])})`, r);
      }
    }

    if (cases.has('memory-hit')) {
      log('memory-hit: one cached id, memory tier');
      const r = await warmAndMeasure({ base: gateway.url, pids: { gateway: gateway.pid, redis: redisServer.pid } });
      results.cases.memoryHit = { ...r, unexpected: unexpectedStatuses(r, 200) };
      show('memory-tier hit', r);
    }

    if (cases.has('not-modified')) {
      log('not-modified: If-None-Match with the current ETag');
      const r = await warmAndMeasure({ base: gateway.url, headers: { ...AUTH, 'if-none-match': etag }, pids: { gateway: gateway.pid, redis: redisServer.pid } });
      results.cases.notModified = { ...r, unexpected: unexpectedStatuses(r, 304) };
      show('If-None-Match 304', r);
    }

    if (cases.has('tracing')) {
      log('tracing: memory-tier hit, tracing off vs on (sampleRatio 1, OTLP/HTTP to a loopback receiver)');
      const hotUrlOf = (base) => base + HOT_PATH;
      results.cases.tracing = await runTracingCase({ yaml: gatewayYamlA, gateway, startGateway, warmAndMeasure, hotUrlOf, timedGet, authHeaders: AUTH, log });
    }

    // The hot set: hotIds profiles cached (memory and Redis) through the gateway, with the upstream at 0 ms.
    let primed = false;
    const primeHotSet = async () => {
      if (primed) return;
      primed = true;
      await upstream.call({ cmd: 'latency', ms: 0 });
      await upstream.call({ cmd: 'clear' });
      let next = 0;
      const r = await load({
        base: gateway.url,
        amount: options.hotIds,
        setupRequest: (request) => ({ ...request, path: `/profiles/${SOURCE}/hot-${next++}` }),
      });
      const calls = (await upstream.call({ cmd: 'count', prefix: 'hot-' })).count;
      await upstream.call({ cmd: 'latency', ms: options.upstreamDelay });
      results.setup.hotSet = { ids: options.hotIds, requests: r.requests, statuses: r.statuses, upstreamCalls: calls, seconds: r.seconds, rssAfterMb: round(processMemoryMb(gateway.pid).rss, 1) };
      log(`  cached ${options.hotIds} hot ids in ${r.seconds} s (${calls} upstream calls, statuses ${JSON.stringify(r.statuses)})`);
      if (calls !== options.hotIds) log(`  WARNING: expected ${options.hotIds} upstream calls while caching the hot set`);
    };

    if (cases.has('redis-hit')) {
      log('redis-hit: a second gateway whose memory tier keeps 1 item for 1 ms; ids cycle over the hot set');
      await primeHotSet();
      const yamlB = gatewayYaml({ memoryTtl: '1ms', maxItems: 1 });
      const gatewayB = await startGateway('gateway-redis', yamlB);
      let next = 0;
      const setupRequest = (request) => ({ ...request, path: `/profiles/${SOURCE}/hot-${next++ % options.hotIds}` });
      const r = await warmAndMeasure({ base: gatewayB.url, setupRequest }, async (seconds) => {
        const before = await redisStats(redis);
        const measured = await load({ base: gatewayB.url, seconds, setupRequest, pids: { gateway: gatewayB.pid, redis: redisServer.pid } });
        const after = await redisStats(redis);
        return { ...measured, redisGets: after.get - before.get, redisSets: after.set - before.set };
      });
      results.cases.redisHit = {
        ...r,
        unexpected: unexpectedStatuses(r, 200),
        gatewayConfig: yamlB,
        redisGetsPerRequest: round(r.redisGets / Math.max(1, r.requests), 3),
        redisSetsDuringRun: r.redisSets,
      };
      show('Redis hit', r);
      log(`  Redis GETs per request: ${results.cases.redisHit.redisGetsPerRequest} (1.0 = the memory tier never answered), SETs: ${r.redisSets}`);
      await gatewayB.stop();
      gatewayB.release();
    }

    if (cases.has('cold-miss')) {
      log(`cold-miss: ${options.coldRequests} sequential never-seen ids, each alternated with the same call made directly to the upstream`);
      const agentGateway = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const agentUpstream = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const warmup = Math.max(10, Math.round(options.coldRequests * 0.1));
      const viaGateway = [];
      const direct = [];
      const statuses = {};
      const coldDisturbance = disturbanceMeter();
      let cpuAtWarmupEnd = null;
      for (let i = 0; i < warmup + options.coldRequests; i++) {
        if (i === warmup) cpuAtWarmupEnd = totalCpuMs(processCpuMs(gateway.pid));
        const g = await timedGet(`${gateway.url}/profiles/${SOURCE}/cold-${RUN_ID}-${i}`, { headers: AUTH, agent: agentGateway });
        const d = await timedGet(`${upstream.url}/v1/users/direct-${RUN_ID}-${i}?expand[]=memberships&expand[]=memberships.company`, {
          headers: { authorization: `Bearer ak_${BENCH_USERTOUR_TOKEN}` },
          agent: agentUpstream,
        });
        const key = `${g.status} ${String(g.headers['cache-status'])}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
        if (i < warmup) continue;
        viaGateway.push(g.ms);
        direct.push(d.ms);
      }
      const coldCpuMs = totalCpuMs(processCpuMs(gateway.pid)) - cpuAtWarmupEnd;
      agentGateway.destroy();
      agentUpstream.destroy();
      const g = latencyStats(viaGateway);
      const d = latencyStats(direct);
      results.cases.coldMiss = {
        ...coldDisturbance(),
        requests: viaGateway.length,
        warmupRequests: warmup,
        gatewayResponses: statuses,
        viaGatewayMs: Object.fromEntries(Object.entries(g).map(([k, v]) => [k, round(v, 3)])),
        directUpstreamMs: Object.fromEntries(Object.entries(d).map(([k, v]) => [k, round(v, 3)])),
        addedMedianMs: round(g.p50 - d.p50, 3),
        addedP99Ms: round(g.p99 - d.p99, 3),
        addedToNominalDelayMedianMs: round(g.p50 - options.upstreamDelay, 3),
        addedToNominalDelayP99Ms: round(g.p99 - options.upstreamDelay, 3),
        // The gateway's CPU per miss while it serves nothing else: each miss also pays for waking the process up.
        gatewayCpuUsPerMiss: round((coldCpuMs * 1000) / viaGateway.length, 0),
      };
      const c = results.cases.coldMiss;
      log(`  via gateway p50 ${c.viaGatewayMs.p50} / p99 ${c.viaGatewayMs.p99} ms; direct p50 ${c.directUpstreamMs.p50} / p99 ${c.directUpstreamMs.p99} ms`);
      log(`  added by the gateway: median ${c.addedMedianMs} ms, p99 ${c.addedP99Ms} ms (vs the nominal ${options.upstreamDelay} ms: ${c.addedToNominalDelayMedianMs} / ${c.addedToNominalDelayP99Ms} ms); gateway CPU ${c.gatewayCpuUsPerMiss} µs per miss; responses ${JSON.stringify(statuses)}`);
    }

    if (cases.has('stampede')) {
      const n = options.stampede;
      log(`stampede: ${n} concurrent requests for one cold key over ${n} already-open connections`);
      const agent = new http.Agent({ keepAlive: true, maxSockets: n, maxFreeSockets: n, keepAliveMsecs: 60_000 });
      // Open the connections first (concurrent hits), so the measurement is not about TCP accept backlogs.
      await Promise.all(Array.from({ length: n }, () => timedGet(gateway.url + HOT_PATH, { headers: AUTH, agent })));
      const openConnections = Object.values(agent.freeSockets).reduce((sum, list) => sum + (list?.length ?? 0), 0);
      await upstream.call({ cmd: 'clear' });
      const key = `stampede-${RUN_ID}`;
      const stampedeDisturbance = disturbanceMeter();
      const started = performance.now();
      const answers = await Promise.all(Array.from({ length: n }, () => timedGet(`${gateway.url}/profiles/${SOURCE}/${key}`, { headers: AUTH, agent })));
      const totalMs = performance.now() - started;
      agent.destroy();
      const upstreamCalls = (await upstream.call({ cmd: 'count', id: key })).count;
      const responses = {};
      for (const a of answers) {
        const label = `${a.status} ${String(a.headers['cache-status'])}`;
        responses[label] = (responses[label] ?? 0) + 1;
      }
      const latency = latencyStats(answers.map((a) => a.ms));
      results.cases.stampede = {
        ...stampedeDisturbance(),
        requests: n,
        connectionsOpenBefore: openConnections,
        upstreamCalls,
        totalMs: round(totalMs, 1),
        latencyMs: Object.fromEntries(Object.entries(latency).map(([k, v]) => [k, round(v, 3)])),
        responses,
      };
      log(`  ${upstreamCalls} upstream call(s); all ${n} answered in ${round(totalMs, 1)} ms (p50 ${round(latency.p50, 1)}, max ${round(latency.max, 1)} ms); ${JSON.stringify(responses)}`);
    }

    if (cases.has('mixed')) {
      const seconds = options.memoryDuration;
      log(`mixed: ${Math.round((1 - options.missRatio) * 100)}% hits over ${options.hotIds} cached ids, ${Math.round(options.missRatio * 100)}% never-seen ids, ${seconds} s; RSS sampled every second`);
      await primeHotSet();
      await upstream.call({ cmd: 'clear' });
      let missCounter = 0;
      const outcomes = { hit: 0, miss: 0, other: 0 };
      const setupRequest = (request) => {
        const id = Math.random() < options.missRatio ? `mix-${RUN_ID}-${missCounter++}` : `hot-${Math.floor(Math.random() * options.hotIds)}`;
        return { ...request, path: `/profiles/${SOURCE}/${id}` };
      };
      const onResponse = (_status, _body, _context, headers) => {
        const value = String(headers['cache-status'] ?? headers['Cache-Status'] ?? '');
        if (value.includes('fwd=miss')) outcomes.miss++;
        else if (value.includes('; hit')) outcomes.hit++;
        else outcomes.other++;
      };
      const rssBefore = processMemoryMb(gateway.pid);
      const samples = [{ t: 0, rssMb: round(rssBefore.rss, 1) }];
      const sampleStart = performance.now();
      // RSS every second; every 5 s also the V8 heap as the gateway's own /metrics reports it (what is live vs what
      // the process holds), when the endpoint is there.
      const heapSamples = [];
      let ticks = 0;
      const timer = setInterval(() => {
        try {
          const t = round((performance.now() - sampleStart) / 1000, 1);
          samples.push({ t, rssMb: round(processMemoryMb(gateway.pid).rss, 1) });
          if (results.setup.metricsEndpoint && ticks++ % 5 === 0) {
            void timedGet(`${gateway.url}/metrics`, { headers: AUTH }).then((answer) => heapSamples.push({ t, ...heapOf(answer.body) }));
          }
        } catch {
          // the process is gone; the run reports it
        }
      }, 1000);
      let r;
      try {
        r = await load({ base: gateway.url, seconds, setupRequest, onResponse, pids: { gateway: gateway.pid, redis: redisServer.pid } });
      } finally {
        clearInterval(timer);
      }
      const rssAfter = processMemoryMb(gateway.pid);
      samples.push({ t: round((performance.now() - sampleStart) / 1000, 1), rssMb: round(rssAfter.rss, 1) });
      const upstreamCalls = (await upstream.call({ cmd: 'count' })).count;
      const hotUpstreamCalls = (await upstream.call({ cmd: 'count', prefix: 'hot-' })).count;
      // Flatness: drop the first 20% (warm-up), compare the first and last quarters of the rest.
      const steady = samples.slice(Math.floor(samples.length * 0.2));
      const quarter = Math.max(1, Math.floor(steady.length / 4));
      const mean = (list) => list.reduce((sum, s) => sum + s.rssMb, 0) / list.length;
      const firstQuarter = mean(steady.slice(0, quarter));
      const lastQuarter = mean(steady.slice(-quarter));
      results.cases.mixed = {
        ...r,
        unexpected: unexpectedStatuses(r, 200),
        cacheOutcomes: outcomes,
        hitRatio: round(outcomes.hit / Math.max(1, outcomes.hit + outcomes.miss + outcomes.other), 3),
        upstreamCalls,
        upstreamCallsForCachedIds: hotUpstreamCalls,
        upstreamCallsPerMiss: round(upstreamCalls / Math.max(1, outcomes.miss), 3),
        ceilings: mixedCeilings(options),
      };
      results.cases.memory = {
        during: 'mixed',
        seconds,
        rssAtGatewayStartMb: round(rssAtStart, 1),
        rssAfterHotSetMb: results.setup.hotSet?.rssAfterMb ?? null,
        rssStartMb: round(rssBefore.rss, 1),
        rssEndMb: round(rssAfter.rss, 1),
        rssPeakSampledMb: Math.max(...samples.map((s) => s.rssMb)),
        rssHighWaterMarkMb: round(rssAfter.hwm, 1),
        steadyFirstQuarterMeanMb: round(firstQuarter, 1),
        steadyLastQuarterMeanMb: round(lastQuarter, 1),
        steadyGrowthPct: round(((lastQuarter - firstQuarter) / firstQuarter) * 100, 1),
        steadySlopeMbPerMin: round(slope(steady.map((s) => s.t), steady.map((s) => s.rssMb)) * 60, 2),
        // The lowest V8 heap in use in each half of the run: close to the live data right after a major GC, so a
        // leak shows as a rising floor even while RSS stays at the size V8 chose for the heap.
        heapUsedFloorFirstHalfMb: floorOf(heapSamples.filter((h) => h.t < seconds / 2)),
        heapUsedFloorSecondHalfMb: floorOf(heapSamples.filter((h) => h.t >= seconds / 2)),
        samples,
        heapSamples,
      };
      show('mixed', r);
      const m = results.cases.memory;
      const c = results.cases.mixed.ceilings;
      log(
        `  ceilings of this workload, whatever the server: ${c.closedLoopRps} req/s with ${c.connections} connections (each miss holds its connection for ` +
          `the upstream delay), ${c.bulkheadRps} req/s with the source's maxConcurrency ${c.maxConcurrency}` +
          (results.cases.baseline ? ` (${round(c.closedLoopRps / results.cases.baseline.rps, 3)}x and ${round(c.bulkheadRps / results.cases.baseline.rps, 3)}x bare Fastify)` : ''),
      );
      log(`  outcomes ${JSON.stringify(outcomes)}; upstream calls ${upstreamCalls} (${results.cases.mixed.upstreamCallsPerMiss} per miss, ${hotUpstreamCalls} for cached ids)`);
      log(`  V8 heap (used/total MB, from /metrics): ${heapSamples.map((h) => `${h.t}s ${h.heapUsedMb}/${h.heapTotalMb}`).join(', ')}`);
      log(`  RSS: start ${m.rssStartMb} MB, end ${m.rssEndMb} MB, peak ${m.rssPeakSampledMb} MB (high-water mark ${m.rssHighWaterMarkMb} MB), steady growth ${m.steadyGrowthPct}% (${m.steadySlopeMbPerMin} MB/min)`);
    }

    if (cases.has('entry-heap')) {
      log(`entry-heap: V8 heap of ${options.hotIds} memory-tier entries of this profile (the gateway's own MemoryTier and entries, in this process, after full GCs)`);
      const raw = await timedGet(`${upstream.url}/v1/users/bench-hot?expand[]=memberships&expand[]=memberships.company`, { headers: { authorization: `Bearer ak_${BENCH_USERTOUR_TOKEN}` } });
      results.cases.entryHeap = await measureEntryHeap(second.body, raw.body, options.hotIds);
      const e = results.cases.entryHeap;
      log(`  ${e.bytesPerEntry} B of heap per entry (${e.entries} entries, ${e.heapMb} MB); counted against maxBytes: ${e.countedBytesPerEntry} B per entry`);
    }

    if (cases.has('soak')) {
      const seconds = options.soakDuration;
      log(`soak: ${seconds} s over ${options.soakIds} distinct ids picked at random (misses until each is cached), RSS sampled every second`);
      await upstream.call({ cmd: 'clear' });
      const setupRequest = (request) => ({ ...request, path: `/profiles/${SOURCE}/soak-${RUN_ID}-${Math.floor(Math.random() * options.soakIds)}` });
      const samples = [];
      const heapSamples = [];
      const sampleStart = performance.now();
      let ticks = 0;
      const timer = setInterval(() => {
        try {
          const t = round((performance.now() - sampleStart) / 1000, 1);
          samples.push({ t, rssMb: round(processMemoryMb(gateway.pid).rss, 1) });
          if (ticks++ % 10 === 0) void timedGet(`${gateway.url}/metrics`, { headers: AUTH }).then((answer) => heapSamples.push({ t, ...heapOf(answer.body) }));
        } catch {
          // the process is gone; the run reports it
        }
      }, 1000);
      let r;
      try {
        r = await load({ base: gateway.url, seconds, setupRequest, pids: { gateway: gateway.pid } });
      } finally {
        clearInterval(timer);
      }
      const flat = flatness(samples);
      results.cases.soak = {
        seconds,
        ids: options.soakIds,
        requests: r.requests,
        rps: r.rps,
        statuses: r.statuses,
        upstreamCalls: (await upstream.call({ cmd: 'count' })).count,
        cpuUsPerRequest: r.cpu.gateway.usPerRequest,
        rssStartMb: samples[0]?.rssMb ?? null,
        rssPeakMb: Math.max(...samples.map((s) => s.rssMb)),
        rssEndMb: samples.at(-1)?.rssMb ?? null,
        ...flat,
        heapUsedFloorFirstHalfMb: floorOf(heapSamples.filter((h) => h.t < seconds / 2)),
        heapUsedFloorSecondHalfMb: floorOf(heapSamples.filter((h) => h.t >= seconds / 2)),
        samples,
        heapSamples,
      };
      const s = results.cases.soak;
      log(`  ${s.requests} requests (${s.rps} req/s), ${s.upstreamCalls} upstream calls; RSS start ${s.rssStartMb} MB, peak ${s.rssPeakMb} MB, end ${s.rssEndMb} MB, steady growth ${s.steadyGrowthPct}% (${s.steadySlopeMbPerMin} MB/min); heap floor ${s.heapUsedFloorFirstHalfMb} -> ${s.heapUsedFloorSecondHalfMb} MB`);
    }

    if (options.profile) {
      // Each profiled case gets its own gateway started with --cpu-prof; only the measured window is summarised.
      // Each profiled case gets its own server started with --cpu-prof; only the measured window is summarised.
      const profileFlags = (name) => ['--cpu-prof', `--cpu-prof-dir=${outDir}`, `--cpu-prof-name=${name}`, '--cpu-prof-interval=250'];
      const profileCase = async (name, spec, { bare: asBaseline = false, stages } = {}) => {
        const profileName = `${asBaseline ? 'bare-fastify' : 'gateway'}-${name}-${stamp}.cpuprofile`;
        let server;
        if (asBaseline) {
          const worker = await forkWorker(path.join(BENCH_DIR, 'bare-fastify.mjs'), { BENCH_BODY_FILE: bodyFile }, serverNode, profileFlags(profileName));
          pin(worker.pid, 'server');
          // Disconnecting makes it close and exit normally, which writes the profile.
          server = { url: worker.url, pid: worker.pid, finish: () => worker.stop() };
        } else {
          const gateway = await startGateway(`gateway-profiled-${name}`, gatewayYamlA, [
            ...profileFlags(profileName),
            '--import',
            pathToFileURL(path.join(BENCH_DIR, 'exit-on-sigint.mjs')).href,
          ]);
          await timedGet(gateway.url + HOT_PATH, { headers: AUTH });
          server = {
            url: gateway.url,
            pid: gateway.pid,
            finish: async () => {
              await stopChild(gateway.child, 'SIGINT');
              gateway.release();
            },
          };
        }
        if (options.warmup > 0) await load({ ...spec, base: server.url, seconds: options.warmup });
        const r = await load({ ...spec, base: server.url, seconds: options.duration, pids: { server: server.pid } });
        const measuredEnd = performance.now();
        await server.finish();
        const windowMs = r.seconds * 1000 + (performance.now() - measuredEnd);
        const file = path.join(outDir, profileName);
        const summary = summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')), { top: 25, root: ROOT, requests: r.requests, lastMs: windowMs, stages });
        log(`  under the profiler: ${r.rps} req/s, ${r.cpu.server.usPerRequest} µs CPU per request; profile ${path.relative(ROOT, file)}`);
        log(formatCpuSummary(summary));
        return { file: path.relative(ROOT, file), underProfiler: { rps: r.rps, p99Ms: r.latencyMs.p99, statuses: r.statuses, cpu: r.cpu.server }, ...summary };
      };
      results.profiles = {};
      log('profile: memory-tier hit against a gateway started with --cpu-prof');
      results.profiles.memoryHit = await profileCase('memory-hit', {});
      log('profile: the bare Fastify baseline, for comparison');
      results.profiles.bareFastify = await profileCase('baseline', { headers: {} }, { bare: true });
      // Misses: never-seen ids at 16 connections (the default per-source maxConcurrency), so none waits for a slot.
      log('profile: cold misses (never-seen ids, 16 connections) against a gateway started with --cpu-prof');
      let next = 0;
      results.profiles.coldMiss = await profileCase('cold-miss', {
        connections: 16,
        setupRequest: (request) => ({ ...request, path: `/profiles/${SOURCE}/profiled-miss-${RUN_ID}-${next++}` }),
      }, { stages: MISS_STAGES });
    }

    results.loadAverageAtEnd = loadAverage();
    results.targets = evaluateTargets(results);
    results.finishedAt = new Date().toISOString();
    log('');
    log(formatReport(results));
    writeFileSync(path.join(outDir, `${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(path.join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    log(`\nresults: ${path.relative(ROOT, path.join(outDir, `${stamp}.json`))} (and latest.json)`);
  } finally {
    await cleanup();
  }
}

/** Drops the first 20% of the samples (warm-up), then compares the means of the first and last quarters of the rest. */
function flatness(samples) {
  const steady = samples.slice(Math.floor(samples.length * 0.2));
  if (steady.length < 2) return { steadyGrowthPct: null, steadySlopeMbPerMin: null };
  const quarter = Math.max(1, Math.floor(steady.length / 4));
  const mean = (list) => list.reduce((sum, s) => sum + s.rssMb, 0) / list.length;
  const first = mean(steady.slice(0, quarter));
  const last = mean(steady.slice(-quarter));
  return {
    steadyFirstQuarterMeanMb: round(first, 1),
    steadyLastQuarterMeanMb: round(last, 1),
    steadyGrowthPct: round(((last - first) / first) * 100, 1),
    steadySlopeMbPerMin: round(slope(steady.map((s) => s.t), steady.map((s) => s.rssMb)) * 60, 2),
  };
}

/**
 * Heap per memory-tier entry: `n` entries made by the gateway's own `profileEntry` from this profile and upstream
 * body (each with its own id, so no text is shared), kept in the gateway's own `MemoryTier`; heap in use after full
 * GCs, before and after, divided by `n`.
 */
async function measureEntryHeap(profileBody, rawBody, n) {
  const { MemoryTier } = await import(pathToFileURL(path.join(ROOT, 'dist/cache/memory-tier.js')).href);
  const { profileEntry } = await import(pathToFileURL(path.join(ROOT, 'dist/cache/cache-entry.js')).href);
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const profile = JSON.parse(profileBody);
  const raw = JSON.parse(rawBody);
  const now = Date.now();
  const tier = new MemoryTier(n, () => now, 1024 * 1024 * 1024);
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) {
    const id = `hot-${String(i).padStart(6, '0')}`;
    const entry = profileEntry({ profile: { ...profile, id, externalId: id }, raw: { ...raw, id } }, now);
    tier.put(`pgw-bench:profile:${SOURCE}:id:${id}`, entry, now + 3_600_000);
  }
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  const { items, bytes } = tier.usage;
  if (items !== n) throw new Error(`entry-heap: the tier kept ${items} of ${n} entries`);
  return { entries: n, heapMb: round((after - before) / 1024 / 1024, 1), bytesPerEntry: Math.round((after - before) / n), countedBytesPerEntry: Math.round(bytes / n) };
}

function floorOf(heapSamples) {
  const used = heapSamples.map((h) => h.heapUsedMb).filter((v) => typeof v === 'number');
  return used.length > 0 ? Math.min(...used) : null;
}

/** V8 heap figures (MB) from a Prometheus text of prom-client's default metrics. */
function heapOf(text) {
  const mb = (name) => {
    const match = new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text);
    return match ? round(Number(match[1]) / 1024 / 1024, 1) : null;
  };
  return { heapUsedMb: mb('nodejs_heap_size_used_bytes'), heapTotalMb: mb('nodejs_heap_size_total_bytes'), externalMb: mb('nodejs_external_memory_bytes') };
}

function ratio(value, base) {
  return value !== undefined && value !== null && base ? round(value / base, 2) : null;
}

/** Gateway CPU per miss from the mixed case: its CPU per request less the hits' share at the memory-tier hit's cost. */
function cpuPerMissUs(mixed, memoryHit) {
  const cpu = mixed?.cpu?.gateway?.usPerRequest;
  const hitCpu = memoryHit?.cpu?.gateway?.usPerRequest;
  if (cpu == null || hitCpu == null || !(mixed.hitRatio < 1)) return null;
  return round((cpu - mixed.hitRatio * hitCpu) / (1 - mixed.hitRatio), 0);
}

function totalCpuMs({ user, system }) {
  return user + system;
}

/**
 * The gateway's Node flags: by default those the production image runs it with (the `NODE_OPTIONS` of the
 * Dockerfile's runtime stage: heap limits), so the bench measures the runtime that is deployed.
 */
function gatewayNodeFlags(option) {
  if (option === 'none') return [];
  if (option) return option.split(' ').filter(Boolean);
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const match = /NODE_OPTIONS="([^"]*)"/.exec(dockerfile);
  return match ? match[1].split(' ').filter(Boolean) : [];
}

/**
 * What the mixed workload allows any server, from Little's law: a closed loop of `connections` clients, where each miss
 * holds its connection for the upstream delay, cannot exceed connections / (missRatio x delay) requests per second;
 * and the source's bulkhead (`maxConcurrency` upstream calls at once, default 16) caps misses at maxConcurrency / delay
 * per second, so requests at that / missRatio. Hits are taken as free, so both are upper bounds.
 */
function mixedCeilings(options, maxConcurrency = 16) {
  const delayS = Math.max(options.upstreamDelay, 1) / 1000;
  return {
    connections: options.connections,
    maxConcurrency,
    closedLoopRps: Math.round(options.connections / (options.missRatio * delayS)),
    bulkheadRps: Math.round(maxConcurrency / delayS / options.missRatio),
  };
}

/**
 * Targets (issue 12) with pass/fail, each against a baseline measured in the same run; a target whose case did not
 * run is `pass: null`. Each is `{ name, measured, target, pass }`.
 */
function evaluateTargets(results) {
  const { baseline, memoryHit, redisHit, notModified, mixed, coldMiss, stampede, memory, entryHeap, soak } = results.cases;
  const targets = [];
  const add = (name, measured, target, pass) => targets.push({ name, measured: measured ?? null, target, pass: measured === null || measured === undefined ? null : pass });
  const connections = results.options.connections;
  const memRatio = ratio(memoryHit?.rps, baseline?.rps);
  add('memory-tier hit throughput vs bare Fastify', memRatio, '>= 0.8', memRatio >= 0.8);
  const notModifiedRatio = ratio(notModified?.rps, memoryHit?.rps);
  add('304 throughput vs the memory-tier hit', notModifiedRatio, '>= 1.0', notModifiedRatio >= 1);
  const redisRatio = ratio(redisHit?.rps, baseline?.rps);
  add('Redis hit throughput vs bare Fastify', redisRatio, '>= 0.5', redisRatio >= 0.5);
  add(`memory-tier hit p99 at ${connections} connections (ms)`, memoryHit?.latencyMs.p99, '< 5', memoryHit?.latencyMs.p99 < 5);
  add(`Redis hit p99 at ${connections} connections (ms)`, redisHit?.latencyMs.p99, '< 5', redisHit?.latencyMs.p99 < 5);
  const mixedRatio = ratio(mixed?.rps, baseline?.rps);
  add('mixed 90/10 throughput vs bare Fastify', mixedRatio, '>= 0.45', mixedRatio >= 0.45);
  add('cold miss added latency, median (ms)', coldMiss?.addedMedianMs, '< 1.5', coldMiss?.addedMedianMs < 1.5);
  add('cold miss added latency, p99 (ms)', coldMiss?.addedP99Ms, '< 5', coldMiss?.addedP99Ms < 5);
  const perMiss = cpuPerMissUs(mixed, memoryHit);
  add('gateway CPU per miss, from the mixed case (µs)', perMiss, '<= 400', perMiss <= 400);
  add('RSS peak over the mixed case (MB)', memory?.rssPeakSampledMb, '< 200', memory?.rssPeakSampledMb < 200);
  add('RSS steady growth over the mixed case (%)', memory?.steadyGrowthPct, '< 10', memory?.steadyGrowthPct < 10);
  add('heap per memory-tier entry, 1.2 KB profile (KB)', entryHeap ? round(entryHeap.bytesPerEntry / 1024, 2) : null, '<= 4', entryHeap?.bytesPerEntry <= 4096);
  add('stampede: upstream calls for 1,000 concurrent cold requests', stampede?.upstreamCalls, '1', stampede?.upstreamCalls === 1);
  const stampedeLimit = results.options.upstreamDelay + 50;
  add('stampede: all answered within upstream delay + 50 ms (ms)', stampede?.totalMs, `<= ${stampedeLimit}`, stampede?.totalMs <= stampedeLimit);
  add('tracing on (sampleRatio 1) hit throughput vs tracing off', results.cases.tracing?.ratio, '>= 0.8', results.cases.tracing?.ratio >= 0.8);
  if (soak) add(`soak over ${soak.ids} ids: RSS steady growth (%)`, soak.steadyGrowthPct, '< 10', soak.steadyGrowthPct < 10);
  const hitCases = [memoryHit, redisHit, notModified, mixed].filter(Boolean);
  const unexpected = hitCases.reduce((sum, c) => sum + c.unexpected + c.errors + c.timeouts, 0);
  if (hitCases.length > 0) add('unexpected statuses, errors or timeouts under load', unexpected, '0', unexpected === 0);
  return targets;
}

function pad(value, width, left = false) {
  const text = value === null || value === undefined ? '-' : String(value);
  return left ? text.padEnd(width) : text.padStart(width);
}

/** The printed table (also pasted into bench/README.md). */
function formatReport(results) {
  const { baseline, memoryHit, redisHit, notModified, mixed, coldMiss, stampede, memory } = results.cases;
  const m = results.machine;
  const lines = [];
  lines.push(
    `${m.cpuModel}, ${m.cores} cores, Node ${m.serverNode} (gateway and baseline; load generator ${m.node}); load ${results.loadAverageAtStart.join(' ')} -> ${results.loadAverageAtEnd.join(' ')}; ` +
      `${results.options.connections} connections, ${results.options.duration} s (+${results.options.warmup} s warm-up), upstream delay ${results.options.upstreamDelay} ms`,
  );
  lines.push(
    `gateway: auth ${results.setup.authEnforced ? 'on' : 'OFF'}, metrics ${results.setup.metricsEndpoint ? 'on' : 'OFF'}, JSON logs at ${results.setup.logLevel} to ${results.setup.logDestination}, ` +
      `Redis + memory tier; ${results.setup.profileBodyBytes} B profile; Node flags ${gatewayNodeFlags(results.options.gatewayNodeOptions).join(' ') || '(none)'}; ` +
      (results.setup.pinning === 'none' ? 'processes not pinned' : `server under test pinned to CPU ${results.setup.pinning.serverCpus}, the rest to CPU ${results.setup.pinning.otherCpus}`),
  );
  lines.push('');
  const header = `${pad('case', 24, true)} ${pad('req/s', 8)} ${pad('x bare', 7)} ${pad('p50 ms', 7)} ${pad('p99 ms', 7)} ${pad('CPU us/req', 10)} ${pad('user+sys', 11)} ${pad('x bare', 7)} ${pad('loadgen CPU', 11)} ${pad('other+steal', 11)}`;
  lines.push(header, '-'.repeat(header.length));
  const baseCpu = baseline ? Object.values(baseline.cpu)[0]?.usPerRequest : null;
  const row = (name, r) => {
    if (!r) return;
    const server = Object.values(r.cpu)[0];
    const cpu = server?.usPerRequest;
    lines.push(
      `${pad(name, 24, true)} ${pad(r.rps, 8)} ${pad(ratio(r.rps, baseline?.rps), 7)} ${pad(round(r.latencyMs.p50, 2), 7)} ${pad(round(r.latencyMs.p99, 2), 7)} ` +
        `${pad(cpu, 10)} ${pad(`${Math.round(server?.userUsPerRequest)}+${Math.round(server?.systemUsPerRequest)}`, 11)} ${pad(ratio(cpu, baseCpu), 7)} ${pad(`${r.loadGeneratorCpuPct}%`, 11)} ${pad(`${round(r.otherCpuPct + r.stealPct, 1)}%${r.disturbed ? ' (!)' : ''}`, 11)}`,
    );
  };
  row('bare Fastify (baseline)', baseline);
  if (results.cases.nginx?.skipped) lines.push(`${pad('nginx proxy_cache', 24, true)} skipped: ${results.cases.nginx.skipped}`);
  else row('nginx proxy_cache', results.cases.nginx);
  row('memory-tier hit', memoryHit);
  row('Redis hit', redisHit);
  row('If-None-Match 304', notModified);
  row(`mixed ${Math.round((1 - results.options.missRatio) * 100)}/${Math.round(results.options.missRatio * 100)} (${results.options.memoryDuration} s)`, mixed);
  lines.push("CPU us/req: the server process's own CPU time per response (user+sys: in JavaScript/V8 vs in the kernel); loadgen CPU: autocannon's process; other+steal: CPU taken by processes the bench did not start and by the hypervisor (100% = one core; (!) = above --max-disturbance in every attempt).");
  const nginx = results.cases.nginx;
  if (nginx && !nginx.skipped && memoryHit) {
    lines.push(`memory-tier hit vs nginx proxy_cache: ${ratio(memoryHit.rps, nginx.rps)}x throughput, ${ratio(Object.values(memoryHit.cpu)[0]?.usPerRequest, nginx.cpu.nginx.usPerRequest)}x CPU per request (nginx serves the upstream's ${nginx.bodyBytes} B body).`);
  }
  if (mixed && memoryHit) lines.push(`gateway CPU per miss (mixed case less its hits at the memory-tier hit's cost): ${cpuPerMissUs(mixed, memoryHit)} us`);
  if (results.cases.entryHeap) lines.push(`heap per memory-tier entry: ${results.cases.entryHeap.bytesPerEntry} B (${results.cases.entryHeap.entries} entries, ${results.cases.entryHeap.heapMb} MB)`);
  if (redisHit) lines.push(`Redis hit: ${redisHit.redisGetsPerRequest} Redis GETs per request (memory tier bypassed); Redis's own CPU ${redisHit.cpu.redis.usPerRequest} us/req.`);
  if (mixed) lines.push(`mixed: hit ratio ${mixed.hitRatio}, ${mixed.upstreamCalls} upstream calls = ${mixed.upstreamCallsPerMiss} per miss, ${mixed.upstreamCallsForCachedIds} for cached ids.`);
  if (coldMiss) {
    lines.push('');
    lines.push(
      `cold miss (${coldMiss.requests} sequential): via gateway p50 ${coldMiss.viaGatewayMs.p50} / p99 ${coldMiss.viaGatewayMs.p99} ms; ` +
        `direct to upstream p50 ${coldMiss.directUpstreamMs.p50} / p99 ${coldMiss.directUpstreamMs.p99} ms; ` +
        `added: median ${coldMiss.addedMedianMs} ms, p99 ${coldMiss.addedP99Ms} ms (other+steal ${round(coldMiss.otherCpuPct + coldMiss.stealPct, 1)}%)`,
    );
  }
  if (stampede) {
    lines.push(
      `stampede: ${stampede.requests} concurrent requests for one cold key -> ${stampede.upstreamCalls} upstream call(s), all answered in ${stampede.totalMs} ms ` +
        `(p50 ${stampede.latencyMs.p50}, max ${stampede.latencyMs.max} ms)`,
    );
  }
  if (memory) {
    lines.push(
      `memory (RSS over ${memory.seconds} s of mixed load): start ${memory.rssStartMb} MB, end ${memory.rssEndMb} MB, peak ${memory.rssPeakSampledMb} MB, ` +
        `steady growth ${memory.steadyGrowthPct}% (${memory.steadySlopeMbPerMin} MB/min); at gateway start ${memory.rssAtGatewayStartMb} MB`,
    );
    if (memory.heapUsedFloorFirstHalfMb !== null) {
      lines.push(
        `  V8 heap in use, lowest sample (about the live data after a major GC): first half ${memory.heapUsedFloorFirstHalfMb} MB, second half ${memory.heapUsedFloorSecondHalfMb} MB`,
      );
    }
  }
  const soak = results.cases.soak;
  if (soak) {
    lines.push(
      `soak (${soak.seconds} s over ${soak.ids} ids): ${soak.rps} req/s, ${soak.upstreamCalls} upstream calls; RSS start ${soak.rssStartMb} MB, peak ${soak.rssPeakMb} MB, end ${soak.rssEndMb} MB, ` +
        `steady growth ${soak.steadyGrowthPct}% (${soak.steadySlopeMbPerMin} MB/min); heap floor ${soak.heapUsedFloorFirstHalfMb} -> ${soak.heapUsedFloorSecondHalfMb} MB`,
    );
  }
  const missStages = results.profiles?.coldMiss?.stages;
  if (missStages) {
    lines.push('', `miss path by stage (cold-miss profile, busy CPU µs per miss, ${results.profiles.coldMiss.busyUsPerRequest} in all):`);
    for (const st of missStages) lines.push(`  ${pad(st.usPerRequest, 8)}  ${st.label}`);
  }
  lines.push('');
  lines.push('targets:');
  for (const t of results.targets) lines.push(`  ${t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'FAIL'}  ${pad(t.name, 62, true)} ${pad(t.measured, 8)}  (target ${t.target})`);
  return lines.join('\n');
}

main().catch((error) => {
  console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});

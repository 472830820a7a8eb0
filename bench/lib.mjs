// Helpers of the benchmark: options, statistics, /proc readers, a timed HTTP client and child processes.
import { fork, spawn, spawnSync } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';

/** Token the bench upstream accepts (stored bare; callers send it with the `ak_` prefix). */
export const BENCH_USERTOUR_TOKEN = 'clbenchtoken0000000000000';

/** A user for any id: attributes and one company membership, so the canonical profile is about 1 KB. */
export function benchUser(id) {
  return {
    id,
    attributes: {
      name: `Bench User ${id}`,
      email: `${encodeURIComponent(id)}@bench.example.com`,
      role: 'member',
      plan: 'enterprise',
      locale: 'en-GB',
      timezone: 'Europe/Amsterdam',
      signupChannel: 'self-serve',
      onboardingCompleted: true,
      seats: 25,
      featureFlags: ['new-dashboard', 'bulk-export', 'sso'],
    },
    createdAt: '2024-03-20T08:30:00.000Z',
    memberships: [
      {
        attributes: { role: 'admin' },
        company: { id: 'acme-corp', attributes: { name: 'Acme Corp', domain: 'acme.com', industry: 'Software', employees: 250, country: 'NL' } },
      },
    ],
  };
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const CLOCK_TICKS = 100;

/**
 * Parses `--name value`, `--name=value` and bare `--flag` (true) against the defaults; numbers stay numbers.
 * @param {string[]} argv
 * @param {Record<string, string | number | boolean>} defaults
 */
export function parseArgs(argv, defaults) {
  const options = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    const name = (eq === -1 ? arg.slice(2) : arg.slice(2, eq)).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(name in defaults)) throw new Error(`unknown option ${arg} (see --help)`);
    const fallback = defaults[name];
    if (typeof fallback === 'boolean') {
      options[name] = eq === -1 ? true : arg.slice(eq + 1) !== 'false';
      continue;
    }
    const raw = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (raw === undefined) throw new Error(`${arg} needs a value`);
    if (typeof fallback === 'number') {
      const value = Number(raw);
      if (!Number.isFinite(value) || value < 0) throw new Error(`${arg} must be a non-negative number`);
      options[name] = value;
    } else {
      options[name] = raw;
    }
  }
  return options;
}

/** Nearest-rank percentile of an ascending Float64Array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** min / mean / p50 / p90 / p99 / p99.9 / max of latencies in ms. */
export function latencyStats(values) {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return { count: 0 };
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    min: sorted[0],
    mean: sum / sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted[sorted.length - 1],
  };
}

/** Least-squares slope of y over x. */
export function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** User and system CPU time of a process in ms, from /proc/<pid>/stat (fields 14 and 15). */
export function processCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return { user: (Number(fields[11]) * 1000) / CLOCK_TICKS, system: (Number(fields[12]) * 1000) / CLOCK_TICKS };
}

/** Busy and steal time of the whole machine in ms (all cores), from the `cpu` line of /proc/stat. */
export function machineCpuMs() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const toMs = (ticks) => (ticks * 1000) / CLOCK_TICKS;
  return { busy: toMs(user + nice + system + irq + softirq), idle: toMs(idle + iowait), steal: toMs(steal ?? 0) };
}

/** VmRSS and VmHWM (peak) of a process in MB, from /proc/<pid>/status. */
export function processMemoryMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : NaN;
  };
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

export function loadAverage() {
  return os.loadavg().map((v) => Math.round(v * 100) / 100);
}

export function machineInfo() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    node: process.version,
    v8: process.versions.v8,
    cpuModel: model.trim(),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
  };
}

/**
 * One GET with its wall time (ms, from before the request is written until the body is read).
 * @returns {Promise<{ status: number, headers: http.IncomingHttpHeaders, body: string, ms: number }>}
 */
export function timedGet(url, { headers = {}, agent } = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const request = http.get(url, { headers, agent }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: Number(process.hrtime.bigint() - start) / 1e6,
        }),
      );
    });
    request.on('error', reject);
  });
}

/** A forked Node child with a request/reply protocol over IPC (`{ seq }` matched). */
export async function forkWorker(modulePath, env = {}, execPath = process.execPath, execArgv = []) {
  const child = fork(modulePath, [], { env: { ...process.env, ...env }, execPath, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let seq = 0;
  const ready = new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${modulePath} exited with code ${code} before it was ready`)));
    child.on('message', (message) => {
      if (message.ready) resolve(message);
      else pending.get(message.seq)?.(message);
      pending.delete(message.seq);
    });
  });
  const hello = await ready;
  child.removeAllListeners('exit');
  return {
    pid: child.pid,
    url: hello.url,
    call(message) {
      return new Promise((resolve) => {
        seq += 1;
        pending.set(seq, resolve);
        child.send({ ...message, seq });
      });
    },
    stop: () => stopChild(child, 'disconnect'),
  };
}

/** Stops a child (by disconnecting its IPC channel or with a signal) and waits for it, SIGKILL after 5 s. */
export function stopChild(child, how = 'SIGTERM') {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (how === 'disconnect') child.disconnect();
    else child.kill(how);
  });
}

/**
 * Pins a process and all its threads to the given CPUs (`taskset -a -cp`); false when taskset is unavailable or fails.
 * @param {number} pid
 * @param {string} cpus e.g. "1" or "0,2-3"
 */
export function pinProcess(pid, cpus) {
  const result = spawnSync('taskset', ['-a', '-cp', cpus, String(pid)], { encoding: 'utf8' });
  return result.status === 0;
}

/** `node --version` of a Node binary. */
export function nodeVersionOf(node) {
  return spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

/**
 * Starts `node [nodeArgs] dist/main.js` with GATEWAY_CONFIG, PORT and HOST set; its log lines (stdout) go to
 * `logPath`. Resolves once it answers HTTP.
 */
export async function spawnGateway({ root, configPath, port, env, logPath, nodeArgs = [], node = process.execPath }) {
  const out = openSync(logPath, 'a');
  const child = spawn(node, [...nodeArgs, 'dist/main.js'], {
    cwd: root,
    env: { ...process.env, ...env, GATEWAY_CONFIG: configPath, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', out, 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with code ${child.exitCode}:\n${stderr}`);
    try {
      await timedGet(`${url}/health/live`);
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`gateway did not answer on ${url} within 30 s:\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, pid: child.pid, child, stderr: () => stderr, stop: (signal = 'SIGTERM') => stopChild(child, signal) };
}

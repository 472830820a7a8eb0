// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by function + url, self time by origin
// (project code, each npm package, Node internals, native, GC, idle), and inclusive time of project functions.
// Usage: node bench/cpuprofile.mjs <file.cpuprofile> [--top 25] [--requests N] [--last-ms N]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

function shortUrl(url, root) {
  if (url === '') return '';
  let p = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (root && p.startsWith(root + path.sep)) p = p.slice(root.length + 1);
  return p;
}

const fileOf = (frame) => frame.url.slice(frame.url.lastIndexOf('/') + 1);
const inPackage = (frame, name) => frame.url.includes(`/node_modules/${name}/`);

/**
 * The stages of a cache miss, for `summarizeCpuProfile`'s `stages`: most specific first, since a sample goes to the
 * innermost matching frame and, among stages matching that frame, to the first.
 */
export const MISS_STAGES = [
  { name: 'ETag (stable JSON + SHA-256)', test: (f) => fileOf(f) === 'etag.js' },
  { name: 'entry text (serialize, Redis framing)', test: (f) => fileOf(f) === 'cache-entry.js' },
  { name: 'parse (secure-json-parse)', test: (f) => inPackage(f, 'secure-json-parse') || fileOf(f) === 'upstream-response.js' },
  { name: 'validate (zod)', test: (f) => inPackage(f, 'zod') },
  { name: 'map (mapper)', test: (f) => /\.mapper\.js$|^mapping\.js$|^mapped-source\.js$|^timestamps\.js$/.test(fileOf(f)) },
  { name: 'Redis write + announcement', test: (f) => fileOf(f) === 'redis-tier.js' && f.functionName === 'store' },
  { name: 'lease (take, re-check, heartbeat, release)', test: (f) => fileOf(f) === 'fleet-lease.js' || (fileOf(f) === 'redis-tier.js' && /Lease/.test(f.functionName)) },
  { name: 'Redis read', test: (f) => fileOf(f) === 'redis-tier.js' && f.functionName === 'read' },
  { name: 'ioredis (commands, replies)', test: (f) => inPackage(f, 'ioredis') || inPackage(f, 'redis-parser') || inPackage(f, 'denque') },
  { name: 'upstream call (axios, @nestjs/axios, transport)', test: (f) => inPackage(f, 'axios') || inPackage(f, '@nestjs/axios') || inPackage(f, 'rxjs') || fileOf(f) === 'axios-upstream-transport.js' },
  { name: 'resilience (cockatiel, deadline)', test: (f) => inPackage(f, 'cockatiel') || fileOf(f) === 'resilient-upstream-http.js' || fileOf(f) === 'deadline.js' },
  { name: 'request log line (pino)', test: (f) => inPackage(f, 'pino') || inPackage(f, 'sonic-boom') || inPackage(f, '@pinojs/redact') },
  { name: 'metrics (prom-client)', test: (f) => inPackage(f, 'prom-client') },
  { name: 'GC', test: (f) => f.functionName === '(garbage collector)' },
];

/** Where a frame comes from: `project`, `npm:<package>`, `node`, `native`, or the special frame's name. */
export function originOf(frame, root) {
  if (SPECIAL.has(frame.functionName)) return frame.functionName;
  const url = shortUrl(frame.url, root);
  if (url === '') return 'native (V8 builtins, JSON, crypto bindings)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return `npm:${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  return url.startsWith('dist/') || url.startsWith('src/') ? 'project' : 'other';
}

function labelOf(frame, root) {
  const name = frame.functionName || '(anonymous)';
  const url = shortUrl(frame.url, root);
  return url === '' ? name : `${name} ${url}:${frame.lineNumber + 1}`;
}

/**
 * @param {{ nodes: Array<{ id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }>, samples: number[], timeDeltas: number[], startTime: number, endTime: number }} profile
 * @param {{ top?: number, root?: string, requests?: number, lastMs?: number }} [options] `lastMs`: only the samples of
 *   the profile's last `lastMs` milliseconds (e.g. the measured window, leaving out start-up and warm-up)
 */
/**
 * `stages`: [{ name, test(frame) }]. Each busy sample goes to the stage of the innermost frame on its stack that a
 * stage's test accepts (the first stage in list order when several do), or to `(other)`: a partition of the busy time.
 */
export function summarizeCpuProfile(profile, { top = 25, root, requests, lastMs, stages } = {}) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // As DevTools: sample i lasts until sample i + 1 (timeDeltas[i + 1]); the last one until endTime.
  const { samples, timeDeltas } = profile;
  const durations = new Float64Array(samples.length);
  let clock = profile.startTime;
  const stamps = timeDeltas.map((delta) => (clock += delta));
  for (let i = 0; i < samples.length; i++) durations[i] = Math.max(0, (i + 1 < samples.length ? stamps[i + 1] : profile.endTime) - stamps[i]);

  const from = lastMs === undefined ? -Infinity : profile.endTime - lastMs * 1000;
  const selfByNode = new Map();
  let counted = 0;
  for (let i = 0; i < samples.length; i++) {
    if (stamps[i] < from) continue;
    counted++;
    selfByNode.set(samples[i], (selfByNode.get(samples[i]) ?? 0) + durations[i]);
  }

  let totalUs = 0;
  const self = new Map();
  const byOrigin = new Map();
  for (const [id, us] of selfByNode) {
    const frame = byId.get(id).callFrame;
    totalUs += us;
    const label = labelOf(frame, root);
    self.set(label, (self.get(label) ?? 0) + us);
    const origin = originOf(frame, root);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + us);
  }

  // Inclusive time of project functions: each function counted once per sample, wherever it is on the stack.
  const inclusive = new Map();
  for (const [id, us] of selfByNode) {
    const seen = new Set();
    for (let cursor = id; cursor !== undefined; cursor = parent.get(cursor)) {
      const frame = byId.get(cursor).callFrame;
      if (originOf(frame, root) !== 'project') continue;
      const label = labelOf(frame, root);
      if (seen.has(label)) continue;
      seen.add(label);
      inclusive.set(label, (inclusive.get(label) ?? 0) + us);
    }
  }

  const byStage = new Map();
  if (stages) {
    for (const [id, us] of selfByNode) {
      if (labelOf(byId.get(id).callFrame, root) === '(idle)') continue;
      let stage = '(other)';
      for (let cursor = id; cursor !== undefined; cursor = parent.get(cursor)) {
        const found = stages.find((s) => s.test(byId.get(cursor).callFrame));
        if (found) {
          stage = found.name;
          break;
        }
      }
      byStage.set(stage, (byStage.get(stage) ?? 0) + us);
    }
  }

  const idleUs = byOrigin.get('(idle)') ?? 0;
  const busyUs = totalUs - idleUs;
  const row = ([label, us]) => ({
    label,
    ms: Math.round(us / 10) / 100,
    pctOfBusy: busyUs > 0 ? Math.round((us / busyUs) * 1000) / 10 : 0,
    ...(requests ? { usPerRequest: Math.round((us / requests) * 100) / 100 } : {}),
  });
  const sorted = (map) => [...map.entries()].sort((a, b) => b[1] - a[1]);
  return {
    sampledMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    idlePct: totalUs > 0 ? Math.round((idleUs / totalUs) * 1000) / 10 : 0,
    samples: counted,
    ...(requests ? { requests, busyUsPerRequest: Math.round((busyUs / requests) * 100) / 100 } : {}),
    topSelf: sorted(self).filter(([label]) => label !== '(idle)').slice(0, top).map(row),
    byOrigin: sorted(byOrigin).filter(([label]) => label !== '(idle)').map(row),
    projectInclusive: sorted(inclusive).slice(0, top).map(row),
    ...(stages ? { stages: [...stages.map((s) => s.name), '(other)'].map((name) => row([name, byStage.get(name) ?? 0])) } : {}),
  };
}

function table(title, rows, withRequests) {
  const lines = [title];
  for (const r of rows) {
    const perRequest = withRequests ? `${r.usPerRequest.toFixed(2).padStart(8)} µs/req` : '';
    lines.push(`  ${r.ms.toFixed(1).padStart(9)} ms ${r.pctOfBusy.toFixed(1).padStart(5)}%${perRequest}  ${r.label}`);
  }
  return lines.join('\n');
}

/** Text report of `summarizeCpuProfile`. */
export function formatCpuSummary(summary) {
  const withRequests = summary.requests !== undefined;
  const head =
    `CPU profile: ${summary.samples} samples, ${summary.sampledMs} ms sampled, ${summary.busyMs} ms busy (${summary.idlePct}% idle)` +
    (withRequests ? `, ${summary.requests} requests, ${summary.busyUsPerRequest} µs busy CPU per request` : '');
  return [
    head,
    table(`Top ${summary.topSelf.length} functions by self time (% of busy time):`, summary.topSelf, withRequests),
    table('Self time by origin:', summary.byOrigin, withRequests),
    table('Project functions by inclusive time:', summary.projectInclusive, withRequests),
    ...(summary.stages ? [table('Busy time by stage (innermost stage on the stack):', summary.stages, withRequests)] : []),
  ].join('\n\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const file = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
  if (!file) {
    console.error('usage: node bench/cpuprofile.mjs <file.cpuprofile> [--top 25] [--requests N] [--last-ms N]');
    process.exit(2);
  }
  const option = (name) => {
    // --top N, --requests N, --last-ms N
    const i = args.indexOf(name);
    return i === -1 ? undefined : Number(args[i + 1]);
  };
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  console.log(formatCpuSummary(summarizeCpuProfile(profile, { top: option('--top') ?? 25, root, requests: option('--requests'), lastMs: option('--last-ms') })));
}

import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the fake saw it. */
export interface FakeRequest {
  method: string;
  /** Raw path as received (still percent-encoded). */
  rawPath: string;
  /** Path segments, each percent-decoded. */
  segments: string[];
  /** Query pairs in order, decoded (`expand[]` kept as the key). */
  query: Array<[string, string]>;
  headers: http.IncomingHttpHeaders;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialized with JSON.stringify unless a string. */
  body?: unknown;
}

/** What a kind's fake does with one request (auth, routing, vendor error bodies). */
export type FakeHandler = (request: FakeRequest) => FakeResponse;

/**
 * Misbehaviour on command, applied before (or instead of) the kind's own handler:
 * - `status`: answer this status/body/headers instead;
 * - `delayHeaders`: wait, then answer normally;
 * - `slowBody`: send headers at once, then the body after `ms`;
 * - `hang`: never answer; `reset`: destroy the socket;
 * - `garbage`: 200 with a non-JSON body; `huge`: 200 with a JSON body of `bytes` bytes.
 */
export type FakeBehaviour =
  | { type: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { type: 'delayHeaders'; ms: number }
  | { type: 'slowBody'; ms: number }
  | { type: 'hang' }
  | { type: 'reset' }
  | { type: 'garbage' }
  | { type: 'huge'; bytes: number };

export interface FakeUpstream {
  readonly url: string;
  /** Every request received, in order. */
  readonly calls: FakeRequest[];
  /** Misbehave for the next `times` requests (queued after earlier commands). */
  enqueue(behaviour: FakeBehaviour, times?: number): void;
  /** Misbehave on every request until cleared (`null`) — after the queue is drained. */
  setDefault(behaviour: FakeBehaviour | null): void;
  /** Delay every normal answer by `ms` (e.g. for benchmarks). */
  setLatency(ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

function parseRequest(req: http.IncomingMessage): FakeRequest {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q === -1 ? '' : rawUrl.slice(q + 1);
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s.replaceAll('+', ' '));
    } catch {
      return s;
    }
  };
  const segments = rawPath
    .split('/')
    .slice(1)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  const query: Array<[string, string]> = rawQuery
    .split('&')
    .filter((p) => p.length > 0)
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? [decode(pair), ''] : [decode(pair.slice(0, eq)), decode(pair.slice(eq + 1))];
    });
  return { method: req.method ?? 'GET', rawPath, segments, query, headers: req.headers };
}

function send(res: http.ServerResponse, response: FakeResponse): void {
  const body = response.body === undefined ? '' : typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  res.writeHead(response.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...response.headers,
  });
  res.end(body);
}

/** Starts a fake upstream on 127.0.0.1 (port 0 = any free port). */
export async function startFakeUpstream(handler: FakeHandler, port = 0, host = '127.0.0.1'): Promise<FakeUpstream> {
  const calls: FakeRequest[] = [];
  const queue: FakeBehaviour[] = [];
  let fallback: FakeBehaviour | null = null;
  let latencyMs = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const server = http.createServer((req, res) => {
    const request = parseRequest(req);
    calls.push(request);
    const behaviour = queue.shift() ?? fallback;
    const answer = (): void => {
      let response: FakeResponse;
      try {
        response = handler(request);
      } catch {
        response = { status: 500, body: { message: 'fake handler failed' } };
      }
      send(res, response);
    };
    if (!behaviour) {
      if (latencyMs > 0) later(latencyMs, answer);
      else answer();
      return;
    }
    switch (behaviour.type) {
      case 'status':
        send(res, { status: behaviour.status, body: behaviour.body, headers: behaviour.headers });
        return;
      case 'delayHeaders':
        later(behaviour.ms, answer);
        return;
      case 'slowBody': {
        const response = handler(request);
        const body = JSON.stringify(response.body ?? {});
        res.writeHead(response.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.flushHeaders();
        res.write(body.slice(0, 1));
        later(behaviour.ms, () => res.end(body.slice(1)));
        return;
      }
      case 'hang':
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'garbage':
        send(res, { status: 200, body: '<html>not json</html>', headers: { 'content-type': 'text/html' } });
        return;
      case 'huge': {
        const filler = 'x'.repeat(Math.max(0, behaviour.bytes - 20));
        send(res, { status: 200, body: `{"filler":"${filler}"}` });
        return;
      }
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;

  return {
    url: `http://${host}:${address.port}`,
    calls,
    enqueue(behaviour, times = 1) {
      for (let i = 0; i < times; i++) queue.push(behaviour);
    },
    setDefault(behaviour) {
      fallback = behaviour;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    reset() {
      calls.length = 0;
      queue.length = 0;
      fallback = null;
      latencyMs = 0;
    },
    close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `Authorization: Bearer <token>` → the token; anything else → undefined. */
export function bearerToken(headers: http.IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  if (typeof value !== 'string' || !value.startsWith('Bearer ')) return undefined;
  return value.slice('Bearer '.length);
}

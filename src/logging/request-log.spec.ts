import { Writable } from 'node:stream';

import { createLogger } from '../logger.js';
import { RequestLog,type RequestLogFields } from './request-log.js';

function sink(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
      done();
    },
  });
  return { stream, lines };
}

const FULL: RequestLogFields = {
  reqId: 'req "1" \\ é',
  method: 'GET',
  url: '/profiles/crm/a%22b?x="y"',
  status: 502,
  durationMs: 12.3,
  source: 'crm',
  keyName: 'dashboard',
  cacheStatus: 'profile-gateway; fwd=miss; detail="x"',
  upstreamStatus: 503,
  upstreamAttempts: 2,
  code: 'UPSTREAM_ERROR',
  batch: { size: 3, statuses: { '200': 2, '404': 1 } },
};

describe(RequestLog.name, () => {
  it('should write the same JSON line pino writes for the request child logger', () => {
    const mine = sink();
    const theirs = sink();
    const at = Date.parse('2026-12-01T10:00:00.123Z');
    new RequestLog(createLogger('info', mine.stream), undefined, () => at).write('info', FULL);
    const { reqId, ...fields } = FULL;
    createLogger('info', theirs.stream).child({ reqId }).info(fields, 'request completed');

    const expected = JSON.parse(theirs.lines[0]!) as Record<string, unknown>;
    expect(JSON.parse(mine.lines[0]!)).toEqual({ ...expected, time: '2026-12-01T10:00:00.123Z' });
    expect(Object.keys(JSON.parse(mine.lines[0]!) as object)).toEqual(Object.keys(expected));
  });

  it('should leave out the fields a request does not have', () => {
    const out = sink();
    new RequestLog(createLogger('info', out.stream)).write('info', { reqId: 'r', method: 'GET', url: '/health/live', status: 200, durationMs: 0.1 });

    expect(Object.keys(JSON.parse(out.lines[0]!) as object)).toEqual(['level', 'time', 'service', 'reqId', 'method', 'url', 'status', 'durationMs', 'msg']);
  });

  it('should add trace_id and span_id inside a traced request', () => {
    const out = sink();
    const trace = { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' };
    new RequestLog(createLogger('info', out.stream), () => trace).write('info', { reqId: 'r', method: 'GET', url: '/', status: 200, durationMs: 1 });

    expect(JSON.parse(out.lines[0]!)).toMatchObject(trace);
  });

  it('should respect the logger level: debug lines only when debug is enabled', () => {
    const info = sink();
    const debug = sink();
    const fields = { reqId: 'r', method: 'GET', url: '/metrics', status: 200, durationMs: 1 };
    new RequestLog(createLogger('info', info.stream)).write('debug', fields);
    new RequestLog(createLogger('debug', debug.stream)).write('debug', fields);
    new RequestLog(createLogger('warn', info.stream)).write('info', fields);

    expect(info.lines).toEqual([]);
    expect(JSON.parse(debug.lines[0]!)).toMatchObject({ level: 'debug', msg: 'request completed' });
  });

  it('should rebuild the timestamp when the millisecond changes', () => {
    const out = sink();
    let now = Date.parse('2026-12-01T10:00:00.000Z');
    const log = new RequestLog(createLogger('info', out.stream), undefined, () => now);
    const fields = { reqId: 'r', method: 'GET', url: '/', status: 200, durationMs: 1 };
    log.write('info', fields);
    now += 1;
    log.write('info', fields);

    expect(out.lines.map((l) => (JSON.parse(l) as { time: string }).time)).toEqual(['2026-12-01T10:00:00.000Z', '2026-12-01T10:00:00.001Z']);
  });
});

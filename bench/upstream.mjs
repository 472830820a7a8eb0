// Child process of the benchmark: a Usertour fake upstream that answers any user id with a generated ~1 KB
// profile (the faithful fake renders it, so auth, routing and the body shape are the real kind's).
// Controlled over the IPC channel: { cmd: 'latency', ms } | { cmd: 'count', id?, prefix? } | { cmd: 'clear' }.
import { startFakeUpstream } from '../dist-sandbox/sandbox/fake-upstream.js';
import { usertourFake } from '../dist-sandbox/sandbox/kinds/usertour/usertour.fake.js';
import { BENCH_USERTOUR_TOKEN, benchUser } from './lib.mjs';

const handler = (request) => {
  const id = request.segments[2];
  const users = id === undefined || id === '' ? [] : [benchUser(id)];
  return usertourFake({ tokens: [BENCH_USERTOUR_TOKEN], users })(request);
};

const fake = await startFakeUpstream(handler);
/** Calls received since the last `clear`: all, for one id, or for ids starting with a prefix. */
function countOf({ id, prefix }) {
  if (id !== undefined) return fake.calls.filter((call) => call.segments[2] === id).length;
  if (prefix !== undefined) return fake.calls.filter((call) => call.segments[2]?.startsWith(prefix)).length;
  return fake.calls.length;
}

process.on('message', (message) => {
  switch (message.cmd) {
    case 'latency':
      fake.setLatency(message.ms);
      process.send({ seq: message.seq, ok: true });
      return;
    case 'count':
      process.send({ seq: message.seq, count: countOf(message) });
      return;
    case 'clear':
      fake.calls.length = 0;
      process.send({ seq: message.seq, ok: true });
      return;
    default:
      process.send({ seq: message.seq, error: `unknown command ${String(message.cmd)}` });
  }
});
process.on('disconnect', () => {
  void fake.close().then(() => process.exit(0));
});
process.send({ ready: true, url: fake.url });

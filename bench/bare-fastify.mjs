// Child process of the benchmark: the baseline. A bare Fastify server (no logging, no hooks) answering
// GET /profiles/:source/:id with the same body the gateway serves on a hit (read once from BENCH_BODY_FILE).
import { readFileSync } from 'node:fs';

import Fastify from 'fastify';

const body = readFileSync(process.env.BENCH_BODY_FILE ?? '', 'utf8');
const app = Fastify({ logger: false });
app.get('/profiles/:source/:id', (_request, reply) => {
  void reply.type('application/json; charset=utf-8').send(body);
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.on('disconnect', () => {
  void app.close().then(() => process.exit(0));
});
process.send?.({ ready: true, url: `http://127.0.0.1:${app.server.address().port}` });

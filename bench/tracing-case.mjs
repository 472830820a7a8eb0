// The `tracing` case of the benchmark: memory-tier hit throughput with tracing on (sampleRatio 1, every request
// traced and exported over OTLP/HTTP to a loopback receiver) against the same gateway configuration without tracing,
// measured back to back.
import http from 'node:http';

/** A loopback OTLP/HTTP receiver that reads each export and answers 200 (bytes and requests counted, not parsed). */
export async function startOtlpReceiver() {
  const stats = { exports: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    req.on('data', (chunk) => (stats.bytes += chunk.length));
    req.on('end', () => {
      stats.exports++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1/traces`,
    stats,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The gateway configuration with a `tracing` section. */
export function withTracing(yaml, otlpEndpoint, sampleRatio = 1) {
  return `${yaml}tracing:\n  otlpEndpoint: ${otlpEndpoint}\n  serviceName: profile-gateway-bench\n  sampleRatio: ${sampleRatio}\n`;
}

/**
 * Runs the case: a traced gateway next to the untraced one (`gateway`), the hot id cached in both, then the
 * untraced and the traced one measured one after the other with the same load.
 */
export async function runTracingCase({ yaml, gateway, startGateway, warmAndMeasure, hotUrlOf, timedGet, authHeaders, log }) {
  const receiver = await startOtlpReceiver();
  try {
    const traced = await startGateway('gateway-traced', withTracing(yaml, receiver.url));
    for (let i = 0; i < 2; i++) {
      const res = await timedGet(hotUrlOf(traced.url), { headers: authHeaders });
      if (res.status !== 200) throw new Error(`traced gateway answered ${res.status}`);
    }
    const off = await warmAndMeasure({ base: gateway.url, pids: { gateway: gateway.pid } });
    const before = { ...receiver.stats };
    const on = await warmAndMeasure({ base: traced.url, pids: { gateway: traced.pid } });
    const exportedBytes = receiver.stats.bytes - before.bytes;
    await traced.stop();
    traced.release();
    const ratio = off.rps > 0 ? Math.round((on.rps / off.rps) * 100) / 100 : null;
    log(`  tracing off: ${off.rps} req/s, p99 ${off.latencyMs.p99} ms; tracing on (sampleRatio 1): ${on.rps} req/s, p99 ${on.latencyMs.p99} ms; ratio ${ratio}`);
    log(`  OTLP exports received: ${receiver.stats.exports} (${Math.round(receiver.stats.bytes / 1024)} KiB in all, ${Math.round(exportedBytes / 1024)} KiB while measured)`);
    return { off, on, ratio, exports: receiver.stats.exports, exportedBytes: receiver.stats.bytes };
  } finally {
    await receiver.close();
  }
}

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const logger = path.join(root, 'dist', 'logger.js');

/** Runs a script that logs through the gateway's asynchronous stdout logger, and returns what reached stdout. */
function run(body: string): { status: number | null; lines: Array<Record<string, unknown>> } {
  const script = `import { asyncStdout, createLogger, exitOnFatalError } from ${JSON.stringify(logger)};
const log = createLogger('info', asyncStdout());
exitOnFatalError(log);
${body}`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 20_000, maxBuffer: 64 * 1024 * 1024 });
  const lines = result.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { status: result.status, lines };
}

describe('the asynchronous log destination (real process)', () => {
  it('should write every queued line when the process exits right after logging', () => {
    const { status, lines } = run(`for (let i = 0; i < 20000; i++) log.info({ i }, 'line'); process.exit(3);`);

    expect(status).toBe(3);
    expect(lines).toHaveLength(20_000);
    expect(lines.at(-1)).toMatchObject({ i: 19_999, msg: 'line' });
  });

  it('should log a fatal error and every line before it, then exit 1', () => {
    const { status, lines } = run(`for (let i = 0; i < 5000; i++) log.info({ i }, 'line'); setImmediate(() => { throw new Error('boom'); });`);

    expect(status).toBe(1);
    expect(lines.filter((line) => line.msg === 'line')).toHaveLength(5_000);
    expect(lines.at(-1)).toMatchObject({ level: 'fatal', msg: 'uncaught exception: exiting', err: { message: 'boom' } });
  });
});

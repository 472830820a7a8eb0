import 'reflect-metadata';

import { runWarmCommand } from './warmer/warm-command.js';

const USAGE = `Usage: node dist/cli.js <command> [options]

Commands:
  warm    refresh profiles of one source into the shared cache (warm --help for its options)
`;

/** `node dist/cli.js <command> …`: operator commands that run beside the gateway with its configuration. */
async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'warm': {
      const interrupt = new AbortController();
      const stop = (signal: 'SIGINT' | 'SIGTERM'): void => {
        // A second signal does not wait for the ids in flight.
        if (interrupt.signal.aborted) process.exit(signal === 'SIGTERM' ? 143 : 130);
        interrupt.abort(signal);
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      return runWarmCommand(args, { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, signal: interrupt.signal });
    }
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return 0;
    case undefined:
      process.stderr.write(`a command is required\n\n${USAGE}`);
      return 1;
    default:
      process.stderr.write(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 1;
  }
}

/** Exits once stdout has taken everything written, without waiting for sockets abandoned by an interrupted run. */
function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

main(process.argv.slice(2)).then(exit, (error: unknown) => {
  process.stderr.write(`profile-gateway cli failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  exit(1);
});

// Preloaded (`--import`) into the gateway only for `--profile` runs: SIGINT exits at once through process.exit,
// so V8 writes the `--cpu-prof` profile (a process ended by a signal's default action writes none).
process.once('SIGINT', () => process.exit(0));

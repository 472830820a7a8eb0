import { TurnBatchedStream } from './logger.js';

function target() {
  const writes: string[] = [];
  return {
    writes,
    stream: { write: (data: string) => void writes.push(data), flushSync: () => void writes.push('<flushSync>') },
    writeSync: (data: string) => void writes.push(`sync:${data}`),
  };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe(TurnBatchedStream.name, () => {
  it('should hand the lines of one event-loop turn to the target as one write, in order', async () => {
    const t = target();
    const sut = new TurnBatchedStream(t.stream, t.writeSync);
    sut.write('a\n');
    sut.write('b\n');

    expect(t.writes).toEqual([]);
    await nextTurn();
    expect(t.writes).toEqual(['a\nb\n']);
    sut.write('c\n');
    await nextTurn();
    expect(t.writes).toEqual(['a\nb\n', 'c\n']);
  });

  it('should flush the target, then write what is pending synchronously on flushSync, and not again at the end of the turn', async () => {
    const t = target();
    const sut = new TurnBatchedStream(t.stream, t.writeSync);
    sut.write('last\n');
    sut.flushSync();

    expect(t.writes).toEqual(['<flushSync>', 'sync:last\n']);
    await nextTurn();
    expect(t.writes).toEqual(['<flushSync>', 'sync:last\n']);
  });

  it('should hand a burst over in pieces of about 16 KiB, without waiting for the turn to end', () => {
    const t = target();
    const sut = new TurnBatchedStream(t.stream, t.writeSync);
    const line = `${'x'.repeat(99)}\n`;
    for (let i = 0; i < 400; i++) sut.write(line);

    expect(t.writes.length).toBe(2);
    expect(t.writes.every((w) => w.length >= 16_384 && w.length < 16_384 + line.length)).toBe(true);
  });

  it('should keep batching after a flushSync', async () => {
    const t = target();
    const sut = new TurnBatchedStream(t.stream, t.writeSync);
    sut.write('a\n');
    sut.flushSync();
    await nextTurn();
    sut.write('b\n');
    await nextTurn();

    expect(t.writes).toEqual(['<flushSync>', 'sync:a\n', 'b\n']);
  });
});

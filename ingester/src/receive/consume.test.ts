import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { consume } from './consume.ts';

describe('consume', () => {
  it('feeds every chunk in order and resolves at the end', async () => {
    const seen: string[] = [];
    await consume(Readable.from([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]), (c) =>
      seen.push(c.toString()),
    );
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it("rejects with the handler's error and leaves the stream paused, not destroyed", async () => {
    const stream = new PassThrough();
    const done = consume(stream, () => {
      throw new Error('refused');
    });
    stream.write('x');
    await expect(done).rejects.toThrow('refused');
    expect(stream.isPaused()).toBe(true);
    expect(stream.destroyed).toBe(false);
    expect(stream.listenerCount('data')).toBe(0);
  });

  it("rejects with the stream's error, and when it closes before its end", async () => {
    const failing = new PassThrough();
    const failed = consume(failing, () => {});
    failing.destroy(new Error('socket hang up'));
    await expect(failed).rejects.toThrow('socket hang up');
    const reset = new PassThrough();
    const closed = consume(reset, () => {});
    reset.write('part');
    reset.destroy();
    await expect(closed).rejects.toThrow('reset before its end');
  });
});

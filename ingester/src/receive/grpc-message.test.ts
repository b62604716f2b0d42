import { Readable } from 'node:stream';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IngestError } from '../errors.ts';
import { createBufferPool } from '../memory/buffer-pool.ts';
import { createByteBudget } from '../memory/byte-budget.ts';
import { frameGrpcMessage as framed } from '../otlp/grpc-service.ts';
import { inflateMessage, readUnaryMessage } from './grpc-message.ts';

/** The bytes as a stream delivers them: cut at the given offsets. */
function cut(bytes: Buffer, at: number[]): Readable {
  const chunks: Buffer[] = [];
  let from = 0;
  for (const to of [...new Set(at)].sort((a, b) => a - b)) {
    if (to <= from || to >= bytes.length) continue;
    chunks.push(Buffer.from(bytes.subarray(from, to)));
    from = to;
  }
  chunks.push(Buffer.from(bytes.subarray(from)));
  return Readable.from(chunks);
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (err) => (err instanceof IngestError ? err.code : `not an IngestError: ${err}`),
  );

describe('readUnaryMessage', () => {
  it('reads the one message however the stream cuts it, and budgets its length', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300_000 }),
        fc.array(fc.nat(300_010), { maxLength: 40 }),
        fc.boolean(),
        async (message, at, compressed) => {
          const pool = createBufferPool({ maxBytes: 1024 * 1024, keepBytes: 0, minBytes: 4096 });
          const budget = createByteBudget(1024 * 1024);
          const read = await readUnaryMessage(cut(framed(Buffer.from(message), compressed), at), {
            max: 300_000,
            budget,
            pool,
          });
          expect(read.bytes.equals(message)).toBe(true);
          expect(read.compressed).toBe(compressed);
          expect(budget.used).toBe(message.length);
          // Pooled exactly when it had to be joined (a message whole in one chunk is a view of it).
          // (Below the least class, 4 KiB here, a lease is an ordinary buffer the pool does not track.)
          if (read.lease && message.length >= 4096) expect(pool.leaseOf(read.bytes.buffer)).toBe(read.lease);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a message over the limit or the budget before reading it, and gives back what it took', async () => {
    const budget = createByteBudget(1000);
    const big = framed(Buffer.alloc(2000));
    await expect(codeOf(readUnaryMessage(cut(big, [5]), { max: 1999, budget }))).resolves.toBe(
      'BODY_TOO_LARGE',
    );
    await expect(codeOf(readUnaryMessage(cut(big, [5]), { max: 4000, budget }))).resolves.toBe('QUEUE_FULL');
    expect(budget.used).toBe(0);
  });

  it.each([
    ['no message', Buffer.alloc(0), 'the call carries no message'],
    ['part of a prefix', Buffer.from([0, 0, 0]), 'inside a message prefix'],
    ['part of a message', framed(Buffer.alloc(100)).subarray(0, 60), 'after 55 of the message'],
    ['two messages', Buffer.concat([framed(Buffer.alloc(10)), framed(Buffer.alloc(10))]), 'one message'],
    ['an unknown flag', Buffer.from([2, 0, 0, 0, 0]), 'flag 2'],
  ])('refuses %s as BAD_DATA, holding nothing after', async (_, bytes, why) => {
    const pool = createBufferPool({ maxBytes: 1024 * 1024, keepBytes: 0, minBytes: 16 });
    const budget = createByteBudget(1 << 20);
    const err = await readUnaryMessage(cut(bytes, [3, 40]), { max: 1000, budget, pool }).catch((e) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect(err.code).toBe('BAD_DATA');
    expect(err.message).toContain(why);
    expect(budget.used).toBe(0);
    expect(pool.taken).toBe(0);
  });

  it('turns a stream that fails part way into BAD_DATA and gives back its buffer', async () => {
    const pool = createBufferPool({ maxBytes: 1024 * 1024, keepBytes: 0, minBytes: 16 });
    const budget = createByteBudget(1 << 20);
    async function* reset() {
      yield framed(Buffer.alloc(100)).subarray(0, 50);
      throw new Error('stream reset');
    }
    const err = await readUnaryMessage(Readable.from(reset()), { max: 1000, budget, pool }).catch((e) => e);
    expect(err.code).toBe('BAD_DATA');
    expect(err.message).toContain('stream reset');
    expect([budget.used, pool.taken]).toEqual([0, 0]);
  });
});

describe('inflateMessage', () => {
  const text = Buffer.from('a span '.repeat(1000));

  it('inflates gzip and deflate (zlib) messages', async () => {
    expect((await inflateMessage(gzipSync(text), 'gzip', 10_000)).equals(text)).toBe(true);
    expect((await inflateMessage(deflateSync(text), 'deflate', 10_000)).equals(text)).toBe(true);
  });

  it('refuses output past the limit, and damaged input, with specific errors', async () => {
    await expect(codeOf(inflateMessage(gzipSync(text), 'gzip', 6999))).resolves.toBe('BODY_TOO_LARGE');
    await expect(codeOf(inflateMessage(Buffer.from('not gzip'), 'gzip', 10_000))).resolves.toBe('BAD_DATA');
  });
});

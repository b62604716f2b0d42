// The one request message of a unary gRPC call, read from the stream's DATA chunks. Each message is
// a 5-byte prefix (compressed flag, 4-byte big-endian length) and its bytes. The length is known
// before the bytes arrive, so the message is refused (too large, or over the memory budget) before
// any of it is held, and otherwise copied straight into one pooled buffer: no per-frame buffers are
// kept and joined, which is what made grpc-js's server the ingester's slowest path.
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { IngestError } from '../errors.ts';
import type { BufferPool, Lease } from '../memory/buffer-pool.ts';
import type { ByteBudget } from '../memory/byte-budget.ts';

const PREFIX = 5;

export interface GrpcMessage {
  /** The message as sent (still compressed when `compressed`). */
  bytes: Buffer;
  compressed: boolean;
  /** The pooled buffer holding `bytes`, for a message read in more than one chunk. */
  lease?: Lease;
}

export interface MessageLimits {
  /** The largest message, compressed or not. */
  max: number;
  /** Taken for the message's length before it is read; the caller releases `bytes.length`. */
  budget?: ByteBudget;
  pool?: BufferPool;
}

const tooLarge = (what: string, length: number, max: number) =>
  new IngestError('BODY_TOO_LARGE', `${what} of ${length} bytes > ${max} bytes`);

/**
 * Reads exactly one message. A call with none, with a second one, or ending part way through is
 * BAD_DATA; on any error, what was taken from the budget and the pool is given back.
 */
export async function readUnaryMessage(
  chunks: AsyncIterable<Buffer>,
  limits: MessageLimits,
): Promise<GrpcMessage> {
  const prefix = Buffer.alloc(PREFIX);
  let prefixed = 0;
  let target: Buffer | undefined;
  let lease: Lease | undefined;
  let filled = 0;
  let compressed = false;
  try {
    for await (const chunk of chunks) {
      let at = 0;
      if (prefixed < PREFIX) {
        const n = Math.min(PREFIX - prefixed, chunk.length);
        chunk.copy(prefix, prefixed, 0, n);
        prefixed += n;
        at = n;
        if (prefixed < PREFIX) continue;
        const flag = prefix[0] as number;
        if (flag > 1) throw new IngestError('BAD_DATA', `gRPC message flag ${flag} (0 or 1)`);
        compressed = flag === 1;
        const length = prefix.readUInt32BE(1);
        if (length > limits.max) throw tooLarge('message', length, limits.max);
        if (limits.budget && !limits.budget.tryTake(length))
          throw new IngestError('QUEUE_FULL', `memory budget of ${limits.budget.max} bytes in use`, 1000);
        // A message that came whole in this chunk is kept as a view of it, like a one-chunk HTTP body.
        if (chunk.length - at >= length) {
          target = chunk.subarray(at, at + length);
          filled = length;
          at += length;
        } else {
          lease = limits.pool?.take(length);
          target = lease?.bytes ?? Buffer.allocUnsafe(length);
        }
      }
      const t = target as Buffer;
      const n = Math.min(t.length - filled, chunk.length - at);
      if (n > 0) {
        chunk.copy(t, filled, at, at + n);
        filled += n;
        at += n;
      }
      if (at < chunk.length)
        throw new IngestError('BAD_DATA', 'a unary call carries one message, this one more');
    }
  } catch (err) {
    release();
    if (err instanceof IngestError) throw err;
    throw new IngestError('BAD_DATA', `cannot read the message: ${(err as Error).message}`);
  }
  if (!target) {
    throw new IngestError(
      'BAD_DATA',
      prefixed ? 'the call ended inside a message prefix' : 'the call carries no message',
    );
  }
  if (filled < target.length) {
    release();
    throw new IngestError(
      'BAD_DATA',
      `the call ended after ${filled} of the message's ${target.length} bytes`,
    );
  }
  return { bytes: target, compressed, ...(lease ? { lease } : {}) };

  function release() {
    if (target) limits.budget?.release(target.length);
    lease?.release();
  }
}

const inflaters = { gzip: promisify(gunzip), deflate: promisify(inflate) } as const;

/** The gRPC message encodings we read (`grpc-encoding`), as the `grpc-accept-encoding` answer lists them. */
export const ACCEPTED_ENCODINGS = 'identity,deflate,gzip';

/** Whether a compressed message in this encoding can be read. */
export const canInflate = (encoding: string): encoding is keyof typeof inflaters => encoding in inflaters;

/** Inflates a compressed message, refusing output past `max` (zip bombs cost at most that). */
export async function inflateMessage(
  bytes: Buffer,
  encoding: keyof typeof inflaters,
  max: number,
): Promise<Buffer> {
  try {
    return await inflaters[encoding](bytes, { maxOutputLength: max });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new IngestError('BODY_TOO_LARGE', `inflated message over ${max} bytes`);
    throw new IngestError('BAD_DATA', `cannot inflate the ${encoding} message: ${(err as Error).message}`);
  }
}

// The one request message of a unary gRPC call, read from the stream's DATA chunks. Each message is
// a 5-byte prefix (compressed flag, 4-byte big-endian length) and its bytes. The length is known
// before the bytes arrive, so the message is refused (too large, or over the memory budget) before
// any of it is held, and otherwise copied straight into one pooled buffer: no per-frame buffers are
// kept and joined, which is what made grpc-js's server the ingester's slowest path.
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { IngestError, overBudget } from '../errors.ts';
import type { BufferPool, Lease } from '../memory/buffer-pool.ts';
import type { ByteBudget } from '../memory/byte-budget.ts';
import { GRPC_PREFIX_BYTES as PREFIX } from '../otlp/grpc-service.ts';
import { consume } from './consume.ts';

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

/**
 * Assembles exactly one message from the chunks pushed in. A call with none, with a second one, or
 * ending part way through is BAD_DATA. After a throw from push or end, `release()` gives back what
 * was taken from the budget and the pool.
 */
export class UnaryMessage {
  readonly #limits: MessageLimits;
  readonly #prefix = Buffer.alloc(PREFIX);
  #prefixed = 0;
  #target: Buffer | undefined;
  #lease: Lease | undefined;
  #filled = 0;

  constructor(limits: MessageLimits) {
    this.#limits = limits;
  }

  push(chunk: Buffer): void {
    let at = 0;
    if (this.#prefixed < PREFIX) {
      at = Math.min(PREFIX - this.#prefixed, chunk.length);
      chunk.copy(this.#prefix, this.#prefixed, 0, at);
      this.#prefixed += at;
      if (this.#prefixed < PREFIX) return;
      const length = this.#start();
      // A message that came whole in this chunk is kept as a view of it, like a one-chunk HTTP body.
      if (chunk.length - at >= length) {
        this.#target = chunk.subarray(at, at + length);
        this.#filled = length;
        at += length;
      } else {
        this.#lease = this.#limits.pool?.take(length);
        this.#target = this.#lease?.bytes ?? Buffer.allocUnsafe(length);
      }
    }
    const target = this.#target as Buffer;
    const n = Math.min(target.length - this.#filled, chunk.length - at);
    if (n > 0) {
      chunk.copy(target, this.#filled, at, at + n);
      this.#filled += n;
      at += n;
    }
    if (at < chunk.length)
      throw new IngestError('BAD_DATA', 'a unary call carries one message, this one more');
  }

  /** The prefix is complete: checks the length and takes it from the budget. */
  #start(): number {
    const flag = this.#prefix[0] as number;
    if (flag > 1) throw new IngestError('BAD_DATA', `gRPC message flag ${flag} (0 or 1)`);
    const length = this.#prefix.readUInt32BE(1);
    const { max, budget } = this.#limits;
    if (length > max) throw new IngestError('BODY_TOO_LARGE', `message of ${length} bytes > ${max} bytes`);
    if (budget && !budget.tryTake(length)) throw overBudget(budget);
    return length;
  }

  /** The call's end: the message, whole. */
  end(): GrpcMessage {
    const target = this.#target;
    if (!target) {
      throw new IngestError(
        'BAD_DATA',
        this.#prefixed ? 'the call ended inside a message prefix' : 'the call carries no message',
      );
    }
    if (this.#filled < target.length) {
      throw new IngestError(
        'BAD_DATA',
        `the call ended after ${this.#filled} of the message's ${target.length} bytes`,
      );
    }
    return {
      bytes: target,
      compressed: this.#prefix[0] === 1,
      ...(this.#lease ? { lease: this.#lease } : {}),
    };
  }

  release(): void {
    if (this.#target) this.#limits.budget?.release(this.#target.length);
    this.#lease?.release();
    this.#target = undefined;
    this.#lease = undefined;
  }
}

/** Reads a call's one message from its stream; on a refusal the stream is left paused. */
export async function readUnaryMessage(stream: Readable, limits: MessageLimits): Promise<GrpcMessage> {
  const message = new UnaryMessage(limits);
  try {
    await consume(stream, (chunk) => message.push(chunk));
    return message.end();
  } catch (err) {
    message.release();
    if (err instanceof IngestError) throw err;
    throw new IngestError('BAD_DATA', `cannot read the message: ${(err as Error).message}`);
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

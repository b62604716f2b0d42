// Reads a request body with a hard cap on the bytes received and, for gzip, the same cap on the inflated
// size, so an oversized, zip-bomb or endless-empty-members request costs at most `max` bytes of memory
// (and of inflating) before it is refused.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { IngestError, overBudget } from '../errors.ts';
import { type BufferPool, joinInto, type Lease } from '../memory/buffer-pool.ts';
import type { ByteBudget } from '../memory/byte-budget.ts';
import { consume } from './consume.ts';

export interface Body {
  bytes: Buffer;
  /** The pooled buffer holding `bytes`, for a body read in more than one chunk (joined there). */
  lease?: Lease;
}

/**
 * The body, its bytes taken from the memory budget (the caller releases `bytes.length` when done, and
 * the lease); refused with back-pressure when the budget cannot hold it.
 */
export async function readBody(
  req: IncomingMessage,
  max: number,
  budget?: ByteBudget,
  pool?: BufferPool,
): Promise<Body> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') {
    throw new IngestError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding}`);
  }
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > max) throw new IngestError('BODY_TOO_LARGE', `Content-Length ${declared} > ${max} bytes`);
  // Refusing part way must not destroy the request: the receiver drains it and answers on the same
  // connection (a destroyed request resets it, and the client sees no status at all).
  let source: Readable = req;
  if (encoding === 'gzip') {
    const gunzip = createGunzip();
    let received = 0;
    req.on('data', (c: Buffer) => {
      received += c.length;
      if (received > max)
        gunzip.destroy(new IngestError('BODY_TOO_LARGE', `compressed body over ${max} bytes`));
    });
    // A pipe does not pass on a client's reset: without this the inflated side would never end.
    req.once('close', () => {
      if (!req.complete) gunzip.destroy(new Error('the request was reset before its end'));
    });
    source = req.pipe(gunzip);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    await consume(source, (chunk) => {
      if (budget && !budget.tryTake(chunk.length)) throw overBudget(budget);
      total += chunk.length;
      if (total > max) {
        const what = encoding === 'gzip' ? 'decompressed body' : 'body';
        throw new IngestError('BODY_TOO_LARGE', `${what} over ${max} bytes`);
      }
      chunks.push(chunk);
    });
  } catch (err) {
    budget?.release(total);
    if (err instanceof IngestError) throw err;
    throw new IngestError('BAD_DATA', `cannot read body: ${(err as Error).message}`);
  }
  if (chunks.length === 1) return { bytes: chunks[0] as Buffer };
  if (!pool) return { bytes: Buffer.concat(chunks, total) };
  const lease = joinInto(pool, chunks, total);
  return { bytes: lease.bytes, lease };
}

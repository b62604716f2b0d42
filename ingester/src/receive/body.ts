// Reads a request body with a hard cap, inflating gzip with the same cap on the inflated size, so an
// oversized or zip-bomb request costs at most `max` bytes of memory before it is refused.
import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import { IngestError } from '../errors.ts';

export async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') {
    throw new IngestError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding}`);
  }
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (encoding === 'identity' && declared > max) {
    throw new IngestError('BODY_TOO_LARGE', `Content-Length ${declared} > ${max} bytes`);
  }
  const source = encoding === 'gzip' ? req.pipe(createGunzip()) : req;
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > max) {
        const what = encoding === 'gzip' ? 'decompressed body' : 'body';
        throw new IngestError('BODY_TOO_LARGE', `${what} over ${max} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof IngestError) throw err;
    throw new IngestError('BAD_DATA', `cannot read body: ${(err as Error).message}`);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
}

// A request's bytes as they arrive, fed chunk by chunk from the stream's 'data' events. Cheaper than
// an async iterator, which costs a promise and a read() per chunk (an LLM export over gRPC comes as
// ~70 of them). On a failure the stream is paused, never destroyed: the receiver answers first and
// only then drains (HTTP/1.1) or resets (HTTP/2) it, so the client sees its status.
import type { Readable } from 'node:stream';

/**
 * Calls `onChunk` for each chunk until the stream ends. Rejects with what `onChunk` throws, with the
 * stream's error, or when the stream closes before its end (the client reset it).
 */
export function consume(stream: Readable, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: unknown) => {
      stream.off('data', onData).off('end', settle).off('error', settle).off('close', onClose);
      if (err === undefined) return resolve();
      stream.pause();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      try {
        onChunk(chunk);
      } catch (err) {
        settle(err);
      }
    };
    const onClose = () => settle(new Error('the request was reset before its end'));
    stream.on('data', onData).on('end', settle).on('error', settle).on('close', onClose);
  });
}

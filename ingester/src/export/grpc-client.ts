// A unary gRPC client on node:http2 (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md),
// for the exporter and the peer forwarder. It sends a message as the buffers it is given: grpc-js
// frames a copy of every message first, a megabyte of garbage per LLM export that outlives
// young-generation collections (docs/performance.md). One connection, opened on the first call and
// again after it closes; callers pace their retries, so there is no reconnect backoff here.
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type IncomingHttpHeaders,
  type IncomingHttpStatusHeader,
} from 'node:http2';
import { status } from '@grpc/grpc-js';
import { GRPC_PREFIX_BYTES, writeGrpcPrefix } from '../otlp/grpc-service.ts';
import { type CallStatus, statusFromHeaders, statusFromReset, statusFromResponse } from './grpc-outcome.ts';

export interface GrpcClientTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** The name the server's certificate must carry, when it is not the endpoint's host. */
  servername?: string;
}

export interface GrpcClientOptions {
  /** host:port */
  endpoint: string;
  /** Absent: plain HTTP/2. */
  tls?: GrpcClientTls;
}

/** How a call ended: its status, and the reply message when it ended OK. */
export interface UnaryOutcome extends CallStatus {
  reply?: Buffer;
}

export interface GrpcClient {
  /**
   * Sends one message (the concatenation of `message`, unframed) and waits for the call to close:
   * once the promise settles, no byte of `message` is read again, so its buffers may be reused.
   */
  unary(
    path: string,
    metadata: Record<string, string>,
    message: readonly Uint8Array[],
    timeoutMs: number,
  ): Promise<UnaryOutcome>;
  close(): void;
}

/** A reply bigger than this is not read (an ExportTraceServiceResponse is a few bytes). */
const MAX_REPLY_BYTES = 4 * 1024 * 1024;
/** After a deadline, a connection that does not answer a ping within this is replaced. */
const PING_TIMEOUT_MS = 5_000;
/**
 * Node refuses new streams once a session's own memory passes this (10 MB by default); the exporter
 * sends several megabyte-sized calls at once on one connection.
 */
const MAX_SESSION_MEMORY_MB = 64;

/** The message's gRPC prefix, for a message sent as parts (not compressed). */
function prefix(message: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const part of message) length += part.length;
  return writeGrpcPrefix(Buffer.allocUnsafe(GRPC_PREFIX_BYTES), length);
}

/** The reply message out of its frame; undefined when there is none or it is compressed. */
function replyMessage(chunks: Buffer[]): Buffer | undefined {
  const framed = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  if (!framed || framed.length < GRPC_PREFIX_BYTES || framed[0] !== 0) return undefined;
  const end = GRPC_PREFIX_BYTES + framed.readUInt32BE(1);
  return end <= framed.length ? framed.subarray(GRPC_PREFIX_BYTES, end) : undefined;
}

export function createGrpcClient(opts: GrpcClientOptions): GrpcClient {
  const authority = `${opts.tls ? 'https' : 'http'}://${opts.endpoint}`;
  // When the client is made (the exporter's at start-up), not at its first call.
  if (!/^(\[[\da-fA-F:.]+\]|[^\s:/[\]@]+):\d{1,5}$/.test(opts.endpoint) || !URL.canParse(authority))
    throw new Error(`gRPC endpoint ${JSON.stringify(opts.endpoint)} is not host:port`);
  let session: ClientHttp2Session | undefined;
  let closed = false;

  function current(): ClientHttp2Session {
    if (session && !session.closed && !session.destroyed) return session;
    const s = connect(authority, {
      ...opts.tls,
      maxSessionMemory: MAX_SESSION_MEMORY_MB,
      settings: { enablePush: false },
    });
    // A failed or dropped connection fails its calls (their streams see it); the next call reconnects.
    s.on('error', () => {});
    s.on('goaway', () => forget(s));
    s.on('close', () => forget(s));
    session = s;
    return s;
  }
  const forget = (s: ClientHttp2Session) => {
    if (session === s) session = undefined;
  };

  /** A call ran out of time: if its connection is dead (no TCP reset ever came), replace it. */
  function probe(s: ClientHttp2Session): void {
    if (s.destroyed || s.closed) return;
    // Never connected, or the peer never acknowledged our SETTINGS: nothing there speaks HTTP/2.
    if (s.connecting || s.pendingSettingsAck) {
      s.destroy();
      return;
    }
    const timer = setTimeout(() => s.destroy(), PING_TIMEOUT_MS);
    const sent = s.ping((err) => {
      clearTimeout(timer);
      if (err) s.destroy();
    });
    if (!sent) {
      clearTimeout(timer);
      s.destroy();
    }
  }

  function unary(
    path: string,
    metadata: Record<string, string>,
    message: readonly Uint8Array[],
    timeoutMs: number,
  ): Promise<UnaryOutcome> {
    if (closed) return Promise.resolve({ code: status.UNAVAILABLE, message: 'client closed' });
    return new Promise((resolve) => {
      const s = current();
      let stream: ClientHttp2Stream;
      try {
        stream = s.request({
          ':method': 'POST',
          ':path': path,
          'content-type': 'application/grpc',
          te: 'trailers',
          'grpc-timeout': `${Math.min(timeoutMs, 99_999_999)}m`,
          'grpc-accept-encoding': 'identity',
          'user-agent': 'koder-trace-ingester',
          ...metadata,
        });
      } catch (err) {
        // e.g. the connection has used up its stream ids: the next call opens another.
        s.destroy();
        resolve({ code: status.UNAVAILABLE, message: (err as Error).message });
        return;
      }
      // The first way the call ends wins; the promise settles on 'close', after which the stream
      // reads nothing more of `message`.
      let outcome: UnaryOutcome | undefined;
      const end = (o: UnaryOutcome) => {
        outcome ??= o;
      };
      const chunks: Buffer[] = [];
      let replyBytes = 0;
      const timer = setTimeout(() => {
        end({ code: status.DEADLINE_EXCEEDED, message: `no answer within ${timeoutMs} ms` });
        stream.close(constants.NGHTTP2_CANCEL);
        probe(s);
      }, timeoutMs);
      stream.on('response', (headers: IncomingHttpHeaders & IncomingHttpStatusHeader) => {
        const early = statusFromResponse(headers);
        if (early) end(early);
      });
      stream.on('data', (chunk: Buffer) => {
        replyBytes += chunk.length;
        if (replyBytes <= MAX_REPLY_BYTES) chunks.push(chunk);
        else {
          end({ code: status.RESOURCE_EXHAUSTED, message: `reply larger than ${MAX_REPLY_BYTES} bytes` });
          stream.close(constants.NGHTTP2_CANCEL);
        }
      });
      stream.on('trailers', (trailers: IncomingHttpHeaders) => {
        const o = statusFromHeaders(trailers);
        end(o.code === status.OK ? { ...o, reply: replyMessage(chunks) ?? Buffer.alloc(0) } : o);
      });
      // A reset with a code is read from rstCode on 'close'; any other error is the connection's.
      stream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ERR_HTTP2_STREAM_ERROR') end({ code: status.UNAVAILABLE, message: err.message });
      });
      stream.on('close', () => {
        clearTimeout(timer);
        resolve(outcome ?? statusFromReset(stream.rstCode, s.destroyed || s.closed));
      });
      stream.cork();
      stream.write(prefix(message));
      for (const part of message) stream.write(part);
      stream.end();
    });
  }

  return {
    unary,
    close() {
      closed = true;
      session?.close();
    },
  };
}

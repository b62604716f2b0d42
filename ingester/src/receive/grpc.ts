// OTLP/gRPC receiver (TraceService/Export, port 4317), served on node:http2 directly. grpc-js's server
// kept Node's 64 KiB flow-control windows and joined every message from one buffer per 16 KiB frame:
// LLM-sized exports (~900 KB) arrived at half the OpenTelemetry Collector's rate per core, mostly
// waiting on window updates and collecting the frames' garbage. Here the windows are sized for such
// messages and each message is read straight into one pooled buffer (grpc-message.ts).
//
// A unary call is all this port serves: authenticated from its headers before any of its message is
// read (an unknown client never gets a byte buffered or inflated), then one length-prefixed message,
// answered with an empty ExportTraceServiceResponse or a trailers-only error whose
// grpc-status-details-bin carries RetryInfo for back-pressure (grpc-status.ts).
import {
  constants,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { ListenConfig } from '../config/schema.ts';
import { IngestError, overBudget } from '../errors.ts';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { EXPORT_PATH, frameGrpcMessage } from '../otlp/grpc-service.ts';
import { encodeExportResponse } from '../otlp/responses.ts';
import { httpsOptions } from '../tls.ts';
import { type ConnectionLimits, connectionGuard } from './connections.ts';
import { decodeOrBadData, type ReceiverDeps } from './deps.ts';
import { ACCEPTED_ENCODINGS, canInflate, inflateMessage, readUnaryMessage } from './grpc-message.ts';
import { errorTrailers, OK_TRAILERS, type StatusHeaders } from './grpc-status.ts';

export interface GrpcReceiverDeps extends ReceiverDeps {
  limits: ConnectionLimits;
  /** TLS (and mTLS when it names a client CA) instead of plain gRPC. */
  tls?: ListenConfig['tls'];
}

export interface GrpcReceiver {
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting and lets calls in progress finish. */
  close(): Promise<void>;
}

// A 256-span LLM export is ~900 KB: a stream window that holds a whole one lets a client send it
// without waiting on the event loop for window updates, and the connection's fits several senders'.
// What they admit is read at once into budgeted buffers, so the windows bound only what waits in
// the socket while the event loop is busy.
const STREAM_WINDOW_BYTES = 4 * 1024 * 1024;
const CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024;
const SETTINGS = {
  initialWindowSize: STREAM_WINDOW_BYTES,
  maxFrameSize: 1024 * 1024,
  // Each stream is a call that may hold a message; a client queues further calls until one ends.
  maxConcurrentStreams: 100,
};

const RESPONSE_HEADERS = {
  ':status': 200,
  'content-type': 'application/grpc',
  'grpc-accept-encoding': ACCEPTED_ENCODINGS,
};

/** The empty ExportTraceServiceResponse, framed. */
const OK_MESSAGE = frameGrpcMessage(encodeExportResponse());

function answer(stream: ServerHttp2Stream, trailers: StatusHeaders, message?: Buffer): void {
  if (stream.destroyed || stream.headersSent) return;
  if (message) {
    stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers(trailers));
    stream.end(message);
  } else {
    // Trailers-only: the status in the one HEADERS frame.
    stream.respond({ ...RESPONSE_HEADERS, ...trailers }, { endStream: true });
  }
  // A refused call whose client is still sending is reset with NO_ERROR once the answer is out, as
  // HTTP/2 asks (the client has its status; the rest of its message is not wanted).
  if (!stream.readableEnded) stream.close(constants.NGHTTP2_NO_ERROR);
}

/** Not gRPC at all: an HTTP status, as gRPC servers answer these. */
function answerHttp(stream: ServerHttp2Stream, status: number): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ ':status': status }, { endStream: true });
  if (!stream.readableEnded) stream.close(constants.NGHTTP2_NO_ERROR);
}

export function createGrpcReceiver(deps: GrpcReceiverDeps): GrpcReceiver {
  const { pipeline, metrics, log, budget, pool } = deps;
  const count = (code: string) => metrics.requests.inc({ transport: 'grpc', code });

  async function exportCall(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    if (headers[':path'] !== EXPORT_PATH) throw new IngestError('UNKNOWN_METHOD', headers[':path']);
    if (deps.isShuttingDown()) throw new IngestError('SHUTTING_DOWN', undefined, 1000);
    const tenant = deps.registry().authenticate(headers.authorization);
    if (!tenant) throw new IngestError('UNAUTHENTICATED');
    const encoding = String(headers['grpc-encoding'] ?? 'identity').toLowerCase();
    const max = tenant.limits.maxRequestBytes;
    const message = await readUnaryMessage(stream, { max, budget, pool });
    let held = message.bytes.length;
    try {
      let bytes = message.bytes;
      if (message.compressed) {
        if (!canInflate(encoding)) throw new IngestError('UNSUPPORTED_ENCODING', `grpc-encoding ${encoding}`);
        bytes = await inflateMessage(message.bytes, encoding, max);
        if (budget && !budget.tryTake(bytes.length)) throw overBudget(budget);
        held += bytes.length;
      }
      const batch = decodeOrBadData(() => decodeTraceRequest(bytes));
      await pipeline.push(tenant, batch, bytes.length);
    } finally {
      budget?.release(held);
      // Queued items that view these bytes hold the lease themselves.
      message.lease?.release();
    }
  }

  async function handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    // A reset or broken stream concerns that call only.
    stream.on('error', () => {});
    if (headers[':method'] !== 'POST') return answerHttp(stream, 405);
    if (!String(headers['content-type'] ?? '').startsWith('application/grpc')) return answerHttp(stream, 415);
    try {
      await exportCall(stream, headers);
      count('ok');
      answer(stream, OK_TRAILERS, OK_MESSAGE);
    } catch (err) {
      if (err instanceof IngestError) {
        count(err.code);
        if (err.spec.http >= 500) log.warn({ err: err.message, code: err.code }, 'refused an export');
        answer(stream, errorTrailers(err));
        return;
      }
      count('INTERNAL');
      log.error({ err }, 'unexpected error handling an OTLP/gRPC request');
      answer(stream, { 'grpc-status': '13', 'grpc-message': 'internal error' });
    }
  }

  const options = { settings: SETTINGS };
  const server: Http2Server | Http2SecureServer = deps.tls
    ? createSecureServer({ ...options, ...httpsOptions(deps.tls) })
    : createServer(options);
  const sessions = new Set<Http2Session>();
  server.on('stream', (stream, headers) => void handle(stream, headers));
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    // A session's errors (a client gone, a protocol error) end that session only.
    session.on('error', () => {});
    session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
    // No frame either way for this long (calls and pings alike): a GOAWAY, calls in progress finish.
    session.setTimeout(deps.limits.idleTimeoutMs, () => session.close());
  });

  const guard = connectionGuard(deps.limits, (reason) =>
    metrics.connectionsRefused.inc({ receiver: 'grpc', reason }),
  );
  const listener: NetServer = createNetServer((socket) => {
    if (!guard.admit(socket)) return;
    // Handed to HTTP/2 once the client speaks: a socket that sends nothing is closed by the guard's
    // idle timeout, and after that the session's own timeout closes it with a GOAWAY.
    socket.once('readable', () => {
      socket.setTimeout(0);
      server.emit('connection', socket);
    });
  });

  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(port, host, () => {
          listener.off('error', reject);
          resolve((listener.address() as { port: number }).port);
        });
      }),
    close: async () => {
      listener.close();
      await Promise.all(
        [...sessions].map((s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.close(resolve)))),
      );
    },
  };
}

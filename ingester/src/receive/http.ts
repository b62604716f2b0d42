// OTLP/HTTP receiver (POST /v1/traces, port 4318): protobuf or JSON, gzip, replies in the request's
// content type. Authentication happens before the body is read, so an unknown client costs nothing.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { ListenConfig } from '../config/schema.ts';
import { IngestError } from '../errors.ts';
import { decodeTraceRequestJson } from '../otlp/decode-json.ts';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import {
  encodeExportResponse,
  encodeRpcStatus,
  exportResponseJson,
  rpcStatusJson,
} from '../otlp/responses.ts';
import { httpsOptions } from '../tls.ts';
import { readBody } from './body.ts';
import { type ConnectionLimits, limitConnections } from './connections.ts';
import { decodeOrBadData, type ReceiverDeps } from './deps.ts';

export interface HttpLimits extends ConnectionLimits {
  /** HTTPS (and mTLS when it names a client CA) instead of plain HTTP. */
  tls?: ListenConfig['tls'];
  /** Time allowed to send a request's headers, and the whole request. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

type Format = 'proto' | 'json';

function formatOf(contentType: string | undefined): Format | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'proto';
  if (type === 'application/json') return 'json';
  return undefined;
}

function reply(
  res: ServerResponse,
  format: Format,
  status: number,
  body: Buffer | string,
  headers = {},
): void {
  res.writeHead(status, {
    'content-type': format === 'proto' ? 'application/x-protobuf' : 'application/json',
    ...headers,
  });
  res.end(body);
}

function replyError(res: ServerResponse, format: Format, err: IngestError): void {
  const headers: Record<string, string> = {};
  if (err.retryAfterMs !== undefined)
    headers['retry-after'] = String(Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
  const body =
    format === 'proto'
      ? encodeRpcStatus(err.spec.grpc, err.message, err.retryAfterMs)
      : rpcStatusJson(err.spec.grpc, err.message, err.retryAfterMs);
  reply(res, format, err.spec.http, body, headers);
}

export function createHttpReceiver(deps: ReceiverDeps, limits: HttpLimits): Server {
  const { pipeline, metrics, log } = deps;
  const count = (code: string) => metrics.requests.inc({ transport: 'http', code });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const declared = formatOf(req.headers['content-type']);
    // Replies use the request's content type; JSON when it is not one we take.
    const format = declared ?? 'json';
    try {
      if (req.url?.split('?')[0] !== '/v1/traces') throw new IngestError('NOT_FOUND');
      if (req.method !== 'POST') throw new IngestError('METHOD_NOT_ALLOWED');
      if (!declared) {
        throw new IngestError(
          'UNSUPPORTED_MEDIA_TYPE',
          `Content-Type ${req.headers['content-type'] ?? '(none)'}`,
        );
      }
      if (deps.isShuttingDown()) throw new IngestError('SHUTTING_DOWN', undefined, 1000);
      const tenant = deps.registry().authenticate(req.headers.authorization);
      if (!tenant) throw new IngestError('UNAUTHENTICATED');
      const { bytes, lease } = await readBody(req, tenant.limits.maxRequestBytes, deps.budget, deps.pool);
      try {
        const batch = decodeOrBadData(() =>
          format === 'proto' ? decodeTraceRequest(bytes) : decodeTraceRequestJson(bytes),
        );
        await pipeline.push(tenant, batch, bytes.length);
      } finally {
        deps.budget?.release(bytes.length);
        // Queued items that view these bytes hold the lease themselves.
        lease?.release();
      }
      count('ok');
      reply(res, format, 200, format === 'proto' ? encodeExportResponse() : exportResponseJson());
    } catch (err) {
      if (err instanceof IngestError) {
        count(err.code);
        if (err.spec.http >= 500) log.warn({ err: err.message, code: err.code }, 'refused an export');
        // Unread request bodies must be drained or the connection cannot be reused.
        if (!req.complete) req.resume();
        replyError(res, format, err);
        return;
      }
      count('INTERNAL');
      log.error({ err }, 'unexpected error handling an OTLP/HTTP request');
      if (!res.headersSent)
        reply(
          res,
          format,
          500,
          format === 'proto' ? encodeRpcStatus(13, 'internal error') : rpcStatusJson(13, 'internal error'),
        );
    }
  }

  const options = {
    keepAliveTimeout: Math.min(65_000, limits.idleTimeoutMs),
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => void handle(req, res);
  const server = limits.tls
    ? createHttpsServer({ ...options, ...httpsOptions(limits.tls) }, handler)
    : createServer(options, handler);
  limitConnections(server, limits, (reason) => metrics.connectionsRefused.inc({ receiver: 'http', reason }));
  return server;
}

// A SpanSink that sends OTLP/gRPC to Tempo's distributor (or any OTLP receiver), one request per call,
// with the tenant in X-Scope-OrgID. Requests are encoded by our encoder (unchanged spans go out as the
// bytes they came in) and handed to grpc-js as ready-made buffers.
import {
  type ChannelCredentials,
  type ChannelOptions,
  Client,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import type { BufferPool, Lease } from '../memory/buffer-pool.ts';
import { type EncodedRequest, encodeTraceRequest, joinRequests } from '../otlp/encode-proto.ts';
import { EXPORT_PATH, rawBuffers } from '../otlp/grpc-service.ts';
import type { TraceBatch } from '../otlp/model.ts';
import { decodeExportResponse, decodeRetryInfo } from '../otlp/responses.ts';
import type { ExportResult, SpanSink } from './sink.ts';

/**
 * What the OTLP specification says an exporter may retry: these codes, and RESOURCE_EXHAUSTED only
 * when the server sent a RetryInfo (it can recover). Every other code is permanent: the same request
 * would fail again, so the queue dead-letters it rather than retrying until shutdown.
 */
const RETRYABLE = new Set<number>([
  status.CANCELLED,
  status.DEADLINE_EXCEEDED,
  status.ABORTED,
  status.OUT_OF_RANGE,
  status.UNAVAILABLE,
  status.DATA_LOSS,
]);

/**
 * RESOURCE_EXHAUSTED for the request's size: gRPC's message cap ("received message larger than max",
 * Tempo keeps gRPC's 4 MiB), or a Tempo rate limit whose burst is smaller than the request ("... burst:
 * N bytes) exceeded while adding M bytes", M > N), which waiting never cures.
 */
function isTooLarge(err: ServiceError): boolean {
  if (err.code !== status.RESOURCE_EXHAUSTED) return false;
  if (/larger than max/i.test(err.details)) return true;
  const burst = /burst: (\d+) bytes/.exec(err.details)?.[1];
  const adding = /while adding (\d+) bytes/.exec(err.details)?.[1];
  return burst !== undefined && adding !== undefined && Number(adding) > Number(burst);
}

/** The server's RetryInfo delay (google.rpc.Status in grpc-status-details-bin), if it sent one. */
function retryInfoMs(err: ServiceError): number | undefined {
  const details = err.metadata?.get('grpc-status-details-bin')[0];
  return Buffer.isBuffer(details) ? decodeRetryInfo(details) : undefined;
}

/** What the queue should do with a batch the receiver answered with `err`. */
export function classifyExportError(err: ServiceError): ExportResult {
  const reason = `${status[err.code] ?? `code ${err.code}`}: ${err.details}`;
  if (isTooLarge(err)) return { kind: 'tooLarge', reason };
  const retryAfterMs = retryInfoMs(err);
  const retryable =
    RETRYABLE.has(err.code) || (err.code === status.RESOURCE_EXHAUSTED && retryAfterMs !== undefined);
  if (!retryable) return { kind: 'failure', reason };
  return retryAfterMs === undefined
    ? { kind: 'retryable', reason }
    : { kind: 'retryable', reason, retryAfterMs };
}

export interface OtlpGrpcSinkOptions {
  endpoint: string;
  timeoutMs: number;
  /** Plain or TLS (with a private CA, a client certificate, a server name), from tls.ts. */
  credentials: ChannelCredentials;
  channelOptions?: ChannelOptions;
  /** Where requests are joined into one buffer (one per export otherwise: see memory/buffer-pool.ts). */
  pool?: BufferPool;
}

export function createOtlpGrpcSink(opts: OtlpGrpcSinkOptions): SpanSink {
  const client = new Client(opts.endpoint, opts.credentials, {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    'grpc.keepalive_time_ms': 30_000,
    // The export queue paces retries itself (retryMaxMs, RetryInfo); the channel's own reconnect
    // backoff (grpc-js: up to 120 s by default) would otherwise keep delivery waiting long after
    // storage is back from an outage.
    'grpc.initial_reconnect_backoff_ms': 250,
    'grpc.max_reconnect_backoff_ms': 2_000,
    ...opts.channelOptions,
  });
  const send = (tenant: string, body: Buffer): Promise<ExportResult> => {
    const md = new Metadata();
    md.set('x-scope-orgid', tenant);
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        EXPORT_PATH,
        rawBuffers.serialize,
        rawBuffers.deserialize,
        body,
        md,
        { deadline: Date.now() + opts.timeoutMs },
        (err: ServiceError | null, reply?: Buffer) => {
          if (!err) {
            const partial = reply?.length ? decodeExportResponse(reply) : undefined;
            resolve(partial ? { kind: 'success', partial } : { kind: 'success' });
          } else {
            resolve(classifyExportError(err));
          }
        },
      );
    });
  };
  return {
    export: (tenant: string, batch: TraceBatch) => send(tenant, encodeTraceRequest(batch)),
    // grpc-js sends one buffer: the requests are joined once, here, into a pooled buffer that is
    // reused once the call has ended (grpc-js frames a copy of its own before sending).
    async exportEncoded(tenant: string, requests: readonly EncodedRequest[]) {
      const pool = opts.pool;
      let joined: Lease | undefined;
      const fromPool = (n: number) => {
        joined = pool?.take(n);
        return joined ? joined.bytes : Buffer.allocUnsafe(n);
      };
      const body = joinRequests(requests, fromPool);
      try {
        return await send(tenant, body);
      } finally {
        joined?.release();
      }
    },
    async close() {
      client.close();
    },
  };
}

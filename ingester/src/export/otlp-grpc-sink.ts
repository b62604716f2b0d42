// A SpanSink that sends OTLP/gRPC to Tempo's distributor (or any OTLP receiver), one request per call,
// with the tenant in X-Scope-OrgID. Requests are encoded by our encoder (unchanged spans go out as the
// bytes they came in) and sent by our own HTTP/2 client (grpc-client.ts) without another copy.
import { status } from '@grpc/grpc-js';
import type { BufferPool, Lease } from '../memory/buffer-pool.ts';
import { type EncodedRequest, encodeTraceRequest, joinRequests } from '../otlp/encode-proto.ts';
import { EXPORT_PATH } from '../otlp/grpc-service.ts';
import type { TraceBatch } from '../otlp/model.ts';
import { decodeExportResponse, decodeRetryInfo } from '../otlp/responses.ts';
import { createGrpcClient, type GrpcClientTls } from './grpc-client.ts';
import type { CallStatus } from './grpc-outcome.ts';
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
function isTooLarge(err: CallStatus): boolean {
  if (err.code !== status.RESOURCE_EXHAUSTED) return false;
  if (/larger than max/i.test(err.message)) return true;
  const burst = /burst: (\d+) bytes/.exec(err.message)?.[1];
  const adding = /while adding (\d+) bytes/.exec(err.message)?.[1];
  return burst !== undefined && adding !== undefined && Number(adding) > Number(burst);
}

/** What the queue should do with a batch the receiver answered with `err` (not OK). */
export function classifyExportError(err: CallStatus): ExportResult {
  const reason = `${status[err.code] ?? `code ${err.code}`}: ${err.message}`;
  if (isTooLarge(err)) return { kind: 'tooLarge', reason };
  // The server's RetryInfo delay (google.rpc.Status in grpc-status-details-bin), if it sent one.
  const retryAfterMs = err.details ? decodeRetryInfo(err.details) : undefined;
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
  /** Absent: plain gRPC. Otherwise TLS (a private CA, a client certificate, a server name): tls.ts. */
  tls?: GrpcClientTls;
  /** Where requests are joined into one buffer (one per export otherwise: see memory/buffer-pool.ts). */
  pool?: BufferPool;
}

export function createOtlpGrpcSink(opts: OtlpGrpcSinkOptions): SpanSink {
  const client = createGrpcClient({ endpoint: opts.endpoint, tls: opts.tls });
  const send = async (tenant: string, body: Buffer): Promise<ExportResult> => {
    const end = await client.unary(EXPORT_PATH, { 'x-scope-orgid': tenant }, [body], opts.timeoutMs);
    if (end.code !== status.OK) return classifyExportError(end);
    const partial = end.reply?.length ? decodeExportResponse(end.reply) : undefined;
    return partial ? { kind: 'success', partial } : { kind: 'success' };
  };
  return {
    export: (tenant: string, batch: TraceBatch) => send(tenant, encodeTraceRequest(batch)),
    // One request made of several is joined once, here, into a pooled buffer that is reused once the
    // call has closed (the client sends it as it is).
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

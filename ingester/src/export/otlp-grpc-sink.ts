// A SpanSink that sends OTLP/gRPC to Tempo's distributor (or any OTLP receiver), one request per call,
// with the tenant in X-Scope-OrgID. Requests are encoded by our encoder (unchanged spans go out as the
// bytes they came in) and handed to grpc-js as ready-made buffers.
import { Client, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { encodeTraceRequest } from '../otlp/encode-proto.ts';
import { EXPORT_PATH, rawBuffers } from '../otlp/grpc-service.ts';
import type { TraceBatch } from '../otlp/model.ts';
import { decodeExportResponse } from '../otlp/responses.ts';
import type { ExportResult, SpanSink } from './sink.ts';

// Codes where the same request can never succeed; everything else is retried (the data is kept).
const PERMANENT = new Set<number>([status.INVALID_ARGUMENT, status.OUT_OF_RANGE]);

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

export interface OtlpGrpcSinkOptions {
  endpoint: string;
  insecure: boolean;
  timeoutMs: number;
}

export function createOtlpGrpcSink(opts: OtlpGrpcSinkOptions): SpanSink {
  const client = new Client(
    opts.endpoint,
    opts.insecure ? credentials.createInsecure() : credentials.createSsl(),
    {
      'grpc.max_send_message_length': 64 * 1024 * 1024,
      'grpc.keepalive_time_ms': 30_000,
    },
  );
  return {
    export(tenant: string, batch: TraceBatch): Promise<ExportResult> {
      const body = encodeTraceRequest(batch);
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
            } else if (isTooLarge(err)) {
              resolve({ kind: 'tooLarge', reason: `${status[err.code]}: ${err.details}` });
            } else if (PERMANENT.has(err.code)) {
              resolve({ kind: 'failure', reason: `${status[err.code]}: ${err.details}` });
            } else {
              resolve({ kind: 'retryable', reason: `${status[err.code]}: ${err.details}` });
            }
          },
        );
      });
    },
    async close() {
      client.close();
    },
  };
}

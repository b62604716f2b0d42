// Every error the ingester returns to a client, in one catalogue: the OTLP/HTTP status, the gRPC code,
// whether the client should retry, and a message that says what to do. Receivers never invent errors.
import { status as GrpcStatus } from '@grpc/grpc-js';

export interface IngestErrorSpec {
  http: number;
  grpc: GrpcStatus;
  retryable: boolean;
  message: string;
}

export const ERRORS = {
  UNAUTHENTICATED: {
    http: 401,
    grpc: GrpcStatus.UNAUTHENTICATED,
    retryable: false,
    message: 'missing or unknown bearer token: send "Authorization: Bearer <token>" with a tenant token',
  },
  BAD_DATA: {
    http: 400,
    grpc: GrpcStatus.INVALID_ARGUMENT,
    retryable: false,
    message: 'the request is not a valid OTLP trace export',
  },
  BODY_TOO_LARGE: {
    http: 413,
    grpc: GrpcStatus.RESOURCE_EXHAUSTED,
    retryable: false,
    message: 'the request is larger than this tenant may send in one request; send smaller batches',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    http: 415,
    grpc: GrpcStatus.INVALID_ARGUMENT,
    retryable: false,
    message: 'use Content-Type application/x-protobuf or application/json, and Content-Encoding gzip or none',
  },
  NOT_FOUND: {
    http: 404,
    grpc: GrpcStatus.UNIMPLEMENTED,
    retryable: false,
    message: 'only POST /v1/traces is served here',
  },
  UNKNOWN_METHOD: {
    http: 404,
    grpc: GrpcStatus.UNIMPLEMENTED,
    retryable: false,
    message: 'only opentelemetry.proto.collector.trace.v1.TraceService/Export is served here',
  },
  UNSUPPORTED_ENCODING: {
    http: 415,
    grpc: GrpcStatus.UNIMPLEMENTED,
    retryable: false,
    message: 'compress gRPC messages with gzip or deflate, or not at all',
  },
  METHOD_NOT_ALLOWED: { http: 405, grpc: GrpcStatus.UNIMPLEMENTED, retryable: false, message: 'use POST' },
  RATE_LIMITED: {
    http: 429,
    grpc: GrpcStatus.RESOURCE_EXHAUSTED,
    retryable: true,
    message: "over this tenant's span rate limit; retry after the given delay",
  },
  QUEUE_FULL: {
    http: 503,
    grpc: GrpcStatus.UNAVAILABLE,
    retryable: true,
    message:
      'the ingester cannot take more spans right now (storage is slow or down); retry after the given delay',
  },
  SHUTTING_DOWN: {
    http: 503,
    grpc: GrpcStatus.UNAVAILABLE,
    retryable: true,
    message: 'this ingester is shutting down; retry (another replica will answer)',
  },
} as const satisfies Record<string, IngestErrorSpec>;

export type IngestErrorCode = keyof typeof ERRORS;

export class IngestError extends Error {
  override name = 'IngestError';
  readonly code: IngestErrorCode;
  readonly spec: IngestErrorSpec;
  /** For retryable errors: how long the client should wait. */
  readonly retryAfterMs: number | undefined;
  constructor(code: IngestErrorCode, detail?: string, retryAfterMs?: number) {
    const spec = ERRORS[code];
    super(detail ? `${spec.message}: ${detail}` : spec.message);
    this.code = code;
    this.spec = spec;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The refusal when the memory budget cannot hold a request's bytes: back-pressure, retry in a second. */
export function overBudget(budget: { readonly max: number }): IngestError {
  return new IngestError('QUEUE_FULL', `memory budget of ${budget.max} bytes in use`, 1000);
}

// A bare OTLP/gRPC TraceService in the test process that records each request's metadata and size:
// where a test must see the headers an exporter sent (Tempo's X-Scope-OrgID), which the reference
// collector cannot show. It can also be told to fail, to stand in for a storage outage, with any gRPC
// status code and optionally a google.rpc.RetryInfo (as Tempo or a collector would send).
import { Metadata } from '@grpc/grpc-js';
import { decodeTraceRequest, encodeRpcStatus, type Span } from '@koder-trace/ingester/otlp';
import { startTraceServer } from '@koder-trace/ingester/testing';

export interface GrpcCapture {
  readonly endpoint: string;
  readonly requests: { orgId: string | undefined; bytes: Buffer }[];
  /** While set, every export fails with this gRPC code. */
  failWith: number | undefined;
  /** With failWith: the delay sent as a google.rpc.RetryInfo in grpc-status-details-bin (none if unset). */
  failRetryAfterMs: number | undefined;
  /** Every export answered with an error (failWith): its code, tenant and arrival time. */
  readonly failures: { code: number; orgId: string | undefined; at: number }[];
  close(): Promise<void>;
}

export async function startGrpcCapture(): Promise<GrpcCapture> {
  const requests: GrpcCapture['requests'] = [];
  const failures: GrpcCapture['failures'] = [];
  const server = await startTraceServer((call, cb) => {
    const org = call.metadata.get('x-scope-orgid')[0];
    const orgId = org === undefined ? undefined : String(org);
    if (capture.failWith !== undefined) {
      const code = capture.failWith;
      const details = 'storage unavailable (test)';
      failures.push({ code, orgId, at: Date.now() });
      const metadata = new Metadata();
      if (capture.failRetryAfterMs !== undefined)
        metadata.set('grpc-status-details-bin', encodeRpcStatus(code, details, capture.failRetryAfterMs));
      cb({ code, details, metadata });
      return;
    }
    requests.push({ orgId, bytes: call.request });
    cb(null, Buffer.alloc(0));
  });
  const capture: GrpcCapture = {
    endpoint: server.endpoint,
    requests,
    failWith: undefined,
    failRetryAfterMs: undefined,
    failures,
    close: server.close,
  };
  return capture;
}

/** Takes the requests recorded so far and returns their spans, decoded, in order. */
export function takeSpans(capture: GrpcCapture): Span[] {
  const out: Span[] = [];
  for (const { bytes } of capture.requests.splice(0))
    for (const rs of decodeTraceRequest(bytes).resourceSpans)
      for (const ss of rs.scopeSpans) out.push(...ss.spans);
  return out;
}

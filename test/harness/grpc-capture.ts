// A bare OTLP/gRPC TraceService in the test process that records each request's metadata and size:
// where a test must see the headers an exporter sent (Tempo's X-Scope-OrgID), which the reference
// collector cannot show. It can also be told to fail, to stand in for a storage outage, with any gRPC
// status code and optionally a google.rpc.RetryInfo (as Tempo or a collector would send).
import { Metadata, Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { decodeTraceRequest, encodeRpcStatus, type Span, TRACE_SERVICE } from '@koder-trace/ingester/otlp';

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
  const server = new Server();
  const capture: GrpcCapture = {
    endpoint: '',
    requests: [],
    failWith: undefined,
    failRetryAfterMs: undefined,
    failures: [],
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
  server.addService(TRACE_SERVICE, {
    Export: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
      const org = call.metadata.get('x-scope-orgid')[0];
      if (capture.failWith !== undefined) {
        const code = capture.failWith;
        const details = 'storage unavailable (test)';
        capture.failures.push({ code, orgId: org === undefined ? undefined : String(org), at: Date.now() });
        const metadata = new Metadata();
        if (capture.failRetryAfterMs !== undefined)
          metadata.set('grpc-status-details-bin', encodeRpcStatus(code, details, capture.failRetryAfterMs));
        cb({ code, details, metadata });
        return;
      }
      capture.requests.push({ orgId: org === undefined ? undefined : String(org), bytes: call.request });
      cb(null, Buffer.alloc(0));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  (capture as { endpoint: string }).endpoint = `127.0.0.1:${port}`;
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

// A bare OTLP/gRPC TraceService in the test process that records each request's metadata and size:
// where a test must see the headers an exporter sent (Tempo's X-Scope-OrgID), which the reference
// collector cannot show. It can also be told to fail, to stand in for a storage outage.
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { TRACE_SERVICE } from '../../ingester/src/otlp/grpc-service.ts';

export interface GrpcCapture {
  readonly endpoint: string;
  readonly requests: { orgId: string | undefined; bytes: Buffer }[];
  /** While set, every export fails with this gRPC code. */
  failWith: number | undefined;
  close(): Promise<void>;
}

export async function startGrpcCapture(): Promise<GrpcCapture> {
  const server = new Server();
  const capture: GrpcCapture = {
    endpoint: '',
    requests: [],
    failWith: undefined,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
  server.addService(TRACE_SERVICE, {
    Export: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
      if (capture.failWith !== undefined) {
        cb({ code: capture.failWith, details: 'storage unavailable (test)' });
        return;
      }
      const org = call.metadata.get('x-scope-orgid')[0];
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

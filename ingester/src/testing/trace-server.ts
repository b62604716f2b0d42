// A grpc-js server with the OTLP Export method, on a free local port, for unit tests of the clients
// that call one (the exporter, the peer forwarder). Integration tests use test/harness/grpc-capture.ts.
import {
  Server,
  ServerCredentials,
  type ServerOptions,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { TRACE_SERVICE } from '../otlp/grpc-service.ts';

export type ExportHandler = (call: ServerUnaryCall<Buffer, Buffer>, answer: sendUnaryData<Buffer>) => void;

export interface TraceServer {
  /** host:port */
  endpoint: string;
  close(): Promise<void>;
}

export async function startTraceServer(
  handler: ExportHandler,
  options?: ServerOptions,
): Promise<TraceServer> {
  const server = new Server(options);
  server.addService(TRACE_SERVICE, { Export: handler });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    endpoint: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

// OTLP/gRPC receiver (TraceService/Export, port 4317). grpc-js inflates gzip/deflate itself; the
// request reaches us as the raw protobuf buffer and is decoded once by our scanner. Back-pressure
// errors carry a google.rpc.RetryInfo in grpc-status-details-bin, which OTel exporters honour.
//
// Two guards sit in front of grpc-js: our own TCP listener admits connections under the connection
// limits and hands them to grpc-js (its connection injector), and an interceptor authenticates each
// call from its metadata before the message is read, so an unknown client never gets a message
// buffered or inflated (grpc-js reads and inflates only once the call asks to read).
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import {
  Metadata,
  Server,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
} from '@grpc/grpc-js';
import type { ListenConfig } from '../config/schema.ts';
import { IngestError } from '../errors.ts';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { TRACE_SERVICE } from '../otlp/grpc-service.ts';
import type { TraceBatch } from '../otlp/model.ts';
import { encodeExportResponse, encodeRpcStatus } from '../otlp/responses.ts';
import type { TenantRuntime } from '../tenants/registry.ts';
import { grpcServerCredentials } from '../tls.ts';
import { type ConnectionLimits, connectionGuard } from './connections.ts';
import { decodeOrBadData, type ReceiverDeps } from './deps.ts';

export interface GrpcReceiverDeps extends ReceiverDeps {
  /** grpc-js refuses larger messages, compressed or inflated, before they reach us (RESOURCE_EXHAUSTED). */
  maxReceiveBytes: number;
  limits: ConnectionLimits;
  /** TLS (and mTLS when it names a client CA) instead of plain gRPC. */
  tls?: ListenConfig['tls'];
}

export interface GrpcReceiver {
  listen(host: string, port: number): Promise<number>;
  /** Stops accepting and lets calls in progress finish. */
  close(): Promise<void>;
}

function toServiceError(err: IngestError): Pick<ServiceError, 'code' | 'details' | 'metadata'> {
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', encodeRpcStatus(err.spec.grpc, err.message, err.retryAfterMs));
  return { code: err.spec.grpc, details: err.message, metadata };
}

/** A call that reads its message only after its metadata was accepted. */
class AuthenticatedFirst extends ServerInterceptingCall {
  #accepted = false;
  #readWanted = false;
  constructor(
    next: ServerInterceptingCallInterface,
    refuse: (metadata: Metadata) => IngestError | undefined,
  ) {
    super(next, {
      start: (startNext) =>
        startNext({
          onReceiveMetadata: (metadata, metadataNext) => {
            const refusal = refuse(metadata);
            if (refusal) {
              this.sendStatus(toServiceError(refusal));
              return;
            }
            this.#accepted = true;
            metadataNext(metadata);
            if (this.#readWanted) this.#read();
          },
        }),
    });
  }
  #read(): void {
    super.startRead();
  }
  override startRead(): void {
    if (this.#accepted) this.#read();
    else this.#readWanted = true;
  }
}

export function createGrpcReceiver(deps: GrpcReceiverDeps): GrpcReceiver {
  const { pipeline, metrics, log } = deps;
  const count = (code: string) => metrics.requests.inc({ transport: 'grpc', code });
  // The tenant each accepted call authenticated as, found again by the handler.
  const tenants = new WeakMap<Metadata, TenantRuntime>();

  const authenticate = (metadata: Metadata): IngestError | undefined => {
    if (deps.isShuttingDown()) return new IngestError('SHUTTING_DOWN', undefined, 1000);
    const auth = metadata.get('authorization')[0];
    const tenant = deps.registry().authenticate(typeof auth === 'string' ? auth : auth?.toString('utf8'));
    if (!tenant) return new IngestError('UNAUTHENTICATED');
    tenants.set(metadata, tenant);
    return undefined;
  };
  const authFirst: ServerInterceptor = (_method, call) =>
    new AuthenticatedFirst(call, (metadata) => {
      const refusal = authenticate(metadata);
      if (refusal) count(refusal.code);
      return refusal;
    });

  const server = new Server({
    'grpc.max_receive_message_length': deps.maxReceiveBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
    'grpc.max_connection_idle_ms': deps.limits.idleTimeoutMs,
    interceptors: [authFirst],
  });

  const exportHandler = (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
    const fail = (err: unknown) => {
      if (err instanceof IngestError) {
        count(err.code);
        callback(toServiceError(err));
        return;
      }
      count('INTERNAL');
      log.error({ err }, 'unexpected error handling an OTLP/gRPC request');
      callback({ code: 13, details: 'internal error' });
    };
    try {
      const tenant = tenants.get(call.metadata);
      if (!tenant) throw new IngestError('UNAUTHENTICATED');
      if (call.request.length > tenant.limits.maxRequestBytes) {
        throw new IngestError(
          'BODY_TOO_LARGE',
          `${call.request.length} > ${tenant.limits.maxRequestBytes} bytes`,
        );
      }
      // grpc-js has read the message already: it is counted while processed, or refused if over.
      const held = call.request.length;
      if (deps.budget && !deps.budget.tryTake(held))
        throw new IngestError('QUEUE_FULL', `memory budget of ${deps.budget.max} bytes in use`, 1000);
      const done = () => deps.budget?.release(held);
      let batch: TraceBatch;
      try {
        batch = decodeOrBadData(() => decodeTraceRequest(call.request));
      } catch (err) {
        done();
        throw err;
      }
      pipeline
        .push(tenant, batch, held)
        .finally(done)
        .then(() => {
          count('ok');
          callback(null, encodeExportResponse());
        }, fail);
    } catch (err) {
      fail(err);
    }
  };
  server.addService(TRACE_SERVICE, { Export: exportHandler });

  const injector = server.createConnectionInjector(grpcServerCredentials(deps.tls));
  const guard = connectionGuard(deps.limits, (reason) =>
    metrics.connectionsRefused.inc({ receiver: 'grpc', reason }),
  );
  const listener: NetServer = createNetServer((socket) => {
    if (!guard.admit(socket)) return;
    // Handed to grpc-js once the client speaks: a socket that sends nothing is closed by the guard's
    // idle timeout. (After that, HTTP/2 reads the socket itself and grpc-js closes idle sessions.)
    socket.once('readable', () => {
      socket.setTimeout(0);
      injector.injectConnection(socket);
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
    close: () =>
      new Promise((resolve) => {
        listener.close();
        server.tryShutdown(() => resolve());
      }),
  };
}

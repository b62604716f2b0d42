// The internal listener peers forward spans to: OTLP/gRPC TraceService/Export, refused unless the
// call carries the peer secret (checked on the metadata, before the message is read), with the tenant
// the forwarding replica authenticated in `koder-tenant`. What arrives was normalised, capped, tagged
// and counted there; here it only joins this replica's trace buffer (Pipeline.pushForwarded).
import {
  Metadata,
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  type ServerInterceptor,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { IngestError, overBudget } from '../errors.ts';
import type { ByteBudget } from '../memory/byte-budget.ts';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { TRACE_SERVICE } from '../otlp/grpc-service.ts';
import { encodeExportResponse, encodeRpcStatus } from '../otlp/responses.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import { decodeDecisions, type HandedDecision } from '../tail/decision-wire.ts';
import type { TenantRegistry } from '../tenants/registry.ts';
import type { RouteMetrics } from './metrics.ts';
import { DECISIONS_PATH, type PeerSecret, SECRET_KEY, TENANT_KEY } from './peer-auth.ts';

export interface PeerServer {
  listen(host: string, port: number): Promise<number>;
  close(): Promise<void>;
}

const text = (v: string | Buffer | undefined) => (typeof v === 'string' ? v : v?.toString('utf8'));

function serviceError(err: IngestError): Pick<ServiceError, 'code' | 'details' | 'metadata'> {
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', encodeRpcStatus(err.spec.grpc, err.message, err.retryAfterMs));
  return { code: err.spec.grpc, details: err.message, metadata };
}

export function createPeerServer(deps: {
  secret: PeerSecret;
  registry: () => TenantRegistry;
  pipeline: Pipeline;
  budget?: ByteBudget;
  metrics: RouteMetrics;
  log: Logger;
  maxReceiveBytes: number;
  isShuttingDown: () => boolean;
  /** Mutual TLS (cluster.tls); plain gRPC without. */
  credentials?: ServerCredentials;
  /** Takes decisions handed over by a replica (the tail sampler's adoptDecisions); how many it took. */
  onDecisions?: (items: HandedDecision[]) => number;
}): PeerServer {
  const { metrics, log } = deps;
  // The secret is checked on the metadata: a call without it is answered before its message is read.
  const peersOnly: ServerInterceptor = (_method, call) =>
    new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (md, mdNext) => {
            if (!deps.secret.matches(text(md.get(SECRET_KEY)[0]))) {
              metrics.peerRefused.inc({ reason: 'unauthenticated' });
              call.sendStatus({
                code: 16,
                details: 'not a peer: wrong or missing peer secret',
                metadata: new Metadata(),
              });
              return;
            }
            mdNext(md);
          },
        }),
    });
  const server = new Server({
    'grpc.max_receive_message_length': deps.maxReceiveBytes,
    interceptors: [peersOnly],
  });
  const exportHandler = (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
    const fail = (err: unknown) => {
      if (err instanceof IngestError) return callback(serviceError(err));
      log.error({ err }, 'unexpected error handling spans from a peer');
      callback({ code: 13, details: 'internal error' });
    };
    try {
      if (deps.isShuttingDown()) throw new IngestError('SHUTTING_DOWN', undefined, 1000);
      const id = text(call.metadata.get(TENANT_KEY)[0]) ?? '';
      const tenant = deps.registry().tenants.get(id);
      if (!tenant) {
        // The forwarding replica may have read a newer config: retryable, it will be here soon.
        metrics.peerRefused.inc({ reason: 'unknown_tenant' });
        throw new IngestError(
          'QUEUE_FULL',
          `tenant ${JSON.stringify(id)} is not (yet) configured on this replica`,
          1000,
        );
      }
      const held = call.request.length;
      if (deps.budget && !deps.budget.tryTake(held)) throw overBudget(deps.budget);
      let batch: ReturnType<typeof decodeTraceRequest>;
      try {
        batch = decodeTraceRequest(call.request);
      } catch (err) {
        deps.budget?.release(held);
        throw new IngestError('BAD_DATA', (err as Error).message);
      }
      deps.pipeline
        .pushForwarded(tenant, batch)
        .finally(() => deps.budget?.release(held))
        .then((r) => {
          metrics.receivedFromPeers.inc({ tenant: tenant.id }, r.received);
          callback(null, encodeExportResponse());
        }, fail);
    } catch (err) {
      fail(err);
    }
  };
  server.addService(TRACE_SERVICE, { Export: exportHandler });
  // Decisions a replica hands over when trace ownership moves (the secret is checked as above).
  server.addService(
    {
      Decisions: {
        ...TRACE_SERVICE.Export,
        path: DECISIONS_PATH,
      },
    },
    {
      Decisions: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        try {
          const taken = deps.onDecisions?.(decodeDecisions(call.request)) ?? 0;
          metrics.decisionsAdopted.inc(taken);
          callback(null, Buffer.alloc(0));
        } catch (err) {
          callback({ code: 3, details: `not decisions: ${(err as Error).message}` });
        }
      },
    },
  );
  return {
    listen(host, port) {
      return new Promise((resolve, reject) =>
        server.bindAsync(
          `${host.includes(':') ? `[${host}]` : host}:${port}`,
          deps.credentials ?? ServerCredentials.createInsecure(),
          (err, bound) => (err ? reject(err) : resolve(bound)),
        ),
      );
    },
    close() {
      return new Promise((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}

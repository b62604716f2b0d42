// Sends spans to the replica that owns their trace, over OTLP/gRPC on its internal peer listener.
// Spans for one peer and tenant that arrive within forwardMaxDelayMs go in one request (encoded
// requests concatenated are one request). A client's request is acknowledged only once every owner
// it was split to has accepted its part (durably, with a write-ahead log there): if an owner cannot be
// reached, the client is told to retry, so nothing acknowledged depends on a peer that did not take it.
import { status } from '@grpc/grpc-js';
import type { ClusterConfig } from '../config/schema.ts';
import { IngestError } from '../errors.ts';
import {
  createGrpcClient,
  type GrpcClient,
  type GrpcClientTls,
  type UnaryOutcome,
} from '../export/grpc-client.ts';
import { type EncodedRequest, encodeTraceRequestParts } from '../otlp/encode-proto.ts';
import { EXPORT_PATH } from '../otlp/grpc-service.ts';
import type { TraceBatch } from '../otlp/model.ts';
import { encodeDecisions, type HandedDecision, MAX_HANDED } from '../tail/decision-wire.ts';
import type { RouteMetrics } from './metrics.ts';
import { DECISIONS_PATH, SECRET_KEY, TENANT_KEY } from './peer-auth.ts';

export interface Forwarder {
  /** Resolves once the peer accepted the spans; rejects with a retryable IngestError otherwise. */
  forward(
    peer: { id: string; endpoint: string },
    tenant: string,
    batch: TraceBatch,
    spans: number,
  ): Promise<void>;
  /** Hands decisions to the replica that owns their traces now; resolves once it took them. */
  handDecisions(peer: { id: string; endpoint: string }, items: readonly HandedDecision[]): Promise<void>;
  close(): void;
}

interface Pending {
  parts: EncodedRequest[];
  spans: number;
  waiters: { resolve: () => void; reject: (e: Error) => void }[];
  timer?: NodeJS.Timeout;
}

export function createForwarder(deps: {
  settings: () => Pick<ClusterConfig, 'forwardMaxDelayMs' | 'forwardMaxSpans' | 'forwardTimeoutMs'>;
  secret: string;
  /** Mutual TLS with the replicas' shared certificate (tls.ts); absent: plain gRPC. */
  tls?: GrpcClientTls;
  metrics: RouteMetrics;
}): Forwarder {
  const clients = new Map<string, GrpcClient>(); // by endpoint
  const pending = new Map<string, Pending>(); // by peer id + tenant

  const clientOf = (endpoint: string) => {
    let c = clients.get(endpoint);
    if (!c) {
      c = createGrpcClient({ endpoint, tls: deps.tls });
      clients.set(endpoint, c);
    }
    return c;
  };

  function send(peer: { id: string; endpoint: string }, tenant: string, p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    const started = process.hrtime.bigint();
    // The requests' parts go out as they are, one message (requests concatenated are one request):
    // no joined copy. Their pooled bodies stay leased until the waiters below settle, which is after
    // the call has closed.
    const message = p.parts.flatMap((r) => r.parts);
    const metadata = { [SECRET_KEY]: deps.secret, [TENANT_KEY]: tenant };
    let call: Promise<UnaryOutcome>;
    try {
      call = clientOf(peer.endpoint).unary(EXPORT_PATH, metadata, message, deps.settings().forwardTimeoutMs);
    } catch (err) {
      // A peer endpoint that is not host:port (a static peer list's typo): the call never starts.
      call = Promise.resolve({ code: status.INVALID_ARGUMENT, message: (err as Error).message });
    }
    void call.then((end) => {
      const ok = end.code === status.OK;
      deps.metrics.forwardRequests.observe(
        { peer: peer.id },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
      deps.metrics.forwardedSpans.inc({ peer: peer.id, result: ok ? 'ok' : 'failed' }, p.spans);
      if (ok) {
        for (const w of p.waiters) w.resolve();
        return;
      }
      const why = `${status[end.code] ?? end.code}: ${end.message}`;
      const e = new IngestError(
        'QUEUE_FULL',
        `the replica owning these traces (${peer.id}) did not take them (${why})`,
        1000,
      );
      for (const w of p.waiters) w.reject(e);
    });
  }

  return {
    forward(peer, tenant, batch, spans) {
      const key = `${peer.id}\n${tenant}`;
      const settings = deps.settings();
      let p = pending.get(key);
      if (!p) {
        p = { parts: [], spans: 0, waiters: [] };
        pending.set(key, p);
      }
      const mine = p;
      const done = new Promise<void>((resolve, reject) => mine.waiters.push({ resolve, reject }));
      mine.parts.push(encodeTraceRequestParts(batch));
      mine.spans += spans;
      if (mine.spans >= settings.forwardMaxSpans || settings.forwardMaxDelayMs === 0) {
        pending.delete(key);
        send(peer, tenant, mine);
      } else if (!mine.timer) {
        mine.timer = setTimeout(() => {
          if (pending.get(key) === mine) pending.delete(key);
          send(peer, tenant, mine);
        }, settings.forwardMaxDelayMs);
      }
      return done;
    },
    async handDecisions(peer, items) {
      const metadata = { [SECRET_KEY]: deps.secret };
      for (let at = 0; at < items.length; at += MAX_HANDED) {
        const end = await clientOf(peer.endpoint).unary(
          DECISIONS_PATH,
          metadata,
          [encodeDecisions(items.slice(at, at + MAX_HANDED))],
          deps.settings().forwardTimeoutMs,
        );
        if (end.code !== status.OK) throw new Error(`${status[end.code] ?? end.code}: ${end.message}`);
      }
    },
    close() {
      for (const p of pending.values()) {
        if (p.timer) clearTimeout(p.timer);
        for (const w of p.waiters) w.reject(new IngestError('SHUTTING_DOWN', undefined, 1000));
      }
      pending.clear();
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}

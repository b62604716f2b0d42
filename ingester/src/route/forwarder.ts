// Sends spans to the replica that owns their trace, over OTLP/gRPC on its internal peer listener.
// Spans for one peer and tenant that arrive within forwardMaxDelayMs go in one request (encoded
// requests concatenated are one request). A client's request is acknowledged only once every owner
// it was split to has accepted its part (durably, with a write-ahead log there): if an owner cannot be
// reached, the client is told to retry, so nothing acknowledged depends on a peer that did not take it.
import {
  type ChannelCredentials,
  type ChannelOptions,
  Client,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import type { ClusterConfig } from '../config/schema.ts';
import { IngestError } from '../errors.ts';
import { type EncodedRequest, encodeTraceRequestParts, joinRequests } from '../otlp/encode-proto.ts';
import { EXPORT_PATH, rawBuffers } from '../otlp/grpc-service.ts';
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
  credentials: ChannelCredentials;
  /** Channel options the credentials need (the name expected in a peer's certificate). */
  channelOptions?: ChannelOptions;
  metrics: RouteMetrics;
}): Forwarder {
  const clients = new Map<string, Client>(); // by endpoint
  const pending = new Map<string, Pending>(); // by peer id + tenant

  const clientOf = (endpoint: string) => {
    let c = clients.get(endpoint);
    if (!c) {
      c = new Client(endpoint, deps.credentials, {
        ...deps.channelOptions,
        'grpc.max_send_message_length': 64 * 1024 * 1024,
        'grpc.keepalive_time_ms': 30_000,
      });
      clients.set(endpoint, c);
    }
    return c;
  };

  function send(peer: { id: string; endpoint: string }, tenant: string, p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    const md = new Metadata();
    md.set(SECRET_KEY, deps.secret);
    md.set(TENANT_KEY, tenant);
    const started = process.hrtime.bigint();
    const body = joinRequests(p.parts);
    clientOf(peer.endpoint).makeUnaryRequest(
      EXPORT_PATH,
      rawBuffers.serialize,
      rawBuffers.deserialize,
      body,
      md,
      { deadline: Date.now() + deps.settings().forwardTimeoutMs },
      (err: ServiceError | null) => {
        deps.metrics.forwardRequests.observe(
          { peer: peer.id },
          Number(process.hrtime.bigint() - started) / 1e9,
        );
        deps.metrics.forwardedSpans.inc({ peer: peer.id, result: err ? 'failed' : 'ok' }, p.spans);
        if (!err) {
          for (const w of p.waiters) w.resolve();
          return;
        }
        const why = `${status[err.code] ?? err.code}: ${err.details}`;
        const e = new IngestError(
          'QUEUE_FULL',
          `the replica owning these traces (${peer.id}) did not take them (${why})`,
          1000,
        );
        for (const w of p.waiters) w.reject(e);
      },
    );
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
      const md = new Metadata();
      md.set(SECRET_KEY, deps.secret);
      for (let at = 0; at < items.length; at += MAX_HANDED)
        await new Promise<void>((resolve, reject) =>
          clientOf(peer.endpoint).makeUnaryRequest(
            DECISIONS_PATH,
            rawBuffers.serialize,
            rawBuffers.deserialize,
            encodeDecisions(items.slice(at, at + MAX_HANDED)),
            md,
            { deadline: Date.now() + deps.settings().forwardTimeoutMs },
            (err: ServiceError | null) => (err ? reject(err) : resolve()),
          ),
        );
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

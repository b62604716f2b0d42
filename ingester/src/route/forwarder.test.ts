// The forwarder against a real gRPC server in this process, standing in for a peer's listener: spans
// for one peer and tenant within the delay go as one request made of their parts, with the peer
// secret and the tenant; a peer that does not take them, or cannot be called, fails the waiting
// requests with a retryable QUEUE_FULL.
import { Metadata, status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestError } from '../errors.ts';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { request, span } from '../testing/otlp-builder.ts';
import { startTraceServer, type TraceServer } from '../testing/trace-server.ts';
import { createForwarder, type Forwarder } from './forwarder.ts';
import { createRouteMetrics } from './metrics.ts';
import { SECRET_KEY, TENANT_KEY } from './peer-auth.ts';

const calls: { secret: string; tenant: string; spans: string[] }[] = [];
let answer = status.OK;
let server: TraceServer;
let forwarder: Forwarder;
let peer: { id: string; endpoint: string };

beforeAll(async () => {
  server = await startTraceServer((call, cb) => {
    const spans = decodeTraceRequest(call.request).resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)),
    );
    const md = (k: string) => String(call.metadata.get(k)[0]);
    calls.push({ secret: md(SECRET_KEY), tenant: md(TENANT_KEY), spans });
    if (answer === status.OK) cb(null, Buffer.alloc(0));
    else cb({ code: answer, details: 'not now', metadata: new Metadata() });
  });
  peer = { id: 'r1', endpoint: server.endpoint };
  forwarder = createForwarder({
    settings: () => ({ forwardMaxDelayMs: 20, forwardMaxSpans: 1000, forwardTimeoutMs: 2000 }),
    secret: 'peer-secret',
    metrics: createRouteMetrics(new Registry()),
  });
});
afterAll(async () => {
  forwarder?.close();
  await server?.close();
});

const batch = (...names: string[]) => decodeTraceRequest(request(names.map((name) => span({ name }))));

describe('forwarder', () => {
  it('sends what arrives within the delay as one request, with the secret and the tenant', async () => {
    answer = status.OK;
    calls.length = 0;
    await Promise.all([
      forwarder.forward(peer, 'shop', batch('a', 'b'), 2),
      forwarder.forward(peer, 'shop', batch('c'), 1),
    ]);
    expect(calls).toEqual([{ secret: 'peer-secret', tenant: 'shop', spans: ['a', 'b', 'c'] }]);
  });

  it('fails every waiting request with a retryable QUEUE_FULL when the peer refuses', async () => {
    answer = status.UNAVAILABLE;
    const both = [
      forwarder.forward(peer, 'shop', batch('a'), 1),
      forwarder.forward(peer, 'shop', batch('b'), 1),
    ];
    for (const p of both) {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(IngestError);
      expect(err).toMatchObject({ code: 'QUEUE_FULL', retryAfterMs: 1000 });
      expect((err as Error).message).toMatch(/\(r1\) did not take them \(UNAVAILABLE: not now\)/);
    }
  });

  it('fails them the same way for a peer endpoint that is not host:port, without throwing', async () => {
    const bad = { id: 'typo', endpoint: 'ingester-1 :4319' };
    const err = await forwarder.forward(bad, 'shop', batch('a'), 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'QUEUE_FULL' });
    expect((err as Error).message).toMatch(/not host:port/);
  });
});

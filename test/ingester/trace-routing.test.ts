// Three ingester processes on one machine share trace ids (rendezvous hashing over a peer list) and
// forward spans of traces they do not own to the owner over the authenticated peer channel. Spans of
// each trace are scattered over the three in random order and batches: every kept trace arrives in
// storage complete, every trace with an error is kept, and the decisions are exactly those of a
// single replica fed the same spans. A caller without the peer secret cannot use the peer listener.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { decodeTraceRequest } from '@koder-trace/ingester/otlp';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import { hex, makeTraces, request, rng, scatter } from '@koder-trace/ingester/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GrpcCapture, startGrpcCapture } from '../harness/grpc-capture.ts';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { postOtlp } from '../harness/otlp-raw.ts';
import { freePorts } from '../harness/ports.ts';
import { until } from '../harness/wait.ts';

const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const TOKEN = 'token-shop';
const tenant = {
  id: 'shop',
  tokenSha256: [sha256Hex(TOKEN)],
  sampling: {
    defaultProbability: 0.2,
    rules: [
      { name: 'llm', match: [{ field: 'attribute.gen_ai.request.model', op: 'exists' }], probability: 0.6 },
    ],
    // Long enough that every span of a trace has arrived before its quiet period ends.
    trace: { quietMs: 5000, maxAgeMs: 30_000 },
  },
};

/** Span ids per trace id in storage, and how many times each span arrived. */
function stored(storage: GrpcCapture) {
  const traces = new Map<string, Map<string, number>>();
  for (const r of storage.requests)
    for (const rs of decodeTraceRequest(r.bytes).resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans) {
          const t = traces.get(hex(s.traceId)) ?? new Map<string, number>();
          t.set(hex(s.spanId), (t.get(hex(s.spanId)) ?? 0) + 1);
          traces.set(hex(s.traceId), t);
        }
  return traces;
}

const settled = async (storage: GrpcCapture, mustHave: string[]) => {
  await until(
    'the traces that must be kept in storage',
    () => {
      const s = stored(storage);
      return mustHave.every((id) => s.has(id)) ? true : undefined;
    },
    30_000,
  );
  // Then until nothing more arrives for a while (every due trace decided and exported).
  let last = -1;
  while (storage.requests.length !== last) {
    last = storage.requests.length;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return stored(storage);
};

describe('routing traces between three ingester replicas', () => {
  let dir: string;
  let clusterStorage: GrpcCapture;
  let singleStorage: GrpcCapture;
  const replicas: RunningIngester[] = [];
  let single: RunningIngester;
  let peerPorts: number[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'koder-routing-'));
    const secretFile = join(dir, 'peer-secret');
    await writeFile(secretFile, 'a-long-peer-secret-for-tests\n');
    clusterStorage = await startGrpcCapture();
    singleStorage = await startGrpcCapture();
    peerPorts = await freePorts(3);
    const peers = peerPorts.map((port, i) => ({ id: `ingester-${i}`, endpoint: `127.0.0.1:${port}` }));
    const common = {
      tenants: [tenant],
      defaultLimits: { spansPerSecond: 1e6, burst: 1e6 },
    };
    for (let i = 0; i < 3; i++)
      replicas.push(
        await startIngesterProcess({
          ...common,
          exporter: { endpoint: clusterStorage.endpoint, maxBatchDelayMs: 20 },
          cluster: { selfId: `ingester-${i}`, peers, port: peerPorts[i], secretFile },
        }),
      );
    single = await startIngesterProcess({
      ...common,
      exporter: { endpoint: singleStorage.endpoint, maxBatchDelayMs: 20 },
    });
  });
  afterAll(async () => {
    for (const r of replicas) await r.stop();
    await single?.stop();
    await clusterStorage?.close();
    await singleStorage?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps whole traces, errors always, with the decisions of a single replica', async () => {
    const traces = makeTraces(600, { seed: 42, errorRate: 0.08, llmRate: 0.25, maxChildren: 5 });
    const pick = rng(42);
    // The same spans: scattered over the three replicas, and (other batches) into the single one.
    const toCluster = scatter(traces, 1, 40);
    const toSingle = scatter(traces, 2, 60);
    await Promise.all([
      (async () => {
        for (const b of toCluster) {
          const r = replicas[Math.floor(pick() * 3)] as RunningIngester;
          const res = await postOtlp(r.httpUrl, request(b), 'proto', TOKEN);
          expect(res.status, res.text).toBe(200);
        }
      })(),
      (async () => {
        for (const b of toSingle) {
          const res = await postOtlp(single.httpUrl, request(b), 'proto', TOKEN);
          expect(res.status, res.text).toBe(200);
        }
      })(),
    ]);
    const errors = traces.filter((t) => t.error).map((t) => hex(t.traceId));
    const cluster = await settled(clusterStorage, errors);
    const alone = await settled(singleStorage, errors);

    for (const t of traces) {
      const got = cluster.get(hex(t.traceId));
      if (t.error) expect(got, `error trace ${hex(t.traceId)}`).toBeDefined();
      if (!got) continue;
      // Complete, each span once.
      expect(got.size).toBe(t.spans.length);
      for (const n of got.values()) expect(n).toBe(1);
    }
    expect([...cluster.keys()].sort()).toEqual([...alone.keys()].sort());
    // Every replica both forwarded and received from peers.
    for (const r of replicas) {
      expect(await r.metric('koder_ingester_forwarded_spans_total', { result: 'ok' })).toBeGreaterThan(0);
      expect(await r.metric('koder_ingester_peer_received_spans_total')).toBeGreaterThan(0);
      expect(await r.metric('koder_ingester_trace_buffer_traces')).toBe(0);
    }
  });

  it('refuses the peer listener to a caller without the peer secret', async () => {
    const client = new Client(`127.0.0.1:${peerPorts[0]}`, credentials.createInsecure());
    const call = (md: Metadata) =>
      new Promise<ServiceError | null>((resolve) =>
        client.makeUnaryRequest(
          EXPORT,
          (b: Buffer) => b,
          (b: Buffer) => b,
          request([]),
          md,
          (err) => resolve(err),
        ),
      );
    const noSecret = new Metadata();
    noSecret.set('koder-tenant', 'shop');
    noSecret.set('authorization', `Bearer ${TOKEN}`); // a tenant token is not a peer secret
    const wrong = new Metadata();
    wrong.set('koder-tenant', 'shop');
    wrong.set('koder-peer-secret', 'guessed-secret-guessed');
    expect((await call(noSecret))?.code).toBe(16);
    expect((await call(wrong))?.code).toBe(16);
    client.close();
    expect(
      await (replicas[0] as RunningIngester).metric('koder_ingester_peer_refused_total', {
        reason: 'unauthenticated',
      }),
    ).toBe(2);
  });
});

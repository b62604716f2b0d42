// Three ingester processes on one machine share trace ids (rendezvous hashing over a peer list) and
// forward spans of traces they do not own to the owner over the authenticated peer channel. Spans of
// each trace are scattered over the three in random order and batches: every kept trace arrives in
// storage complete, every trace with an error is kept, and the decisions are exactly those of a
// single replica fed the same spans. A caller without the peer secret cannot use the peer listener.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { getAttribute } from '@koder-trace/ingester/otlp';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import { hex, makeTraces, request, rng, scatter } from '@koder-trace/ingester/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GrpcCapture, startGrpcCapture } from '../harness/grpc-capture.ts';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { postOtlp } from '../harness/otlp-raw.ts';
import { callPeerListener } from '../harness/peer-call.ts';
import { publishedPorts } from '../harness/ports.ts';
import { expectWholeTraces, ledgerSpans, settled } from '../harness/stored-traces.ts';
import { until } from '../harness/wait.ts';

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
    peerPorts = await publishedPorts(3);
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
    // One usage ledger span per trace, kept or dropped, with the trace's exact span count.
    const ledgers = ledgerSpans(clusterStorage);
    expect(ledgers.length).toBe(traces.length);
    const byTrace = new Map(traces.map((t) => [hex(t.traceId), t]));
    for (const l of ledgers)
      expect(Number(getAttribute(l.attributes, 'koder.usage.spans'))).toBe(
        byTrace.get(hex(l.traceId))?.spans.length,
      );
    // Every replica both forwarded and received from peers.
    for (const r of replicas) {
      expect(await r.metric('koder_ingester_forwarded_spans_total', { result: 'ok' })).toBeGreaterThan(0);
      expect(await r.metric('koder_ingester_peer_received_spans_total')).toBeGreaterThan(0);
      expect(await r.metric('koder_ingester_trace_buffer_traces')).toBe(0);
    }
  });

  it('refuses the peer listener to a caller without the peer secret', async () => {
    const call = (md: Metadata) => callPeerListener(`127.0.0.1:${peerPorts[0]}`, md);
    const noSecret = new Metadata();
    noSecret.set('koder-tenant', 'shop');
    noSecret.set('authorization', `Bearer ${TOKEN}`); // a tenant token is not a peer secret
    const wrong = new Metadata();
    wrong.set('koder-tenant', 'shop');
    wrong.set('koder-peer-secret', 'guessed-secret-guessed');
    expect((await call(noSecret))?.code).toBe(16);
    expect((await call(wrong))?.code).toBe(16);
    expect(
      await (replicas[0] as RunningIngester).metric('koder_ingester_peer_refused_total', {
        reason: 'unauthenticated',
      }),
    ).toBe(2);
  });
});

describe('routing while a replica is killed and another added', () => {
  let dir: string;
  let storage: GrpcCapture;
  const running = new Map<string, RunningIngester>();
  afterAll(async () => {
    for (const r of running.values()) await r.stop();
    await storage?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('splits no trace and loses nothing acknowledged', { timeout: 240_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'koder-routing-change-'));
    const secretFile = join(dir, 'peer-secret');
    await writeFile(secretFile, 'another-long-peer-secret\n');
    storage = await startGrpcCapture();
    const ports = await publishedPorts(4);
    const peer = (i: number) => ({ id: `r${i}`, endpoint: `127.0.0.1:${ports[i]}` });
    const p = 0.25;
    const config = (i: number, n: number) => ({
      tenants: [
        {
          ...tenant,
          sampling: { defaultProbability: p, trace: { quietMs: 15_000, maxAgeMs: 120_000 } },
        },
      ],
      defaultLimits: { spansPerSecond: 1e6, burst: 1e6 },
      exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 20 },
      wal: { dir: join(dir, `wal-${i}`) },
      cluster: {
        selfId: `r${i}`,
        peers: Array.from({ length: n }, (_, k) => peer(k)),
        port: ports[i],
        secretFile,
      },
    });
    for (let i = 0; i < 3; i++) running.set(`r${i}`, await startIngesterProcess(config(i, 3)));

    const traces = makeTraces(400, { seed: 9, errorRate: 0.1, maxChildren: 5 });
    // Two waves of traces; each wave's spans arrive scattered within a few seconds (well inside the
    // quiet period), and the replica set changes in the middle of a wave.
    const waves = [traces.slice(0, 200), traces.slice(200)].map((w, i) => {
      const batches = scatter(w, 10 + i, 20);
      const half = Math.ceil(batches.length / 2);
      return [batches.slice(0, half), batches.slice(half)] as const;
    });
    const pick = rng(9);
    let retried = 0;
    /** Sends each batch to a random live replica until one says 200 (what an OTLP client does). */
    const sendAll = async (part: readonly Buffer[][]) => {
      for (const b of part) {
        for (;;) {
          const live = [...running.values()];
          const r = live[Math.floor(pick() * live.length)] as RunningIngester;
          const res = await postOtlp(r.httpUrl, request(b), 'proto', TOKEN).catch(() => undefined);
          if (res?.status === 200) break;
          retried++;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    const [wave1, wave2] = waves as [(typeof waves)[0], (typeof waves)[0]];

    await sendAll(wave1[0]);
    // r2 dies (SIGKILL) with half-received traces buffered; sending goes on while it is down.
    const r2 = running.get('r2') as RunningIngester;
    running.delete('r2');
    await r2.process.kill();
    await r2.stop();
    const sending = sendAll(wave1[1]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    running.set('r2', await startIngesterProcess(config(2, 3)));
    await sending;

    await sendAll(wave2[0]);
    // r3 joins: started with the four-replica list, then every other replica is told.
    running.set('r3', await startIngesterProcess(config(3, 4)));
    for (let i = 0; i < 3; i++) await (running.get(`r${i}`) as RunningIngester).writeConfig(config(i, 4));
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the replicas notice the new file
    await sendAll(wave2[1]);

    // Every trace decided on every replica (the quiet period is long), then storage settles.
    await until(
      'every buffered trace decided',
      async () => {
        const left = await Promise.all(
          [...running.values()].map((r) => r.metric('koder_ingester_trace_buffer_traces')),
        );
        return left.every((n) => n === 0) ? true : undefined;
      },
      60_000,
    );
    // Whole: every span of each stored trace (a retried request may have delivered a span twice).
    const { got, kept } = await expectWholeTraces(storage, traces);
    const plain = traces.filter((t) => !t.error);
    const keptPlain = plain.filter((t) => got.has(hex(t.traceId))).length;
    const sd = Math.sqrt(plain.length * p * (1 - p));
    expect(Math.abs(keptPlain - plain.length * p)).toBeLessThan(5 * sd);
    expect(kept).toBeGreaterThan(0);
    expect(retried).toBeGreaterThan(0); // the kill was felt: requests were refused and retried
    let handed = 0;
    for (const r of running.values()) handed += await r.metric('koder_ingester_trace_handed_off_spans_total');
    expect(handed).toBeGreaterThan(0);
  });
});

// Peer discovery from EndpointSlices against a real kube-apiserver: three ingester processes, each
// with POD_NAME as a pod has it, watch the slices of their headless Service and route traces among the
// replicas they list. Spans of each trace scattered over the three arrive in storage whole; when a
// replica's endpoint stops being ready, the others take its share at once and send it nothing more.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import { makeTraces, request, rng, scatter, type TestTrace } from '@koder-trace/ingester/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../harness/control-plane.ts';
import { type GrpcCapture, startGrpcCapture } from '../harness/grpc-capture.ts';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { postOtlp } from '../harness/otlp-raw.ts';
import { publishedPorts } from '../harness/ports.ts';
import { expectWholeTraces } from '../harness/stored-traces.ts';
import { until } from '../harness/wait.ts';

const NS = 'koder-trace';
const SERVICE = 'koder-trace-ingester-peers';
const TOKEN = 'token-shop';
const tenant = {
  id: 'shop',
  tokenSha256: [sha256Hex(TOKEN)],
  sampling: { defaultProbability: 0.3, trace: { quietMs: 3000, maxAgeMs: 30_000 } },
};

/** The API server refuses loopback endpoint addresses: a non-loopback address of this machine. */
const hostAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

/** One slice per replica (each listens on its own port here; in a cluster they share one). */
const slice = (i: number, port: number, ready: boolean) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${SERVICE}-${i}`, namespace: NS, labels: { 'kubernetes.io/service-name': SERVICE } },
  addressType: 'IPv4',
  ports: [{ name: 'peer', port, protocol: 'TCP' }],
  endpoints: [
    {
      addresses: [hostAddress],
      conditions: { ready },
      targetRef: { kind: 'Pod', namespace: NS, name: `ingester-${i}` },
    },
  ],
});

describe.skipIf(!hostAddress)('ingester replicas found through EndpointSlices', () => {
  let cp: ControlPlane;
  let dir: string;
  let storage: GrpcCapture;
  let peerPorts: number[];
  const replicas: RunningIngester[] = [];
  const apply = async (doc: unknown) => {
    const r = await cp.kubectl(['apply', '-f', '-'], JSON.stringify(doc));
    expect(r.code, r.stderr).toBe(0);
  };
  const peers = (r: RunningIngester, self: '0' | '1') => r.metric('koder_ingester_peers', { self });
  const sendScattered = async (traces: TestTrace[], to: RunningIngester[], seed: number) => {
    const pick = rng(seed);
    for (const b of scatter(traces, seed, 30)) {
      const r = to[Math.floor(pick() * to.length)] as RunningIngester;
      const res = await postOtlp(r.httpUrl, request(b), 'proto', TOKEN);
      expect(res.status, res.text).toBe(200);
    }
  };
  const expectWhole = async (traces: TestTrace[]) => {
    const { kept } = await expectWholeTraces(storage, traces);
    expect(kept).toBeGreaterThan(traces.filter((t) => t.error).length);
  };

  beforeAll(async () => {
    cp = await startControlPlane();
    expect((await cp.kubectl(['create', 'namespace', NS])).code).toBe(0);
    dir = await mkdtemp(join(tmpdir(), 'koder-discovery-'));
    const secretFile = join(dir, 'peer-secret');
    await writeFile(secretFile, 'a-long-peer-secret-for-tests\n');
    storage = await startGrpcCapture();
    peerPorts = await publishedPorts(3);
    for (let i = 0; i < 3; i++) await apply(slice(i, peerPorts[i] as number, true));
    for (let i = 0; i < 3; i++)
      replicas.push(
        await startIngesterProcess(
          {
            tenants: [tenant],
            defaultLimits: { spansPerSecond: 1e6, burst: 1e6 },
            exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 20 },
            cluster: {
              discovery: { service: SERVICE, namespace: NS, kubeconfig: cp.kubeconfigPath },
              port: peerPorts[i],
              secretFile,
            },
          },
          { host: '0.0.0.0', env: { POD_NAME: `ingester-${i}` } },
        ),
      );
  }, 120_000);
  afterAll(async () => {
    for (const r of replicas) await r.stop();
    await storage?.close();
    await cp?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('routes whole traces among the replicas the slices list', async () => {
    for (const r of replicas) expect(await peers(r, '1')).toBe(3);
    const traces = makeTraces(150, { seed: 7, errorRate: 0.1, maxChildren: 5 });
    await sendScattered(traces, replicas, 7);
    await expectWhole(traces);
    for (const r of replicas) {
      expect(await r.metric('koder_ingester_forwarded_spans_total', { result: 'ok' })).toBeGreaterThan(0);
      expect(await r.metric('koder_ingester_peer_received_spans_total')).toBeGreaterThan(0);
    }
  });

  it('follows the slices: a replica no longer ready gets no more traces', async () => {
    const [r0, r1, r2] = replicas as [RunningIngester, RunningIngester, RunningIngester];
    await apply(slice(2, peerPorts[2] as number, false));
    await until('the replicas see two peers', async () =>
      (await peers(r0, '1')) === 2 && (await peers(r1, '1')) === 2 && (await peers(r2, '0')) === 2
        ? true
        : undefined,
    );
    const toR2 = async () =>
      (await r0.metric('koder_ingester_forwarded_spans_total', { peer: 'ingester-2', result: 'ok' })) +
      (await r1.metric('koder_ingester_forwarded_spans_total', { peer: 'ingester-2', result: 'ok' }));
    const before = await toR2();
    const traces = makeTraces(100, { seed: 8, errorRate: 0.1, maxChildren: 5 });
    await sendScattered(traces, [r0, r1], 8);
    await expectWhole(traces);
    expect(await toR2()).toBe(before);
  });
});

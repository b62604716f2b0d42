// Decisions move with trace ownership: a trace kept whole by its owner (it had an error), then a new
// replica joins and owns that trace id. A late span of the trace, arriving after the change, is kept
// at the new owner because the old one handed it the decision — not decided again on its own (no
// error: with this policy it would be dropped, and the kept trace would miss it).
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import { createRing, len, request, span, uint } from '@koder-trace/ingester/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GrpcCapture } from '../harness/grpc-capture.ts';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { postOtlp } from '../harness/otlp-raw.ts';
import { type PeerReplicas, peerReplicas } from '../harness/peer-replicas.ts';
import { stored } from '../harness/stored-traces.ts';
import { until } from '../harness/wait.ts';

const TOKEN = 'token-shop';
const tenant = {
  id: 'shop',
  tokenSha256: [sha256Hex(TOKEN)],
  // Nothing kept but errors (and ratings): a late span without an error, decided alone, is dropped.
  sampling: { defaultProbability: 0, keepErrors: true, trace: { quietMs: 300, maxAgeMs: 3000 } },
};

describe('decisions handed over when trace ownership moves', () => {
  let peers: PeerReplicas;
  let storage: GrpcCapture;
  const replicas: RunningIngester[] = [];
  let config: PeerReplicas['config'];
  beforeAll(async () => {
    peers = await peerReplicas(tenant, 4);
    ({ storage, config } = peers);
    // r0–r2 share trace ids; r3 starts with the four-replica list and joins the others later.
    for (let i = 0; i < 3; i++) replicas.push(await startIngesterProcess(config(i, 3)));
    replicas.push(await startIngesterProcess(config(3, 4)));
  });
  afterAll(async () => {
    for (const r of replicas) await r.stop();
    await peers?.close();
  });

  it("keeps a kept trace's late span at its new owner", async () => {
    const [r0, r1, , r3] = replicas as [RunningIngester, RunningIngester, RunningIngester, RunningIngester];
    // A trace id r0 owns among three replicas and r3 owns among four.
    const three = createRing(['r0', 'r1', 'r2']);
    const four = createRing(['r0', 'r1', 'r2', 'r3']);
    let traceId = randomBytes(16);
    while (three.ownerOf(traceId) !== 0 || four.ownerOf(traceId) !== 3) traceId = randomBytes(16);
    const hex = traceId.toString('hex');
    const root = randomBytes(8);
    const failing = span({ trace: traceId, name: 'execute_tool refund' }, len(4, root), len(15, uint(3, 2)));
    const rootSpan = span({ trace: traceId, span: root, name: 'POST /refund' });
    expect((await postOtlp(r0.httpUrl, request([failing, rootSpan]), 'proto', TOKEN)).status).toBe(200);
    await until('the trace kept whole by r0', () =>
      stored(storage).get(hex)?.size === 2 ? true : undefined,
    );

    // r3 joins: the others read the four-replica list; r0 hands its decision for the trace to r3.
    for (let i = 0; i < 3; i++) await (replicas[i] as RunningIngester).writeConfig(config(i, 4));
    await until(
      'the decision handed to r3',
      async () => ((await r3.metric('koder_ingester_decisions_adopted_total')) > 0 ? true : undefined),
      15_000,
    );
    expect(await r0.metric('koder_ingester_decisions_handed_total', { result: 'ok' })).toBeGreaterThan(0);

    // A late span (no error), sent to r1, goes to r3, which keeps it with the trace.
    const late = span({ trace: traceId, name: 'execute_tool notify' }, len(4, root));
    expect((await postOtlp(r1.httpUrl, request([late]), 'proto', TOKEN)).status).toBe(200);
    await until('the late span stored with its trace', () =>
      stored(storage).get(hex)?.size === 3 ? true : undefined,
    );
  });
});

// A replica leaving the peers (SIGTERM: a scale-down, a rolling update) hands over what it holds to
// the replicas that own its traces without it: a trace still buffered there (its root not yet seen)
// moves whole and is decided with its later spans; a trace it kept has its decision moved, so a late
// span follows it. Decided alone, both late parts would be dropped by this policy (nothing kept but
// errors), and the stored traces would be split.
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
  sampling: { defaultProbability: 0, keepErrors: true, trace: { quietMs: 300, maxAgeMs: 60_000 } },
};

describe('a replica leaving the peers', () => {
  let peers: PeerReplicas;
  let storage: GrpcCapture;
  const replicas: RunningIngester[] = [];
  let config: PeerReplicas['config'];
  beforeAll(async () => {
    peers = await peerReplicas(tenant, 3);
    ({ storage, config } = peers);
    for (let i = 0; i < 3; i++) replicas.push(await startIngesterProcess(config(i, 3)));
  });
  afterAll(async () => {
    for (const r of replicas) await r.stop();
    await peers?.close();
  });

  it('hands its buffered traces and its decisions to their next owners', async () => {
    const [r0, r1, r2] = replicas as [RunningIngester, RunningIngester, RunningIngester];
    const ring = createRing(['r0', 'r1', 'r2']);
    const r2Owns = () => {
      let id = randomBytes(16);
      while (ring.ownerOf(id) !== 2) id = randomBytes(16);
      return id;
    };
    // Kept at r2 (an error), stored whole.
    const kept = r2Owns();
    const keptRoot = randomBytes(8);
    const failing = span({ trace: kept, name: 'execute_tool refund' }, len(4, keptRoot), len(15, uint(3, 2)));
    expect(
      (
        await postOtlp(
          r2.httpUrl,
          request([failing, span({ trace: kept, span: keptRoot, name: 'POST /refund' })]),
          'proto',
          TOKEN,
        )
      ).status,
    ).toBe(200);
    await until('the error trace kept whole at r2', () =>
      stored(storage).get(kept.toString('hex'))?.size === 2 ? true : undefined,
    );
    // Buffered at r2: a child span whose root (with the error) has not come yet.
    const open = r2Owns();
    const openRoot = randomBytes(8);
    const child = span({ trace: open, name: 'chat gpt-4o' }, len(4, openRoot));
    expect((await postOtlp(r2.httpUrl, request([child]), 'proto', TOKEN)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(stored(storage).get(open.toString('hex'))).toBeUndefined();

    await r2.stop(); // SIGTERM: hands over before it exits
    const handed =
      (await r0.metric('koder_ingester_decisions_adopted_total')) +
      (await r1.metric('koder_ingester_decisions_adopted_total'));
    expect(handed).toBeGreaterThan(0);
    // The others see r2 gone (in a cluster: its endpoint leaves the EndpointSlice).
    for (const [i, r] of [r0, r1].entries()) {
      await r.writeConfig(config(i, 2));
      await until(`r${i} with two peers`, async () =>
        (await r.metric('koder_ingester_peers')) === 2 ? true : undefined,
      );
    }

    // The late parts arrive at r0, which routes each to its owner among the two left.
    const late = span({ trace: kept, name: 'execute_tool notify' }, len(4, keptRoot));
    const openRootSpan = span({ trace: open, span: openRoot, name: 'POST /chat' }, len(15, uint(3, 2)));
    expect((await postOtlp(r0.httpUrl, request([late, openRootSpan]), 'proto', TOKEN)).status).toBe(200);
    await until('the late span stored with its kept trace', () =>
      stored(storage).get(kept.toString('hex'))?.size === 3 ? true : undefined,
    );
    await until('the buffered trace stored whole with its root', () =>
      stored(storage).get(open.toString('hex'))?.size === 2 ? true : undefined,
    );
  });
});

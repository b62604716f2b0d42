import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../config/schema.ts';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { request, span } from '../testing/otlp-builder.ts';
import type { Forwarder } from './forwarder.ts';
import { createRouter } from './router.ts';

describe('router', () => {
  it('settles a request only once every forward has, when one fails early', async () => {
    const peers = ['a', 'b', 'c'].map((id) => ({ id, endpoint: `${id}:4319` }));
    const cluster = { selfId: 'a', peers } as unknown as ClusterConfig;
    let open = () => {};
    const gate = new Promise<void>((r) => {
      open = r;
    });
    let cDone = false;
    const forwarder: Forwarder = {
      async forward(peer) {
        if (peer.id === 'b') throw new Error('b is down');
        await gate; // c's batch waits for its send, still viewing the request's bytes
        cDone = true;
      },
      handDecisions: async () => {},
      close() {},
    };
    const router = createRouter({ cluster: () => cluster, forwarder });
    const batch = decodeTraceRequest(
      request(Array.from({ length: 60 }, () => span({ trace: randomBytes(16) }))),
    );
    const { forwarded } = router.route('t', batch);
    let settled = false;
    forwarded.then(
      () => {},
      () => {
        settled = true;
      },
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    open();
    await expect(forwarded).rejects.toThrow('b is down');
    expect(cDone).toBe(true);
  });
});

// Request bodies (OTLP/HTTP) and messages (OTLP/gRPC) are read into pooled buffers, which go back to the pool once nothing reads them. With
// storage down, accepted spans wait in the export queue as views of their requests' bytes while more
// requests arrive; every span must still reach storage exactly as it was sent. The harness has the
// ingester poison each buffer it gets back, so a body returned too early arrives damaged.
import { status } from '@grpc/grpc-js';
import { getAttribute } from '@koder-trace/ingester/otlp';
import { attribute, request, span, str } from '@koder-trace/ingester/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GrpcCapture, startGrpcCapture, takeSpans } from '../harness/grpc-capture.ts';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { grpcChannel } from '../harness/otlp-raw.ts';
import { until } from '../harness/wait.ts';

const REQUESTS = 16;
const SPANS = 40;
/** A distinct 8 KB payload per span: a request is ~330 KB, read in several chunks (so pooled). */
const payload = (r: string, s: number) =>
  `${r}:${s}:`.padEnd(8000, String.fromCharCode(97 + ((r.length * 7 + s) % 26)));
const body = (r: string) =>
  request(
    Array.from({ length: SPANS }, (_, s) =>
      span({ name: `${r}-s${s}` }, attribute('app.payload', str(payload(r, s)))),
    ),
  );

describe('pooled request bodies', () => {
  let storage: GrpcCapture;
  let ing: RunningIngester;
  beforeAll(async () => {
    storage = await startGrpcCapture();
    ing = await startIngesterProcess({
      auth: 'none',
      exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 5, retryInitialMs: 20, retryMaxMs: 200 },
    });
  });
  afterAll(async () => {
    await ing?.stop();
    await storage?.close();
  });

  it.each(['http', 'grpc'] as const)(
    'delivers every span as sent over %s, after waiting in the queue while later requests came in',
    async (transport) => {
      storage.failures.splice(0);
      storage.failWith = status.UNAVAILABLE;
      const channel = grpcChannel(ing.grpcEndpoint);
      const send = async (r: string) => {
        if (transport === 'grpc') {
          expect(await channel.export(body(r))).toBeNull();
          return;
        }
        const res = await fetch(`${ing.httpUrl}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body: body(r),
        });
        expect(res.status).toBe(200);
      };
      const name = (r: number) => `${transport}${r}`;
      try {
        for (let wave = 0; wave < REQUESTS; wave += 8)
          await Promise.all(Array.from({ length: 8 }, (_, i) => send(name(wave + i))));
      } finally {
        channel.close();
      }
      await until('storage asked', () => storage.failures.length > 0);
      storage.failWith = undefined;

      const delivered = new Map<string, unknown>();
      await until('every span delivered', () => {
        for (const sp of takeSpans(storage))
          if (sp.name.startsWith(transport))
            delivered.set(sp.name, getAttribute(sp.attributes, 'app.payload'));
        return delivered.size >= REQUESTS * SPANS;
      });
      expect(delivered.size).toBe(REQUESTS * SPANS);
      for (let r = 0; r < REQUESTS; r++)
        for (let s = 0; s < SPANS; s++) expect(delivered.get(`${name(r)}-s${s}`)).toBe(payload(name(r), s));
    },
  );
});

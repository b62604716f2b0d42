// Our sampler against the reference: the OpenTelemetry Collector's probabilistic_sampler in
// `equalizing` mode implements the same spec. Fed the same 2,000 traces, both must keep exactly the
// same ones and record the same threshold.

import { sha256Hex } from '@koder-trace/ingester/tenants';
import { sdkProtobuf } from '@koder-trace/ingester/testing';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { type Collector, startCollector } from '../harness/otelcol.ts';
import { requireBinaries, suiteTitle } from '../harness/testbin.ts';

const bins = requireBinaries('otelcol');
const TRACES = 2000;

async function traces() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sampling-ref' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('ref');
  for (let i = 0; i < TRACES; i++) tracer.startSpan(`op-${i}`).end();
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

describe.skipIf(!bins.ok)(
  suiteTitle('sampling agrees with the reference collector (equalizing mode)', bins),
  () => {
    let reference: Collector; // samples itself
    let storage: Collector; // receives what our ingester kept
    let ing: RunningIngester;
    beforeAll(async () => {
      reference = await startCollector({
        processors: {
          probabilistic_sampler: { mode: 'equalizing', sampling_percentage: 10, sampling_precision: 14 },
        },
      });
      storage = await startCollector();
      ing = await startIngesterProcess({
        exporter: { endpoint: storage.grpcEndpoint, maxBatchDelayMs: 10 },
        defaultLimits: { spansPerSecond: 100_000, burst: 100_000 },
        tenants: [
          {
            id: 'ref',
            tokenSha256: [sha256Hex('test')],
            sampling: { defaultProbability: 0.1, mode: 'head' },
          },
        ],
      });
    });
    afterAll(async () => {
      await ing?.stop();
      await storage?.stop();
      await reference?.stop();
    });

    it('keeps exactly the traces the collector keeps, with the same th', async () => {
      const body = sdkProtobuf(await traces());
      const post = (url: string, headers: Record<string, string> = {}) =>
        fetch(`${url}/v1/traces`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/x-protobuf', ...headers },
        });
      expect((await post(reference.httpEndpoint)).status).toBe(200);
      expect((await post(ing.httpUrl, { authorization: 'Bearer test' })).status).toBe(200);

      const settle = async (c: Collector) => {
        let last = -1;
        while (c.received.spans().length !== last) {
          last = c.received.spans().length;
          await new Promise((r) => setTimeout(r, 500));
        }
        return c.received.spans();
      };
      const theirs = await settle(reference);
      const ours = await settle(storage);
      // 10% of 2,000 within 5 standard deviations (±67).
      expect(Math.abs(theirs.length - 200)).toBeLessThan(67);
      expect(new Set(ours.map((s) => s.traceId))).toEqual(new Set(theirs.map((s) => s.traceId)));
      const th = (ts: string | undefined) => /th:([0-9a-f]+)/.exec(ts ?? '')?.[1];
      expect(new Set(ours.map((s) => th(s.traceState)))).toEqual(
        new Set(theirs.map((s) => th(s.traceState))),
      );
    });
  },
);

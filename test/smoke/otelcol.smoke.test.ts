// Proves telemetrygen and the reference collector work together: every span telemetrygen sends is
// received by the collector and forwarded on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Collector, startCollector } from '../harness/otelcol.ts';
import { attribute } from '../harness/otlp-capture.ts';
import { telemetrygenTraces } from '../harness/telemetrygen.ts';
import { requireBinaries, suiteTitle } from '../harness/testbin.ts';

const bins = requireBinaries('otelcol', 'telemetrygen');

describe.skipIf(!bins.ok)(suiteTitle('telemetrygen → otelcol', bins), () => {
  let col: Collector;
  beforeAll(async () => {
    col = await startCollector();
  });
  afterAll(async () => {
    await col?.stop();
  });

  it('receives and forwards every span sent over OTLP/gRPC', async () => {
    // 20 traces × (1 parent + 4 children) = 100 spans.
    await telemetrygenTraces({
      endpoint: col.grpcEndpoint,
      traces: 20,
      childSpans: 4,
      serviceName: 'smoke-grpc',
    });
    const spans = await col.received.waitForSpans(100);
    expect(spans).toHaveLength(100);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(20);
    const services = col.received.exports.flatMap((e) =>
      e.resourceSpans.map((rs) => attribute(rs.resource?.attributes, 'service.name')),
    );
    expect(new Set(services)).toEqual(new Set(['smoke-grpc']));
    expect(await col.metric('otelcol_receiver_accepted_spans')).toBe(100);
  });

  it('receives spans sent over OTLP/HTTP', async () => {
    const before = col.received.spans().length;
    await telemetrygenTraces({ endpoint: col.httpEndpoint.replace('http://', ''), http: true, traces: 5 });
    const spans = await col.received.waitForSpans(before + 10);
    expect(spans.length).toBe(before + 10);
  });
});

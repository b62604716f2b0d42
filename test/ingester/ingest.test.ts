// The data path end to end with real programs: stock OTel SDK exporters and telemetrygen send to the
// ingester process, which exports to the reference collector standing in for Tempo's distributor.

import { decodeTraceRequest, getAttribute } from '@koder-trace/ingester/otlp';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import { agentSpans, sdkProtobuf } from '@koder-trace/ingester/testing';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GrpcCapture, startGrpcCapture } from '../harness/grpc-capture.ts';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { exportSpans, type Protocol, sdkExporter } from '../harness/otel-sdk.ts';
import { type Collector, startCollector } from '../harness/otelcol.ts';
import { attribute } from '../harness/otlp-capture.ts';
import { telemetrygenTraces } from '../harness/telemetrygen.ts';
import { requireBinaries, suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const bins = requireBinaries('otelcol', 'telemetrygen');

const tenants = [
  { id: 'team-a', tokenSha256: [sha256Hex('token-a')] },
  // Per-span (head) sampling: only error spans are kept. Whole-trace sampling: test/ingester/trace-sampling.test.ts.
  { id: 'team-b', tokenSha256: [sha256Hex('token-b')], sampling: { defaultProbability: 0, mode: 'head' } },
];

describe.skipIf(!bins.ok)(suiteTitle('ingester → collector (real clients)', bins), () => {
  let col: Collector;
  let ing: RunningIngester;
  beforeAll(async () => {
    col = await startCollector();
    ing = await startIngesterProcess({
      tenants,
      exporter: { endpoint: col.grpcEndpoint, maxBatchDelayMs: 20 },
    });
  });
  afterAll(async () => {
    await ing?.stop();
    await col?.stop();
  });
  const endpoint = () => ({ grpc: ing.grpcEndpoint, http: ing.httpUrl });

  it.each<Protocol>(['grpc', 'http/protobuf', 'http/json'])(
    'accepts the SDK %s exporter and delivers every span',
    async (protocol) => {
      const spans = await agentSpans(`svc-${protocol}`);
      const before = col.received.spans().length;
      expect(await exportSpans(sdkExporter(protocol, endpoint(), 'token-a'), spans)).toEqual({ ok: true });
      const got = await col.received.waitForSpans(before + spans.length);
      expect(got.length).toBe(before + spans.length);
      const rs = col.received.exports.flatMap((e) => e.resourceSpans);
      const mine = rs.filter((r) => attribute(r.resource?.attributes, 'service.name') === `svc-${protocol}`);
      expect(mine.length).toBeGreaterThan(0);
      for (const r of mine) expect(attribute(r.resource?.attributes, 'koder.tenant')).toBe('team-a');
      const names = mine.flatMap((r) =>
        (r.scopeSpans ?? []).flatMap((s) => (s.spans ?? []).map((x) => x.name)),
      );
      expect(names.sort()).toEqual(spans.map((s) => s.name).sort());
    },
  );

  it('accepts telemetrygen over gRPC and HTTP', async () => {
    const before = col.received.spans().length;
    const headers = { Authorization: 'Bearer token-a' };
    await telemetrygenTraces({
      endpoint: ing.grpcEndpoint,
      traces: 50,
      childSpans: 1,
      headers,
      serviceName: 'tg-grpc',
    });
    await telemetrygenTraces({
      endpoint: ing.httpUrl.replace('http://', ''),
      http: true,
      traces: 25,
      headers,
      serviceName: 'tg-http',
    });
    await col.received.waitForSpans(before + 150);
    expect(col.received.spans().length).toBe(before + 150);
  });

  it('shows sampled-out spans as dropped by sampling, not lost', async () => {
    const spans = await agentSpans('svc-sampled');
    const before = col.received.spans().length;
    expect(await exportSpans(sdkExporter('grpc', endpoint(), 'token-b'), spans)).toEqual({ ok: true });
    // team-b samples at 0: only the error span (execute_tool) is kept.
    const got = await col.received.waitForSpans(before + 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(col.received.spans().length).toBe(before + 1);
    expect(got.at(-1)?.name).toBe('execute_tool lookup_order');
    expect(await ing.metric('koder_ingester_spans_sampled_out_total', { tenant: 'team-b' })).toBe(
      spans.length - 1,
    );
    expect(await ing.metric('koder_ingester_spans_kept_errors_total', { tenant: 'team-b' })).toBe(1);
  });
});

/** An LLM span as the OpenInference openai instrumentation records it. */
async function openInferenceSpan() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'svc-oi' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  provider
    .getTracer('openinference.instrumentation.openai')
    .startSpan('ChatCompletion', {
      attributes: {
        'openinference.span.kind': 'LLM',
        'llm.model_name': 'gpt-4o-mini',
        'llm.provider': 'openai',
        'llm.token_count.prompt': 321,
        'llm.token_count.completion': 12,
        'llm.token_count.total': 333,
        'llm.input_messages.0.message.role': 'user',
        'llm.input_messages.0.message.content': 'Summarise this ticket',
        'llm.prompt_template.version': 'v2',
      },
    })
    .end();
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

describe.skipIf(!bins.ok)(
  suiteTitle('ingester normalises GenAI shapes and counts usage before sampling', bins),
  () => {
    let col: Collector;
    let ing: RunningIngester;
    beforeAll(async () => {
      col = await startCollector();
      ing = await startIngesterProcess({
        tenants,
        exporter: { endpoint: col.grpcEndpoint, maxBatchDelayMs: 20 },
      });
    });
    afterAll(async () => {
      await ing?.stop();
      await col?.stop();
    });

    it('stores an OpenInference LLM span in the OTel GenAI shape', async () => {
      const exporter = sdkExporter('http/protobuf', { grpc: ing.grpcEndpoint, http: ing.httpUrl }, 'token-a');
      expect(await exportSpans(exporter, await openInferenceSpan())).toEqual({ ok: true });
      const [span] = await col.received.waitForSpans(1);
      const attrs = span?.attributes;
      expect(attribute(attrs, 'gen_ai.operation.name')).toBe('chat');
      expect(attribute(attrs, 'gen_ai.provider.name')).toBe('openai');
      expect(attribute(attrs, 'gen_ai.response.model')).toBe('gpt-4o-mini');
      expect(attribute(attrs, 'gen_ai.usage.input_tokens')).toBe('321'); // int64 as a JSON string
      expect(attribute(attrs, 'koder.prompt.version')).toBe('v2');
      expect(JSON.parse(String(attribute(attrs, 'gen_ai.input.messages')))).toEqual([
        { role: 'user', parts: [{ type: 'text', content: 'Summarise this ticket' }] },
      ]);
      expect(attribute(attrs, 'llm.token_count.total')).toBeUndefined();
    });

    it('counts tokens, spans and errors exactly even when sampling stores almost nothing', async () => {
      const exporter = sdkExporter('grpc', { grpc: ing.grpcEndpoint, http: ing.httpUrl }, 'token-b');
      for (let i = 0; i < 3; i++)
        expect(await exportSpans(exporter, await agentSpans('svc-usage'))).toEqual({ ok: true });
      const labels = { tenant: 'team-b', service: 'svc-usage', model: 'gpt-4o', prompt_version: 'v3' };
      expect(await ing.metric('koder_usage_tokens_total', { ...labels, type: 'input' })).toBe(3 * 1200);
      expect(await ing.metric('koder_usage_spans_total', { tenant: 'team-b', service: 'svc-usage' })).toBe(
        12,
      );
      expect(await ing.metric('koder_usage_traces_total', { tenant: 'team-b', service: 'svc-usage' })).toBe(
        3,
      );
      expect(await ing.metric('koder_usage_errors_total', { tenant: 'team-b', service: 'svc-usage' })).toBe(
        3,
      );
      expect(await ing.metric('koder_ingester_spans_sampled_out_total', { tenant: 'team-b' })).toBe(9);
    });
  },
);

describe('ingester → storage: X-Scope-OrgID per tenant', () => {
  let storage: GrpcCapture;
  let ing: RunningIngester;
  beforeAll(async () => {
    storage = await startGrpcCapture();
    ing = await startIngesterProcess({
      tenants,
      exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 20 },
    });
  });
  afterAll(async () => {
    await ing?.stop();
    await storage?.close();
  });

  it("sends each tenant's spans with that tenant's org id, never a client-supplied one", async () => {
    // The client claims another tenant in the very header Tempo reads; the token decides.
    const spans = await agentSpans('svc-org');
    const res = await fetch(`${ing.httpUrl}/v1/traces`, {
      method: 'POST',
      body: sdkProtobuf(spans),
      headers: {
        'content-type': 'application/x-protobuf',
        authorization: 'Bearer token-a',
        'x-scope-orgid': 'team-b',
      },
    });
    expect(res.status).toBe(200);
    await until('the spans sent with token-a to reach storage', () => storage.requests.length > 0);
    expect(storage.requests.map((r) => r.orgId)).toEqual(['team-a']);
    const batch = decodeTraceRequest(storage.requests[0]?.bytes ?? Buffer.alloc(0));
    expect(getAttribute(batch.resourceSpans[0]?.resource.attributes ?? [], 'koder.tenant')).toBe('team-a');
  });
});

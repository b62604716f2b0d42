// The pipeline under a full export queue: a refused request does no work past the check, is not
// counted in usage or sampling, and is counted once when it is sent again and accepted.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { IngestError } from '../errors.ts';
import { createExportQueue } from '../export/queue.ts';
import type { ExportResult, SpanSink } from '../export/sink.ts';
import { createMetrics, type Metrics } from '../metrics.ts';
import type { TraceBatch } from '../otlp/model.ts';
import { buildRegistry } from '../tenants/registry.ts';
import { testSpan } from '../testing/spans.ts';
import { createPipeline } from './pipeline.ts';

const config = (sampling: string, rate = '{ spansPerSecond: 1000000000, burst: 1000000000 }') => `
defaultLimits: { spansPerSecond: 1000000000, burst: 1000000000 }
exporter: { queueMaxSpans: 4, maxBatchDelayMs: 1 }
tenants:
  - id: shop
    tokenSha256: []
    limits: ${rate}
    sampling: ${sampling}
`;

const chat = () =>
  testSpan({
    traceId: randomBytes(16),
    attributes: [
      { key: 'gen_ai.operation.name', value: 'chat' },
      { key: 'gen_ai.request.model', value: 'gpt-4o' },
      { key: 'gen_ai.usage.input_tokens', value: 10n },
    ],
  });
const batchOf = (n: number): TraceBatch => ({
  resourceSpans: [
    {
      resource: {
        attributes: [{ key: 'service.name', value: 'svc' }],
        droppedAttributesCount: 0,
        unknown: [],
      },
      scopeSpans: [
        {
          scope: { raw: null, name: 's', version: '' },
          spans: Array.from({ length: n }, chat),
          schemaUrl: '',
        },
      ],
      schemaUrl: '',
    },
  ],
});

async function total(m: Metrics, name: string): Promise<number> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return ((metric?.values ?? []) as { value: number }[]).reduce((n, x) => n + x.value, 0);
}

/** A pipeline whose storage holds every export until `open()`. */
function rig(sampling: string, rate?: string) {
  const parsed = parseConfig(config(sampling, rate));
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const metrics = createMetrics();
  let open = () => {};
  const gate = new Promise<void>((r) => {
    open = r;
  });
  const sink: SpanSink = {
    export: async (): Promise<ExportResult> => {
      await gate;
      return { kind: 'success' };
    },
    close: async () => {},
  };
  const queue = createExportQueue({
    sink,
    config: parsed.config.exporter,
    metrics,
    tenantCount: () => 1,
    log: pino({ level: 'silent' }),
  });
  const tenant = buildRegistry(parsed.config, undefined, Date.now()).tenants.get('shop');
  if (!tenant) throw new Error('no tenant');
  const pipeline = createPipeline({ queue, metrics });
  return { push: (b: TraceBatch) => pipeline.push(tenant, b, 1000), metrics, queue, open: () => open() };
}

describe('pipeline under a full queue', () => {
  it('refuses with back-pressure and counts usage only for what it accepted', async () => {
    const r = rig('{ defaultProbability: 1 }');
    await r.push(batchOf(3));
    const refused = await r.push(batchOf(2)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IngestError);
    expect((refused as IngestError).code).toBe('QUEUE_FULL');
    expect((refused as IngestError).retryAfterMs).toBeGreaterThan(0);
    expect(await total(r.metrics, 'koder_usage_spans_total')).toBe(3);
    expect(await total(r.metrics, 'koder_usage_tokens_total')).toBe(30);
    expect(await total(r.metrics, 'koder_ingester_spans_rejected_total')).toBe(2);
    // Storage catches up; the client sends the refused request again: counted once.
    r.open();
    await expect.poll(() => r.queue.depth).toBe(0);
    await r.push(batchOf(2));
    expect(await total(r.metrics, 'koder_usage_spans_total')).toBe(5);
    expect(await total(r.metrics, 'koder_usage_tokens_total')).toBe(50);
  });

  it('refuses a request before normalising it when the queue has no room at all', async () => {
    const r = rig('{ defaultProbability: 1 }');
    await r.push(batchOf(4));
    const b = batchOf(1);
    const span = b.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    // An OpenLLMetry key normalisation would rename: still there after the refusal.
    span?.attributes.push({ key: 'gen_ai.usage.prompt_tokens', value: 3n });
    await expect(r.push(b)).rejects.toThrow(IngestError);
    expect(span?.attributes.some((a) => a.key === 'gen_ai.usage.prompt_tokens')).toBe(true);
  });

  it('gives back the rate a refused request was charged, so its retry is not rate limited', async () => {
    // 5 spans of burst, refilled at 1 a second: the test is over long before a token comes back.
    const r = rig('{ defaultProbability: 1 }', '{ spansPerSecond: 1, burst: 5 }');
    await r.push(batchOf(3));
    await expect(r.push(batchOf(2))).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    r.open();
    await expect.poll(() => r.queue.depth).toBe(0);
    await r.push(batchOf(2));
    await expect(r.push(batchOf(1))).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('does not count sampled-out spans of a refused request', async () => {
    const r = rig('{ defaultProbability: 0.5 }');
    for (let i = 0; i < 200 && r.queue.depth < 4; i++) await r.push(batchOf(1));
    expect(r.queue.depth).toBe(4);
    const before = await total(r.metrics, 'koder_ingester_spans_sampled_out_total');
    await r.push(batchOf(64)).catch(() => {});
    expect(await total(r.metrics, 'koder_ingester_spans_sampled_out_total')).toBe(before);
  });
});

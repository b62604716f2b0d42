// Cost as the API answers it: a model without a price is null with the reason, never $0, and totals
// say when they are partial — in the trace detail and the overlay.
import type { Attribute, Span } from '@koder-trace/ingester/otlp';
import { testSpan } from '@koder-trace/ingester/testing';
import { describe, expect, it } from 'vitest';
import { costMetricsText } from '../cost/cost-metrics.ts';
import { DEFAULT_PRICES } from '../cost/prices.ts';
import { spanRow } from '../store/span-row.ts';
import { promptOverlay } from './overlay.ts';
import { traceView } from './trace-view.ts';

const span = (id: number, parent: number, attributes: Attribute[]): Span =>
  testSpan({
    spanId: new Uint8Array(8).fill(id),
    parentSpanId: parent ? new Uint8Array(8).fill(parent) : new Uint8Array(0),
    startTimeUnixNano: 1_000_000_000n + BigInt(id),
    endTimeUnixNano: 2_000_000_000n,
    attributes,
  });
const call = (id: number, model: string, input: bigint, output: bigint): Span =>
  span(id, 1, [
    { key: 'gen_ai.operation.name', value: 'chat' },
    { key: 'gen_ai.provider.name', value: 'openai' },
    { key: 'gen_ai.request.model', value: model },
    { key: 'gen_ai.usage.input_tokens', value: input },
    { key: 'gen_ai.usage.output_tokens', value: output },
    { key: 'koder.prompt.id', value: 'p' },
    { key: 'koder.prompt.version', value: 'v1' },
  ]);
const rows = (...spans: Span[]) => spans.map((s) => spanRow('t', { 'service.name': 'a' }, s));

describe('honest cost', () => {
  it('a model without a price: cost null with the reason, totals partial', () => {
    const v = JSON.parse(
      traceView(
        'ab'.repeat(16),
        rows(span(1, 0, []), call(2, 'gpt-4o', 1_000n, 100n), call(3, 'gpt-9-turbo', 100_000n, 50_000n)),
        DEFAULT_PRICES,
      ).text,
    );
    // gpt-4o: 1,000 × $2.50 + 100 × $10 per 1M.
    expect(v.totals.costUsd).toBeCloseTo(0.0035, 12);
    expect(v.totals.costPartial).toBe(true);
    expect(v.totals.costUnknown).toEqual(['price unknown for openai/gpt-9-turbo']);
    expect(v.totals.inputTokens).toBe(101_000);
    const unknown = v.spans.find((s: { spanId: string }) => s.spanId === '03'.repeat(8));
    expect(unknown.costUsd).toBeNull();
    expect(unknown.costUnknown).toBe('price unknown for openai/gpt-9-turbo');
    const root = v.spans.find((s: { spanId: string }) => s.spanId === '01'.repeat(8));
    expect(root.costUsd).toBeNull();
    expect(root.costUnknown).toBeUndefined(); // not a model call: no cost, nothing unknown
  });

  it('counts unpriced calls by provider in koder_query_unpriced_calls_total', () => {
    const count = () =>
      Number(/koder_query_unpriced_calls_total\{provider="x_ai"\} (\d+)/.exec(costMetricsText())?.[1] ?? 0);
    const before = count();
    const grok = span(2, 1, [
      { key: 'gen_ai.operation.name', value: 'chat' },
      { key: 'gen_ai.provider.name', value: 'x_ai' },
      { key: 'gen_ai.request.model', value: 'grok-99' },
      { key: 'gen_ai.usage.input_tokens', value: 10n },
    ]);
    traceView('ab'.repeat(16), rows(span(1, 0, []), grok), DEFAULT_PRICES);
    expect(count()).toBe(before + 1);
    expect(costMetricsText()).toMatch(/^# TYPE koder_query_unpriced_calls_total counter$/m);
  });

  it('only unpriced calls: null, not $0; no model calls: $0 and whole', () => {
    const only = JSON.parse(
      traceView('ab'.repeat(16), rows(call(2, 'gpt-9', 150_000n, 0n)), DEFAULT_PRICES).text,
    );
    expect(only.totals).toMatchObject({ costUsd: null, costPartial: true });
    const none = JSON.parse(traceView('ab'.repeat(16), rows(span(1, 0, [])), DEFAULT_PRICES).text);
    expect(none.totals).toMatchObject({ costUsd: 0, costPartial: false, costUnknown: [] });
  });

  it('the overlay says so per version', () => {
    const o = promptOverlay(
      'p',
      rows(call(2, 'gpt-4o', 1_000n, 100n), call(3, 'gpt-9', 10n, 10n)),
      DEFAULT_PRICES,
      0n,
      3_000_000_000n,
      1,
    );
    expect(o.versions[0]).toMatchObject({
      costPartial: true,
      costUnknown: ['price unknown for openai/gpt-9'],
    });
    expect(o.versions[0]?.costUsd).toBeCloseTo(0.0035, 12);
  });
});

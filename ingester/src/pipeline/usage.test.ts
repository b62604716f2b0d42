// Usage counts: exact totals, and client-controlled label values bounded per tenant.
import { describe, expect, it } from 'vitest';
import { capLabelValue, createMetrics, MAX_LABEL_VALUE_CHARS, type Metrics } from '../metrics.ts';
import type { Attribute, ResourceSpans, Span, TraceBatch } from '../otlp/model.ts';
import { testSpan } from '../testing/spans.ts';
import { countLedgerTokens, countUsage } from './usage.ts';

const resource = (service: string, spans: Span[]): ResourceSpans => ({
  resource: { attributes: [{ key: 'service.name', value: service }], droppedAttributesCount: 0, unknown: [] },
  scopeSpans: [{ scope: { raw: null, name: 's', version: '' }, spans, schemaUrl: '' }],
  schemaUrl: '',
});
const chat = (model: string, version: string, inputTokens = 10n): Span => {
  const attributes: Attribute[] = [
    { key: 'gen_ai.operation.name', value: 'chat' },
    { key: 'gen_ai.request.model', value: model },
    { key: 'gen_ai.usage.input_tokens', value: inputTokens },
  ];
  if (version) attributes.push({ key: 'koder.prompt.version', value: version });
  return testSpan({ attributes });
};
const batch = (...resourceSpans: ResourceSpans[]): TraceBatch => ({ resourceSpans });

interface Sample {
  labels: Record<string, string | number>;
  value: number;
}
async function samples(m: Metrics, name: string): Promise<Sample[]> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (metric?.values ?? []) as Sample[];
}
const total = (s: Sample[]) => s.reduce((n, x) => n + x.value, 0);
const distinct = (s: Sample[], label: string) => new Set(s.map((x) => x.labels[label]));

describe('countUsage', () => {
  it('counts spans, traces, errors and tokens per service, model and prompt version', async () => {
    const m = createMetrics();
    const err = testSpan({ status: { code: 2, message: 'x' }, parentSpanId: new Uint8Array(8).fill(3) });
    countUsage(batch(resource('a', [chat('gpt-4o', 'v1', 5n), chat('gpt-4o', 'v1', 7n), err])), 't', m);
    const spans = await samples(m, 'koder_usage_spans_total');
    expect(spans).toContainEqual({
      labels: { tenant: 't', service: 'a', model: 'gpt-4o', prompt_version: 'v1' },
      value: 2,
    });
    expect(spans).toContainEqual({
      labels: { tenant: 't', service: 'a', model: '', prompt_version: '' },
      value: 1,
    });
    expect(total(await samples(m, 'koder_usage_traces_total'))).toBe(2);
    expect(total(await samples(m, 'koder_usage_errors_total'))).toBe(1);
    expect(await samples(m, 'koder_usage_tokens_total')).toEqual([
      {
        labels: { tenant: 't', service: 'a', model: 'gpt-4o', prompt_version: 'v1', type: 'input' },
        value: 12,
      },
    ]);
    expect(await samples(m, 'koder_usage_label_values_overflowed_total')).toEqual([]);
  });

  it('keeps the first maxLabelValues services per tenant and counts the rest, exactly, as other', async () => {
    const m = createMetrics({ maxLabelValues: () => 10 });
    for (let i = 0; i < 1000; i++) {
      countUsage(batch(resource(`svc-${i}`, [testSpan(), testSpan()])), 'a', m);
    }
    countUsage(batch(resource('svc-3', [testSpan()])), 'a', m); // a kept value stays itself
    const spans = await samples(m, 'koder_usage_spans_total');
    expect(spans).toHaveLength(11);
    expect(distinct(spans, 'service')).toEqual(
      new Set([...Array.from({ length: 10 }, (_, i) => `svc-${i}`), 'other']),
    );
    expect(total(spans)).toBe(2001);
    expect(spans.find((s) => s.labels.service === 'other')?.value).toBe(1980);
    expect(spans.find((s) => s.labels.service === 'svc-3')?.value).toBe(3);
    expect(await samples(m, 'koder_usage_label_values_overflowed_total')).toEqual([
      { labels: { tenant: 'a', label: 'service' }, value: 1980 },
    ]);
  });

  it('gives each tenant its own budget', async () => {
    const m = createMetrics({ maxLabelValues: () => 2 });
    for (const t of ['a', 'b']) {
      countUsage(
        batch(resource('x', [testSpan()]), resource('y', [testSpan()]), resource('z', [testSpan()])),
        t,
        m,
      );
    }
    const spans = await samples(m, 'koder_usage_spans_total');
    for (const t of ['a', 'b']) {
      expect(
        distinct(
          spans.filter((s) => s.labels.tenant === t),
          'service',
        ),
      ).toEqual(new Set(['x', 'y', 'other']));
    }
  });

  it('bounds model and prompt version too, tokens included, within one batch', async () => {
    const m = createMetrics({ maxLabelValues: () => 3 });
    const spans = Array.from({ length: 50 }, (_, i) => chat(`model-${i}`, `v${i}`, 1n));
    countUsage(batch(resource('svc', spans)), 't', m);
    const counted = await samples(m, 'koder_usage_spans_total');
    expect(distinct(counted, 'model')).toEqual(new Set(['model-0', 'model-1', 'model-2', 'other']));
    expect(distinct(counted, 'prompt_version')).toEqual(new Set(['v0', 'v1', 'v2', 'other']));
    expect(total(counted)).toBe(50);
    expect(total(await samples(m, 'koder_usage_tokens_total'))).toBe(50);
    const over = await samples(m, 'koder_usage_label_values_overflowed_total');
    expect(over).toContainEqual({ labels: { tenant: 't', label: 'model' }, value: 47 });
    expect(over).toContainEqual({ labels: { tenant: 't', label: 'prompt_version' }, value: 47 });
  });

  it('never spends the budget on the empty value or on resources without spans', async () => {
    const m = createMetrics({ maxLabelValues: () => 1 });
    countUsage(batch(resource('ghost', []), resource('real', [testSpan(), chat('m', '')])), 't', m);
    const counted = await samples(m, 'koder_usage_spans_total');
    expect(distinct(counted, 'service')).toEqual(new Set(['real']));
    expect(distinct(counted, 'model')).toEqual(new Set(['', 'm']));
    expect(distinct(counted, 'prompt_version')).toEqual(new Set(['']));
  });

  it('follows the limit in force: raising it admits new values, lowering it keeps those admitted', async () => {
    let max = 2;
    const m = createMetrics({ maxLabelValues: () => max });
    const send = (s: string) => countUsage(batch(resource(s, [testSpan()])), 't', m);
    for (const s of ['a', 'b', 'c']) send(s);
    max = 3;
    send('d');
    send('e');
    max = 1;
    for (const s of ['a', 'b', 'd', 'f']) send(s);
    const counted = await samples(m, 'koder_usage_spans_total');
    const by = Object.fromEntries(counted.map((s) => [s.labels.service, s.value]));
    expect(by).toEqual({ a: 2, b: 2, d: 2, other: 3 });
  });

  it(`cuts label values to ${MAX_LABEL_VALUE_CHARS} characters`, async () => {
    const m = createMetrics();
    const long = 'x'.repeat(100_000);
    countUsage(batch(resource(long, [testSpan()]), resource(`${long}y`, [testSpan()])), 't', m);
    const counted = await samples(m, 'koder_usage_spans_total');
    expect(counted).toEqual([
      {
        labels: { tenant: 't', service: 'x'.repeat(MAX_LABEL_VALUE_CHARS), model: '', prompt_version: '' },
        value: 2,
      },
    ]);
    // Never between the halves of a surrogate pair.
    const emoji = `${'a'.repeat(MAX_LABEL_VALUE_CHARS - 1)}😀tail`;
    expect(capLabelValue(emoji)).toBe('a'.repeat(MAX_LABEL_VALUE_CHARS - 1));
    expect(capLabelValue('short')).toBe('short');
  });

  it('keeps /metrics small however many services clients invent', async () => {
    const m = createMetrics({ maxLabelValues: () => 50 });
    for (let i = 0; i < 20_000; i++)
      countUsage(batch(resource(`service-${i}-${'p'.repeat(64)}`, [testSpan()])), 't', m);
    const text = await m.registry.metrics();
    expect(text.length).toBeLessThan(64 * 1024);
    expect(total(await samples(m, 'koder_usage_spans_total'))).toBe(20_000);
  });
});

describe('countUsage and aggregate spans', () => {
  it("does not count an agent span's summed usage on top of its model calls", async () => {
    const m = createMetrics();
    const agent = testSpan({
      attributes: [
        { key: 'gen_ai.operation.name', value: 'invoke_agent' },
        { key: 'gen_ai.request.model', value: 'gpt-4o' },
        { key: 'gen_ai.usage.input_tokens', value: 12n }, // the sum of the two calls below
      ],
    });
    countUsage(batch(resource('a', [agent, chat('gpt-4o', '', 5n), chat('gpt-4o', '', 7n)])), 't', m);
    expect(total(await samples(m, 'koder_usage_tokens_total'))).toBe(12);
    expect(total(await samples(m, 'koder_usage_spans_total'))).toBe(3);
  });
});

describe('countLedgerTokens', () => {
  it('sums settled tokens per label set and admits labels to the same budget as countUsage', async () => {
    const m = createMetrics({ maxLabelValues: () => 1 });
    countUsage(batch(resource('a', [chat('gpt-4o', 'v1')])), 't', m, false);
    expect(await samples(m, 'koder_usage_tokens_total')).toEqual([]); // tokens left to the ledger
    countLedgerTokens(
      [
        { service: 'a', model: 'gpt-4o', promptVersion: 'v1', tokens: [['input', 10]] },
        {
          service: 'a',
          model: 'gpt-4o',
          promptVersion: 'v1',
          tokens: [
            ['input', 5],
            ['output', 2],
          ],
        },
        { service: 'b', model: 'o3', promptVersion: '', tokens: [['input', 7]] },
      ],
      't',
      m,
    );
    const tokens = await samples(m, 'koder_usage_tokens_total');
    expect(tokens).toContainEqual({
      labels: { tenant: 't', service: 'a', model: 'gpt-4o', prompt_version: 'v1', type: 'input' },
      value: 15,
    });
    expect(tokens).toContainEqual({
      labels: { tenant: 't', service: 'a', model: 'gpt-4o', prompt_version: 'v1', type: 'output' },
      value: 2,
    });
    // Past the budget of one value each: counted, exactly, as other.
    expect(tokens).toContainEqual({
      labels: { tenant: 't', service: 'other', model: 'other', prompt_version: '', type: 'input' },
      value: 7,
    });
    const over = await samples(m, 'koder_usage_label_values_overflowed_total');
    expect(total(over)).toBe(2);
  });
});

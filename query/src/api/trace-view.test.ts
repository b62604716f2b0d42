import type { Span } from '@koder-trace/ingester/otlp';
import { testSpan } from '@koder-trace/ingester/testing';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES } from '../cost/prices.ts';
import { spanRow } from '../store/span-row.ts';
import { criticalPath, traceView } from './trace-view.ts';

const pathSpan = (span_id: string, parent_span_id: string, end: number, rating: number | null = null) => ({
  span_id,
  parent_span_id,
  end_ns: BigInt(end),
  rating,
});

describe('criticalPath', () => {
  it('follows, from the root, the child that finished last', () => {
    // root ─┬─ llm1 (ends 40) ── tool (ends 35)
    //       └─ llm2 (ends 90) ─┬─ a (ends 60)
    //                          └─ b (ends 85)
    const rows = [
      pathSpan('root', '', 100),
      pathSpan('llm1', 'root', 40),
      pathSpan('tool', 'llm1', 35),
      pathSpan('llm2', 'root', 90),
      pathSpan('a', 'llm2', 60),
      pathSpan('b', 'llm2', 85),
      pathSpan('rating', 'b', 500, 1), // a later rating is not work
    ];
    expect(criticalPath(rows)).toEqual(['root', 'llm2', 'b']);
  });

  it('is empty without a root and survives cycles', () => {
    expect(criticalPath([pathSpan('x', 'missing', 1)])).toEqual([]);
    expect(criticalPath([pathSpan('r', '', 2), pathSpan('c', 'r', 1)])).toEqual(['r', 'c']);
  });
});

describe('traceView', () => {
  const span = (id: number, parent: number, attributes: Span['attributes']): Span =>
    testSpan({
      spanId: new Uint8Array(8).fill(id),
      parentSpanId: parent ? new Uint8Array(8).fill(parent) : new Uint8Array(0),
      flags: 1,
      name: `span "${id}"`,
      kind: 3,
      startTimeUnixNano: 1_000_000_000n + BigInt(id) * 1_000_000n,
      endTimeUnixNano: 1_005_000_000n + BigInt(id) * 1_000_000n,
      attributes,
    });
  const rows = [
    spanRow('t', { 'service.name': 'agent' }, span(1, 0, [{ key: 'app', value: 'x' }])),
    spanRow(
      't',
      { 'service.name': 'agent' },
      span(2, 1, [
        { key: 'gen_ai.operation.name', value: 'chat' },
        { key: 'gen_ai.provider.name', value: 'openai' },
        { key: 'gen_ai.request.model', value: 'gpt-4o' },
        { key: 'gen_ai.request.temperature', value: 0.2 },
        { key: 'gen_ai.usage.input_tokens', value: 1000n },
        { key: 'gen_ai.usage.output_tokens', value: 100n },
        {
          key: 'gen_ai.input.messages',
          value: '[{"role":"user","parts":[{"type":"text","content":"hi ✓"}]}]',
        },
      ]),
    ),
  ];

  it('answers JSON whose GenAI content is lifted out of the attributes', () => {
    const v = JSON.parse(traceView('01'.repeat(16), rows, DEFAULT_PRICES).text);
    expect(v.spanCount).toBe(2);
    expect(v.totals).toMatchObject({ inputTokens: 1000, outputTokens: 100, llmCalls: 1, toolCalls: 0 });
    expect(v.totals.costUsd).toBeGreaterThan(0);
    const chat = v.spans[1];
    expect(chat.name).toBe('span "2"');
    expect(chat.offsetMs).toBe(1);
    expect(chat.genAi.parameters).toEqual({ temperature: 0.2 });
    expect(chat.genAi.inputMessages[0].parts[0].content).toBe('hi ✓');
    expect(chat.attributes['gen_ai.input.messages']).toBeUndefined();
    expect(v.spans[0].genAi).toBeUndefined();
    expect(v.criticalPath).toEqual([v.spans[0].spanId, chat.spanId]);
  });

  it('answers the same for rows stored before the GenAI view was prepared at write time', () => {
    // Such rows kept the GenAI content among the attributes, and no view.
    const legacy = rows.map((r) => {
      const genAi = JSON.parse(`{${r.view}}`).genAi;
      const attrs = JSON.parse(r.attributes);
      if (genAi) attrs['gen_ai.input.messages'] = genAi.inputMessages;
      return { ...r, attributes: JSON.stringify(attrs), view: null };
    });
    expect(JSON.parse(traceView('x', legacy, DEFAULT_PRICES).text)).toEqual(
      JSON.parse(traceView('x', rows, DEFAULT_PRICES).text),
    );
  });
});

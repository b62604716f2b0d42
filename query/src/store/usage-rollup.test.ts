// The rollup rule (the usage rollup rule) end to end: aggregate spans over any set of leaf calls, arriving in
// any order and any batches, never change a trace's tokens, calls or cost — in the pure totals, the
// embedded store's search rows and cost, the trace detail and the prompt overlay.
import type { Attribute, Span, TraceBatch } from '@koder-trace/ingester/otlp';
import { testSpan } from '@koder-trace/ingester/testing';
import { rollups, type UsageNode, usageTotals } from '@koder-trace/ingester/usage-rollup';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { promptOverlay } from '../api/overlay.ts';
import { traceView } from '../api/trace-view.ts';
import { callCost, type PriceTable, priceFor } from '../cost/prices.ts';
import { spanRow } from './span-row.ts';
import { openEmbeddedStore } from './sqlite-store.ts';

const PRICES: PriceTable = {
  'openai/gpt-4o': { input: 2.5, cacheRead: 1.25, output: 10 },
  'anthropic/claude-sonnet-4': { input: 3, cacheRead: 0.3, cacheWrite: 3.75, output: 15 },
};
const MODELS = [
  ['openai', 'gpt-4o'],
  ['anthropic', 'claude-sonnet-4'],
] as const;

const node = (span_id: string, parent_span_id: string, over: Partial<UsageNode> = {}): UsageNode => ({
  span_id,
  parent_span_id,
  operation: null,
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
  reasoning_tokens: 0,
  ...over,
});

describe('rollups', () => {
  it('counts the leaf calls under an AI SDK agent run, not the agent span that sums them', () => {
    // invoke_agent (300 in / 30 out, the sum) ─┬─ chat (100/10)
    //                                           ├─ execute_tool ── execute_tool (MCP client)
    //                                           └─ chat (200/20)
    const nodes = [
      node('agent', '', { operation: 'invoke_agent', input_tokens: 300, output_tokens: 30 }),
      node('c1', 'agent', { operation: 'chat', input_tokens: 100, output_tokens: 10 }),
      node('t1', 'agent', { operation: 'execute_tool' }),
      node('mcp', 't1', { operation: 'execute_tool' }),
      node('c2', 'agent', { operation: 'chat', input_tokens: 200, output_tokens: 20 }),
    ];
    const r = rollups(nodes);
    expect([...r.usage]).toEqual(['agent']);
    expect([...r.tool]).toEqual(['t1']);
    expect(usageTotals(nodes, r)).toEqual({
      inputTokens: 300,
      outputTokens: 30,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      reasoningTokens: 0,
      llmCalls: 2,
      toolCalls: 1,
    });
  });

  it('counts an aggregate once when the framework reports nothing below it', () => {
    const nodes = [
      node('chain', '', { input_tokens: 50, output_tokens: 5 }),
      node('step', 'chain', { operation: 'execute_tool' }),
    ];
    expect(usageTotals(nodes)).toMatchObject({ inputTokens: 50, outputTokens: 5, llmCalls: 0, toolCalls: 1 });
  });

  it('links through spans that carry nothing, arriving in any order, and ends on cycles', () => {
    const nodes = [
      node('leaf', 'mid', { operation: 'chat', input_tokens: 7 }),
      node('top', '', { operation: 'chat', input_tokens: 7 }),
      node('mid', 'top'),
      node('a', 'b', { input_tokens: 1 }),
      node('b', 'a', { input_tokens: 2 }),
    ];
    const t = usageTotals(nodes);
    // top is leaf's wrapper; a and b each have the other below: both are rollups, neither counted.
    expect(t.inputTokens).toBe(7);
    expect(t.llmCalls).toBe(1);
  });
});

// ── property: aggregate parents over any set of leaf calls ────────────────────────────────────────

interface Leaf {
  kind: 'chat' | 'tool';
  model: 0 | 1;
  input: number;
  cached: number;
  output: number;
}
interface Shape {
  leaves: Leaf[];
  /** Aggregate i's parent: an aggregate before it, or -1 (the root). */
  aggParents: number[];
  /** Per aggregate: whether it reports the sum of its descendants' usage, and as which operation. */
  aggReports: ('none' | 'invoke_agent' | 'chat' | 'chain')[];
  /** Leaf i's parent aggregate (or -1: the root). */
  leafParents: number[];
  /** Order the spans arrive in and how many go in each batch. */
  order: number[];
  batches: number;
}

const shape: fc.Arbitrary<Shape> = fc
  .record({
    leaves: fc.array(
      fc.record({
        kind: fc.constantFrom('chat' as const, 'tool' as const),
        model: fc.constantFrom(0 as const, 1 as const),
        input: fc.integer({ min: 1, max: 100_000 }),
        cachedShare: fc.double({ min: 0, max: 1, noNaN: true }),
        output: fc.integer({ min: 0, max: 10_000 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    aggs: fc.integer({ min: 0, max: 5 }),
    seed: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
    reports: fc.array(
      fc.constantFrom('none' as const, 'invoke_agent' as const, 'chat' as const, 'chain' as const),
      {
        minLength: 5,
        maxLength: 5,
      },
    ),
    batches: fc.integer({ min: 1, max: 4 }),
  })
  .map(({ leaves, aggs, seed, reports, batches }) => {
    const pick = (i: number, n: number) => ((seed[i % seed.length] ?? 0) % (n + 1)) - 1; // -1..n-1
    const ls: Leaf[] = leaves.map((l) => ({
      kind: l.kind,
      model: l.model,
      input: l.input,
      cached: Math.floor(l.input * l.cachedShare),
      output: l.output,
    }));
    const total = 1 + aggs + ls.length;
    const order = Array.from({ length: total }, (_, i) => i).sort(
      (a, b) => ((seed[a % 40] ?? 0) ^ (a * 7919)) - ((seed[b % 40] ?? 0) ^ (b * 7919)),
    );
    return {
      leaves: ls,
      aggParents: Array.from({ length: aggs }, (_, i) => pick(i, i)),
      aggReports: reports.slice(0, aggs),
      leafParents: ls.map((_, i) => pick(i + 10, aggs)),
      order,
      batches,
    };
  });

const id = (n: number) => new Uint8Array(8).fill(0).map((_, i) => (i === 7 ? n + 1 : i === 6 ? 0xab : 0));
const TRACE = new Uint8Array(16).fill(7);

/** Span n of the test trace, child of span `parent` (null: the root). */
const traceSpan = (n: number, parent: number | null, attributes: Attribute[]): Span =>
  testSpan({
    traceId: TRACE,
    spanId: id(n),
    parentSpanId: parent === null ? new Uint8Array(0) : id(parent),
    name: `span ${n}`,
    startTimeUnixNano: 1_000_000n + BigInt(n),
    endTimeUnixNano: 2_000_000n,
    attributes,
  });

/** The trace's spans: 0 the root, 1..aggs the aggregates, then the leaves. Leaves' usage summed up. */
function spansOf(s: Shape, withAggregates: boolean): Span[] {
  const aggs = s.aggParents.length;
  const leafIndex = (i: number) => 1 + aggs + i;
  const parentOf = (agg: number) => (agg === -1 || !withAggregates ? 0 : 1 + agg);
  // Every leaf's usage is added to each aggregate above it.
  const sums = Array.from({ length: aggs }, () => ({ input: 0, cached: 0, output: 0, chats: 0 }));
  s.leaves.forEach((l, i) => {
    for (let a = s.leafParents[i] ?? -1; a !== -1; a = s.aggParents[a] ?? -1) {
      const x = sums[a] as (typeof sums)[number];
      if (l.kind === 'chat') {
        x.input += l.input;
        x.cached += l.cached;
        x.output += l.output;
        x.chats++;
      }
    }
  });
  const attrs = (kv: Record<string, string | bigint>): Attribute[] =>
    Object.entries(kv).map(([key, value]) => ({ key, value }));
  const make = (n: number, parent: number | null, attributes: Attribute[]): Span =>
    traceSpan(n, parent, attributes);
  const out: Span[] = [make(0, null, attrs({ 'koder.prompt.id': 'p', 'koder.prompt.version': 'v1' }))];
  if (withAggregates) {
    s.aggParents.forEach((p, a) => {
      const sum = sums[a] as (typeof sums)[number];
      const report = s.aggReports[a] ?? 'none';
      // An aggregate reports usage only over calls that happened; as 'chat' (the AI SDK's
      // ai.generateText) only over at least one chat below it.
      const op = report === 'chat' && sum.chats === 0 ? 'invoke_agent' : report;
      const usage: Record<string, bigint> =
        report !== 'none' && sum.chats > 0
          ? {
              'gen_ai.usage.input_tokens': BigInt(sum.input),
              'gen_ai.usage.cache_read.input_tokens': BigInt(sum.cached),
              'gen_ai.usage.output_tokens': BigInt(sum.output),
            }
          : {};
      const [provider, model] = MODELS[0];
      out.push(
        make(
          1 + a,
          parentOf(p),
          attrs({
            ...(op === 'none' || op === 'chain' ? {} : { 'gen_ai.operation.name': op }),
            ...(op === 'none' ? {} : { 'gen_ai.provider.name': provider, 'gen_ai.request.model': model }),
            'koder.prompt.id': 'p',
            'koder.prompt.version': 'v1',
            ...usage,
          }),
        ),
      );
    });
  }
  s.leaves.forEach((l, i) => {
    const [provider, model] = MODELS[l.model];
    const a =
      l.kind === 'chat'
        ? attrs({
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': provider,
            'gen_ai.request.model': model,
            'gen_ai.usage.input_tokens': BigInt(l.input),
            'gen_ai.usage.cache_read.input_tokens': BigInt(l.cached),
            'gen_ai.usage.output_tokens': BigInt(l.output),
            'koder.prompt.id': 'p',
            'koder.prompt.version': 'v1',
          })
        : attrs({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' });
    out.push(make(leafIndex(i), parentOf(s.leafParents[i] ?? -1), a));
  });
  return out;
}

/** By hand, from the leaves alone. */
function expected(s: Shape) {
  const chats = s.leaves.filter((l) => l.kind === 'chat');
  return {
    input: chats.reduce((n, l) => n + l.input, 0),
    cached: chats.reduce((n, l) => n + l.cached, 0),
    output: chats.reduce((n, l) => n + l.output, 0),
    llmCalls: chats.length,
    toolCalls: s.leaves.length - chats.length,
    cost: chats.reduce((n, l) => {
      const [provider, model] = MODELS[l.model];
      const c = callCost(priceFor(PRICES, provider, model), {
        input: l.input,
        output: l.output,
        cacheRead: l.cached,
        cacheCreation: 0,
      });
      return n + (c ?? 0);
    }, 0),
  };
}

const batchOf = (spans: Span[]): TraceBatch => ({
  resourceSpans: [
    {
      resource: {
        attributes: [{ key: 'service.name', value: 'agent' }],
        droppedAttributesCount: 0,
        unknown: [],
      },
      scopeSpans: [{ scope: { raw: null, name: 'test', version: '' }, spans, schemaUrl: '' }],
      schemaUrl: '',
    },
  ],
});

describe('an aggregate larger than its calls', () => {
  // invoke_agent (1,300 in / 130 out) ─┬─ ai.generateText (1,000 in / 100 out) ── chat (900 in / 90 out)
  //                                    └─ chat (200 in / 20 out)
  // The inner aggregate saw 100 in / 10 out of a call that sent no span; the outer one 100 in / 10 out
  // more. Each excess counts once, priced at the aggregate's model: 1,300 in / 130 out in all.
  const spans = () => {
    const span = (n: number, parent: number | null, kv: Record<string, string | bigint>) =>
      traceSpan(
        n,
        parent,
        Object.entries(kv).map(([key, value]) => ({ key, value })),
      );
    const usage = (op: string, input: number, output: number) => ({
      'gen_ai.operation.name': op,
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': BigInt(input),
      'gen_ai.usage.output_tokens': BigInt(output),
    });
    return [
      span(0, null, usage('invoke_agent', 1300, 130)),
      span(1, 0, usage('chat', 1000, 100)),
      span(2, 1, usage('chat', 900, 90)),
      span(3, 0, usage('chat', 200, 20)),
    ];
  };
  const cost = (input: number, output: number) =>
    callCost(priceFor(PRICES, 'openai', 'gpt-4o'), { input, output, cacheRead: 0, cacheCreation: 0 }) ?? 0;

  it('counts each excess once, in the pure totals, the store, its cost and the trace detail', () => {
    const rows = spans().map((sp) => spanRow('t', { 'service.name': 'agent' }, sp));
    const r = rollups(rows);
    expect(Object.fromEntries([...r.excess].map(([k, v]) => [k, [v.input_tokens, v.output_tokens]]))).toEqual(
      {
        [rows[0]?.span_id as string]: [100, 10],
        [rows[1]?.span_id as string]: [100, 10],
      },
    );
    expect(usageTotals(rows, r)).toMatchObject({ inputTokens: 1300, outputTokens: 130, llmCalls: 2 });
    const view = JSON.parse(traceView('07'.repeat(16), rows, PRICES).text);
    expect(view.totals).toMatchObject({ inputTokens: 1300, outputTokens: 130, llmCalls: 2 });
    expect(view.totals.costUsd).toBeCloseTo(cost(1300, 130), 9);

    const store = openEmbeddedStore(':memory:');
    for (const sp of spans().reverse()) store.insert('t', batchOf([sp])); // children first, one at a time
    const [row] = store.search('t', { limit: 10 }).rows;
    expect(row).toMatchObject({ input_tokens: 1300, output_tokens: 130 });
    const usage = store.modelUsage('t', ['07'.repeat(16)]);
    expect(usage.reduce((n, u) => n + cost(u.input_tokens, u.output_tokens), 0)).toBeCloseTo(
      cost(1300, 130),
      9,
    );
    const stored = JSON.parse(traceView('07'.repeat(16), store.spans('t', '07'.repeat(16)), PRICES).text);
    expect(stored.totals).toEqual(view.totals);
  });

  it('adds nothing for an aggregate equal to or smaller than its calls (a partial view)', () => {
    const rows = spans().map((sp) => spanRow('t', { 'service.name': 'agent' }, sp));
    for (const r of rows) if (r.span_id === rows[0]?.span_id) r.input_tokens = 500; // smaller than 1,100 below
    expect(usageTotals(rows)).toMatchObject({ inputTokens: 1200, outputTokens: 130 });
  });
});

describe('property: aggregate parents never change the totals', () => {
  it('in the pure totals, the store, the trace detail and the overlay, whatever the arrival order', () => {
    fc.assert(
      fc.property(shape, (s) => {
        const want = expected(s);
        const rows = spansOf(s, true).map((sp) => spanRow('t', { 'service.name': 'agent' }, sp));
        const flat = spansOf(s, false).map((sp) => spanRow('t', { 'service.name': 'agent' }, sp));
        for (const r of [rows, flat]) {
          expect(usageTotals(r)).toMatchObject({
            inputTokens: want.input,
            cacheReadTokens: want.cached,
            outputTokens: want.output,
            llmCalls: want.llmCalls,
            toolCalls: want.toolCalls,
          });
        }
        // The trace detail, from the rows as read.
        const view = JSON.parse(traceView('07'.repeat(16), rows, PRICES).text);
        expect(view.totals).toMatchObject({
          inputTokens: want.input,
          outputTokens: want.output,
          llmCalls: want.llmCalls,
          toolCalls: want.toolCalls,
        });
        expect(view.totals.costUsd).toBeCloseTo(want.cost, 9);
        expect(view.calls.length).toBe(want.llmCalls + want.toolCalls);

        // The store: spans in a shuffled order, in several batches.
        const spans = spansOf(s, true);
        const shuffled = s.order.map((i) => spans[i] as Span);
        const store = openEmbeddedStore(':memory:');
        const per = Math.ceil(shuffled.length / s.batches);
        for (let i = 0; i < shuffled.length; i += per) store.insert('t', batchOf(shuffled.slice(i, i + per)));
        const [row] = store.search('t', { limit: 10 }).rows;
        expect(row).toMatchObject({
          input_tokens: want.input,
          cache_read_tokens: want.cached,
          output_tokens: want.output,
        });
        const usage = store.modelUsage('t', ['07'.repeat(16)]);
        const cost = usage.reduce(
          (n, u) =>
            n +
            (callCost(priceFor(PRICES, u.provider, u.model), {
              input: u.input_tokens,
              output: u.output_tokens,
              cacheRead: u.cache_read_tokens,
              cacheCreation: u.cache_creation_tokens,
            }) ?? 0),
          0,
        );
        expect(cost).toBeCloseTo(want.cost, 9);
        const stored = JSON.parse(traceView('07'.repeat(16), store.spans('t', '07'.repeat(16)), PRICES).text);
        expect(stored.totals).toEqual(view.totals);
        // The overlay counts the prompt's calls, not the agent spans that wrap them.
        const overlay = promptOverlay(
          'p',
          store.promptSpans('t', 'p', 0n, 10_000_000n),
          PRICES,
          0n,
          10_000_000n,
          1,
        );
        const v1 = overlay.versions.find((v) => v.version === 'v1');
        expect(v1?.inputTokens).toBe(want.input);
        expect(v1?.costUsd).toBeCloseTo(want.cost, 9);
        void store.close();
      }),
      { numRuns: 150 },
    );
  });
});

describe('a store written before rollups kept their excess', () => {
  it('is settled again when opened: an aggregate larger than its calls counts its excess', async () => {
    const { DatabaseSync } = await import('node:sqlite');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { EXCESS_VERSION } = await import('./migrations.ts');
    const dir = mkdtempSync(join(tmpdir(), 'koder-excess-'));
    try {
      const file = join(dir, 'old.db');
      const store = openEmbeddedStore(file);
      const attrs = (op: string, input: bigint): Attribute[] => [
        { key: 'gen_ai.operation.name', value: op },
        { key: 'gen_ai.request.model', value: 'gpt-4o' },
        { key: 'gen_ai.usage.input_tokens', value: input },
      ];
      const agent = traceSpan(0, null, attrs('invoke_agent', 500n));
      const chat = traceSpan(1, 0, attrs('chat', 300n));
      store.insert('t', batchOf([agent, chat]));
      await store.close();
      // As the version before wrote it: no excess, and the trace's tokens those of its call alone.
      const old = new DatabaseSync(file);
      const { USAGE_FIELDS } = await import('@koder-trace/ingester/usage-rollup');
      old.exec(`UPDATE traces SET input_tokens = 300; DROP INDEX spans_carriers; DROP INDEX spans_ratings;
        ${USAGE_FIELDS.map((f) => `ALTER TABLE spans DROP COLUMN excess_${f};`).join('\n')}
        PRAGMA user_version = ${EXCESS_VERSION - USAGE_FIELDS.length}`);
      old.close();
      const reopened = openEmbeddedStore(file);
      expect(reopened.search('t', { limit: 1 }).rows[0]).toMatchObject({ input_tokens: 500 });
      const usage = reopened.modelUsage('t', ['07'.repeat(16)]);
      expect(usage.reduce((n, u) => n + u.input_tokens, 0)).toBe(500);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a store written before rollups were kept', () => {
  it('is settled when opened: its search rows stop counting aggregates twice', async () => {
    const { DatabaseSync } = await import('node:sqlite');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { MIGRATIONS, ROLLUP_VERSION } = await import('./migrations.ts');
    const dir = mkdtempSync(join(tmpdir(), 'koder-rollup-'));
    try {
      const file = join(dir, 'old.db');
      // v12 as that version wrote it: the agent's summed usage added to its calls' in the summary.
      const old = new DatabaseSync(file);
      for (const m of MIGRATIONS.slice(0, ROLLUP_VERSION - 2)) old.exec(m);
      old.exec(`PRAGMA user_version = ${ROLLUP_VERSION - 2}`);
      const insert = old.prepare(
        `INSERT INTO spans (tenant, trace_id, span_id, parent_span_id, name, kind, service, start_ns, end_ns,
           duration_ns, status_code, status_message, trace_state, attributes, resource, events, links,
           operation, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, reasoning_tokens,
           adjusted_count, is_error)
         VALUES ('t', 'aa', ?, ?, 'x', 1, 'agent', 1, 2, 1, 0, '', '', '{}', '{}', '[]', '[]', ?, ?, ?, 0, 0, 0, 1, 0)`,
      );
      insert.run('agent', '', 'invoke_agent', 300, 30);
      insert.run('c1', 'agent', 'chat', 100, 10);
      insert.run('c2', 'agent', 'chat', 200, 20);
      old.exec(`INSERT INTO traces (tenant, trace_id, start_ns, end_ns, root_service, root_name, span_count,
        error_count, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, reasoning_tokens)
        VALUES ('t', 'aa', 1, 2, 'agent', 'x', 3, 0, 600, 60, 0, 0, 0)`);
      old.close();
      const store = openEmbeddedStore(file);
      expect(store.search('t', { limit: 1 }).rows[0]).toMatchObject({ input_tokens: 300, output_tokens: 30 });
      // and the agent span is marked as the rollup it is
      expect(store.spans('t', 'aa').find((r) => r.span_id === 'agent')?.rollup).toBe(1);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

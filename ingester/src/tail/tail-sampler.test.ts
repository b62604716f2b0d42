// Trace-complete sampling through the real pipeline, export queue and write-ahead log, with spans of
// each trace scattered over random batches in random order: kept traces are whole, error and rated
// traces are kept, decisions do not depend on batching or order, late spans follow the decision, a
// full memory budget decides early (and says so), and a crash loses nothing buffered.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { createExportQueue } from '../export/queue.ts';
import type { SpanSink } from '../export/sink.ts';
import { type ByteBudget, createByteBudget } from '../memory/byte-budget.ts';
import { createMetrics } from '../metrics.ts';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { joinRequests } from '../otlp/encode-proto.ts';
import { getAttribute, type Span, type TraceBatch } from '../otlp/model.ts';
import { createPipeline } from '../pipeline/pipeline.ts';
import { countLedgerTokens } from '../pipeline/usage.ts';
import { ADJUSTED_COUNT_ATTRIBUTE, RULE_ATTRIBUTE } from '../sample/sampler.ts';
import { thresholdFor, traceIdRandomness } from '../sample/threshold.ts';
import { buildRegistry } from '../tenants/registry.ts';
import { batchOf, hex, makeTraces, scatter, type TestTrace } from '../testing/traces.ts';
import { openWal, type Wal } from '../wal/wal.ts';
import { LEDGER_MARK, LEDGER_SPAN_NAME } from './ledger.ts';
import { createTailMetrics } from './metrics.ts';
import { openRescueStore, type RescueStore } from './rescue-store.ts';
import { createTailSampler, type TailSampler } from './tail-sampler.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const log = pino({ level: 'silent' });

interface Stored {
  span: string;
  trace: string;
  adjusted: unknown;
  rule: unknown;
  traceState: string;
}

/** A sink that stores what it is given, per trace id (what Tempo would hold); ledger spans apart. */
function storingSink() {
  const traces = new Map<string, Stored[]>();
  const ledgers: Span[] = [];
  const put = (batch: TraceBatch) => {
    for (const rs of batch.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans) {
          if (s.name === LEDGER_SPAN_NAME && getAttribute(s.attributes, LEDGER_MARK) === true) {
            ledgers.push(s);
            continue;
          }
          const t = hex(s.traceId);
          const list = traces.get(t) ?? [];
          list.push({
            span: hex(s.spanId),
            trace: t,
            adjusted: getAttribute(s.attributes, ADJUSTED_COUNT_ATTRIBUTE),
            rule: getAttribute(s.attributes, RULE_ATTRIBUTE),
            traceState: s.traceState,
          });
          traces.set(t, list);
        }
  };
  const sink: SpanSink = {
    async export(_tenant, batch) {
      put(batch);
      return { kind: 'success' };
    },
    async exportEncoded(_tenant, requests) {
      put(decodeTraceRequest(joinRequests(requests)));
      return { kind: 'success' };
    },
    close: async () => {},
  };
  return { sink, traces, ledgers };
}

const policy = (quietMs = 1000, maxAgeMs = 60_000) => `
defaultLimits: { spansPerSecond: 1000000000, burst: 1000000000 }
tenants:
  - id: shop
    tokenSha256: []
    limits: { spansPerSecond: 1000000000, burst: 1000000000 }
    sampling:
      defaultProbability: 0.1
      rules:
        - name: llm
          match: [{ field: attribute.gen_ai.request.model, op: exists }]
          probability: 0.5
      trace: { quietMs: ${quietMs}, maxAgeMs: ${maxAgeMs} }
`;

interface Rig {
  push(batch: TraceBatch): Promise<unknown>;
  tail: TailSampler;
  stored: Map<string, Stored[]>;
  ledgers: Span[];
  metrics: ReturnType<typeof createMetrics>;
  tailMetrics: ReturnType<typeof createTailMetrics>;
  budget: ByteBudget;
  wal?: Wal;
  queueDepth(): number;
}

function rig(opts: { config?: string; budgetBytes?: number; wal?: Wal; rescue?: RescueStore } = {}): Rig {
  const parsed = parseConfig(opts.config ?? policy());
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const config = parsed.config;
  const registry = buildRegistry(config, undefined, Date.now());
  const metrics = createMetrics();
  const tailMetrics = createTailMetrics(metrics.registry);
  const budget = createByteBudget(opts.budgetBytes ?? 256 * 1024 * 1024);
  const { sink, traces, ledgers } = storingSink();
  const queue = createExportQueue({
    sink,
    config: { ...config.exporter, maxBatchDelayMs: 1 },
    metrics,
    log,
    budget,
    ...(opts.wal ? { wal: opts.wal } : {}),
  });
  const tail = createTailSampler({
    queue,
    ...(opts.wal ? { wal: opts.wal } : {}),
    ...(opts.rescue ? { rescue: opts.rescue } : {}),
    budget,
    metrics,
    tailMetrics,
    policyOf: (t) => registry.tenants.get(t)?.policy,
    settings: () => config.tail,
    log,
    countTokens: (t, counted) => countLedgerTokens(counted, t, metrics),
  });
  const pipeline = createPipeline({ queue, metrics, tail, ...(opts.wal ? { wal: opts.wal } : {}) });
  const tenant = registry.tenants.get('shop');
  if (!tenant) throw new Error('no tenant');
  return {
    push: (b) => pipeline.push(tenant, b),
    tail,
    stored: traces,
    ledgers,
    metrics,
    tailMetrics,
    budget,
    ...(opts.wal ? { wal: opts.wal } : {}),
    queueDepth: () => queue.depth,
  };
}

/** koder_usage_tokens_total of one token type, summed over its labels. */
async function metricTokens(r: Rig, type: string): Promise<number> {
  const m = (await r.metrics.registry.getMetricsAsJSON()).find((x) => x.name === 'koder_usage_tokens_total');
  return (m?.values ?? []).filter((v) => v.labels.type === type).reduce((n, v) => n + v.value, 0);
}

const settle = async (r: Rig) => {
  await r.tail.flush();
  for (let i = 0; i < 200 && r.queueDepth() > 0; i++) await new Promise((res) => setTimeout(res, 5));
};

/** What a policy of `p` for plain traces and 0.5 for LLM traces keeps, by the spec's arithmetic. */
function expectedKeep(t: TestTrace): boolean {
  if (t.error || t.rated) return true;
  const p = t.llm ? 0.5 : 0.1;
  return traceIdRandomness(t.traceId) >= thresholdFor(p);
}

async function runScattered(traces: TestTrace[], seed: number, maxBatch: number) {
  const r = rig();
  for (const b of scatter(traces, seed, maxBatch)) await r.push(batchOf(b));
  await settle(r);
  return r;
}

describe('trace-complete sampling (one replica)', () => {
  it('keeps whole traces: errors and ratings always, the rest by consistent threshold per stratum', {
    timeout: 60_000,
  }, async () => {
    const traces = makeTraces(3000, { seed: 1, errorRate: 0.05, ratedRate: 0.02, llmRate: 0.3 });
    const r = await runScattered(traces, 11, 40);
    let kept = 0;
    for (const t of traces) {
      const got = r.stored.get(hex(t.traceId));
      expect(got !== undefined, `trace ${hex(t.traceId)} kept`).toBe(expectedKeep(t));
      if (!got) continue;
      kept++;
      // Whole: every span, once.
      expect(new Set(got.map((s) => s.span)).size).toBe(t.spans.length);
      expect(got.length).toBe(t.spans.length);
      const rule = got[0]?.rule;
      expect(got.every((s) => s.rule === rule && s.adjusted === got[0]?.adjusted)).toBe(true);
      if (t.error) expect(rule === 'keep-errors' || rule === 'llm' || rule === 'default').toBe(true);
      if (rule === 'default') {
        expect(got[0]?.adjusted).toBeCloseTo(10);
        expect(got[0]?.traceState).toBe('ot=th:e6666666666666');
      }
      if (rule === 'llm') expect(got[0]?.adjusted).toBe(2);
      if (rule === 'keep-errors' || rule === 'keep-ratings') expect(got[0]?.adjusted).toBe(1);
    }
    expect(kept).toBeGreaterThan(0);
    const dropped = await r.metrics.registry.getSingleMetric('koder_ingester_trace_decisions_total')?.get();
    expect(dropped?.values.some((v) => v.labels.outcome === 'dropped')).toBe(true);
  });

  it('decides the same traces whatever the batching and order (property over seeds)', {
    timeout: 60_000,
  }, async () => {
    const traces = makeTraces(800, { seed: 7, errorRate: 0.03, llmRate: 0.2 });
    const reference = await runScattered(traces, 1, 1000);
    const keptRef = [...reference.stored.keys()].sort();
    for (const seed of [2, 3, 4, 5]) {
      const run = await runScattered(traces, seed, 1 + seed * 7);
      expect([...run.stored.keys()].sort()).toEqual(keptRef);
    }
  });

  it('keeps a share of plain traces within 5 standard deviations of p, over seeds', {
    timeout: 60_000,
  }, async () => {
    for (const seed of [21, 22, 23]) {
      const traces = makeTraces(4000, { seed, maxChildren: 2 });
      const r = await runScattered(traces, seed, 200);
      const n = traces.length;
      const p = 0.1;
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(r.stored.size - n * p)).toBeLessThan(5 * sd);
    }
  });

  it('waits for the quiet period after the root, and late spans follow the decision', async () => {
    const pool = makeTraces(100, { seed: 99, maxChildren: 3 }).filter((t) => t.spans.length >= 3);
    const keptTrace = pool.find((t) => expectedKeep(t)) as TestTrace;
    const droppedTrace = pool.find((t) => !expectedKeep(t)) as TestTrace;
    const r = rig({ config: policy(400) });
    const held = (t: TestTrace) => t.spans.at(-1) as Buffer; // a child that arrives late
    await r.push(batchOf([...keptTrace.spans.slice(0, -1), ...droppedTrace.spans.slice(0, -1)]));
    expect(r.tail.bufferedTraces).toBe(2);
    r.tail.sweep(); // not quiet yet
    expect(r.tail.bufferedTraces).toBe(2);
    await new Promise((res) => setTimeout(res, 500));
    r.tail.sweep();
    expect(r.tail.bufferedTraces).toBe(0);
    expect(r.tail.decisionOf('shop', keptTrace.traceId)?.keep).toBe(true);
    expect(r.tail.decisionOf('shop', droppedTrace.traceId)?.keep).toBe(false);
    // Late spans follow: the kept trace becomes whole, the dropped one stays dropped...
    await r.push(batchOf([held(keptTrace), held(droppedTrace)]));
    // ...except an error span, kept alone rather than lost (as head sampling would keep it).
    const { span, len, uint } = await import('../testing/otlp-builder.ts');
    const lateError = span({ trace: droppedTrace.traceId, name: 'late failure' }, len(15, uint(3, 2)));
    await r.push(batchOf([lateError]));
    await settle(r);
    expect(r.stored.get(hex(keptTrace.traceId))?.length).toBe(keptTrace.spans.length);
    const dropped = r.stored.get(hex(droppedTrace.traceId));
    expect(dropped?.map((s) => s.rule)).toEqual(['keep-errors']);
    const late = await r.metrics.registry.getSingleMetric('koder_ingester_trace_late_spans_total')?.get();
    const byOutcome = Object.fromEntries(late?.values.map((v) => [v.labels.outcome, v.value]) ?? []);
    expect(byOutcome).toEqual({ kept: 2, dropped: 1 });
  });

  it('late spans of a decided trace coming in several requests make one ledger span per sweep, exact', async () => {
    const { attribute, int, len, span, str } = await import('../testing/otlp-builder.ts');
    const trace = Buffer.alloc(16, 0x42);
    const root = Buffer.alloc(8, 1);
    const call = (n: number) =>
      span(
        { trace, span: Buffer.alloc(8, 10 + n), name: 'chat gpt-4o' },
        len(4, root),
        attribute('gen_ai.operation.name', str('chat')),
        attribute('gen_ai.request.model', str('gpt-4o')),
        attribute('gen_ai.usage.input_tokens', int(100n)),
      );
    const r = rig({ config: policy(30_000) });
    await r.push(batchOf([span({ trace, span: root, name: 'POST /ask' }), call(0)]));
    await r.tail.flush(); // decided, with its ledger
    for (const n of [1, 2, 3]) await r.push(batchOf([call(n)])); // three late requests
    await settle(r);
    const input = (l: Span) => getAttribute(l.attributes, 'koder.usage.tokens.input');
    expect(r.ledgers.map(input)).toEqual([100n, 300n]);
    // The usage metric counts the late calls too, once each.
    expect(await metricTokens(r, 'input')).toBe(400);
  });

  it('a keep handed over for a trace buffered here keeps it at once, whole; a drop leaves it to be decided here', async () => {
    const pool = makeTraces(100, { seed: 7, maxChildren: 3 }).filter((t) => t.spans.length >= 2);
    const [a, b] = pool.filter((t) => !expectedKeep(t)) as [TestTrace, TestTrace];
    const r = rig({ config: policy(30_000) });
    // Late spans of both reached this replica before the decisions of the replica that decided them.
    await r.push(batchOf([...a.spans.slice(1), ...b.spans.slice(1)]));
    expect(r.tail.bufferedTraces).toBe(2);
    const keep = { keep: true, reason: 'error', threshold: 0n, rule: 'keep-errors' } as const;
    const drop = { keep: false, threshold: thresholdFor(0.1), rule: 'default' } as const;
    const taken = r.tail.adoptDecisions([
      { tenant: 'shop', traceId: hex(a.traceId), decision: keep },
      { tenant: 'shop', traceId: hex(b.traceId), decision: drop },
    ]);
    expect(taken).toBe(1);
    expect(r.tail.bufferedTraces).toBe(1); // b waits for its own decision here
    expect(r.tail.decisionOf('shop', a.traceId)?.keep).toBe(true);
    await settle(r);
    expect(r.stored.get(hex(a.traceId))?.length).toBe(a.spans.length - 1);
    expect(r.stored.get(hex(b.traceId))).toBeUndefined();
  });

  it('decides an agent run at once when its invoke_agent root ends', async () => {
    const r = rig();
    const traceId = Buffer.alloc(16, 0xff); // kept at any probability
    const { span, len, attribute, str } = await import('../testing/otlp-builder.ts');
    const rootId = Buffer.alloc(8, 1);
    const child = span({ trace: traceId, name: 'chat gpt-4o' }, len(4, rootId));
    const root = span(
      { trace: traceId, span: rootId, name: 'invoke_agent support' },
      attribute('gen_ai.operation.name', str('invoke_agent')),
    );
    await r.push(batchOf([child]));
    expect(r.tail.bufferedTraces).toBe(1);
    await r.push(batchOf([root]));
    expect(r.tail.bufferedTraces).toBe(0);
    const m = await r.metrics.registry.getSingleMetric('koder_ingester_trace_decisions_total')?.get();
    expect(m?.values.find((v) => v.labels.trigger === 'agent_end')?.value).toBe(1);
  });

  it('with a full memory budget decides the oldest traces early, counts it, and loses nothing', {
    timeout: 60_000,
  }, async () => {
    const traces = makeTraces(2000, { seed: 5, errorRate: 0.1 });
    const r = rig({ budgetBytes: 16 * 1024 * 1024 });
    // Most of the budget is held elsewhere (request bodies in flight): the buffer has ~2 MiB.
    r.budget.take(14 * 1024 * 1024);
    // As a client does: a request refused with back-pressure is sent again a little later.
    let refused = 0;
    for (const b of scatter(traces, 5, 30)) {
      for (;;) {
        const ok = await r.push(batchOf(b)).then(
          () => true,
          (err: Error) => {
            if (!/trace buffer and the export queue are full/.test(err.message)) throw err;
            return false;
          },
        );
        if (ok) break;
        refused++;
        await new Promise((res) => setTimeout(res, 5));
      }
    }
    void refused;
    const m = await r.metrics.registry.getSingleMetric('koder_ingester_trace_decisions_total')?.get();
    const early = m?.values.filter((v) => v.labels.trigger === 'memory').reduce((n, v) => n + v.value, 0);
    expect(early).toBeGreaterThan(0);
    expect(r.budget.used).toBeLessThanOrEqual(16 * 1024 * 1024 + 64 * 1024);
    r.budget.release(14 * 1024 * 1024); // the bodies are done: kept traces waiting for room go out
    await settle(r);
    // Every span is accounted for: stored or sampled out by a decision.
    const decided = await r.metrics.registry
      .getSingleMetric('koder_ingester_trace_decided_spans_total')
      ?.get();
    const late = await r.metrics.registry.getSingleMetric('koder_ingester_trace_late_spans_total')?.get();
    const total = traces.reduce((n, t) => n + t.spans.length, 0);
    const sum = (v: { values: { value: number }[] } | undefined) =>
      (v?.values ?? []).reduce((n, x) => n + x.value, 0);
    expect(sum(decided) + sum(late)).toBe(total);
    // Error traces are kept; split by an early decision at worst, never lost.
    for (const t of traces.filter((x) => x.error)) {
      const got = r.stored.get(hex(t.traceId)) ?? [];
      expect(got.length).toBeGreaterThan(0);
    }
  });

  it('replays buffered spans after a crash from the write-ahead log and decides them the same way', {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'koder-tail-wal-'));
    dirs.push(dir);
    const walOpts = { dir, durability: 'fsync' as const, segmentBytes: 1024 * 1024, syncIntervalMs: 50 };
    const traces = makeTraces(300, { seed: 8, errorRate: 0.05, llmRate: 0.2 });
    const batches = scatter(traces, 8, 25);
    // First run: every span accepted (durable), none decided yet; then the process "dies".
    const first = rig({ wal: await openWal(walOpts) });
    for (const b of batches) await first.push(batchOf(b));
    expect(first.stored.size).toBe(0);
    expect(first.tail.bufferedTraces).toBe(traces.length);
    // Second run on the same directory: the pending records go back into the buffer.
    const wal = await openWal(walOpts);
    expect(wal.replayed.every((r) => r.pending)).toBe(true);
    const second = rig({ wal });
    for (const rec of wal.replayed) second.tail.replay(rec.tenant, rec.request, rec.segment);
    expect(second.tail.bufferedTraces).toBe(traces.length);
    await settle(second);
    for (const t of traces) {
      const got = second.stored.get(hex(t.traceId));
      expect(got !== undefined).toBe(expectedKeep(t));
      if (got) expect(got.length).toBe(t.spans.length);
    }
    // Everything delivered: the log lets go of every segment.
    await wal.close();
    expect(wal.bytes).toBe(0);
  });

  it('writes a usage ledger whose totals equal the exact sums for 10,000 requests, kept or dropped', {
    timeout: 120_000,
  }, async () => {
    const { attribute, int, len, span, str, uint } = await import('../testing/otlp-builder.ts');
    const { rng } = await import('../testing/traces.ts');
    const rand = rng(77);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
    const expected = new Map<string, { input: number; output: number; spans: number; models: Set<string> }>();
    const all: Buffer[] = [];
    for (let i = 0; i < 10_000; i++) {
      const traceId = bytes(16);
      const rootId = bytes(8);
      const requestId = `req-${i}`;
      const e = { input: 0, output: 0, spans: 1, models: new Set<string>() };
      all.push(
        span(
          { trace: traceId, span: rootId, name: 'POST /chat' },
          attribute('koder.request_id', str(requestId)),
        ),
      );
      const calls = 1 + Math.floor(rand() * 3);
      for (let c = 0; c < calls; c++) {
        const input = 1 + Math.floor(rand() * 5000);
        const output = Math.floor(rand() * 800);
        const model = rand() < 0.5 ? 'gpt-4o' : 'claude-sonnet-4';
        e.input += input;
        e.output += output;
        e.spans++;
        e.models.add(model);
        all.push(
          span(
            { trace: traceId, span: bytes(8), name: `chat ${model}` },
            len(4, rootId),
            attribute('gen_ai.operation.name', str('chat')),
            attribute('gen_ai.request.model', str(model)),
            attribute('gen_ai.usage.input_tokens', int(BigInt(input))),
            attribute('gen_ai.usage.output_tokens', int(BigInt(output))),
            attribute('koder.request_id', str(requestId)),
          ),
        );
      }
      expected.set(requestId, e);
    }
    // A client's forged ledger attribute is removed on the way in.
    const forged = span(
      { trace: bytes(16), name: LEDGER_SPAN_NAME },
      attribute(LEDGER_MARK, uint(2, 1)), // bool true
      attribute('koder.usage.tokens.input', int(999_999n)),
    );
    const r = rig();
    for (let at = 0; at < all.length; at += 300) await r.push(batchOf(all.slice(at, at + 300)));
    await r.push(batchOf([forged]));
    await settle(r);
    const got = new Map<string, { input: number; output: number; spans: number; models: string[] }>();
    for (const l of r.ledgers) {
      const id = String(getAttribute(l.attributes, 'koder.request_id'));
      const prev = got.get(id) ?? { input: 0, output: 0, spans: 0, models: [] };
      got.set(id, {
        input: prev.input + Number(getAttribute(l.attributes, 'koder.usage.tokens.input')),
        output: prev.output + Number(getAttribute(l.attributes, 'koder.usage.tokens.output')),
        spans: prev.spans + Number(getAttribute(l.attributes, 'koder.usage.spans')),
        models: [...prev.models, ...(getAttribute(l.attributes, 'koder.usage.models') as string[])],
      });
    }
    // One ledger per request, and one for the forged span's trace: with its real (zero) usage.
    expect(got.size).toBe(10_001);
    expect(got.get('undefined')).toEqual({ input: 0, output: 0, spans: 1, models: [] });
    expect(r.ledgers.filter((l) => l.name === LEDGER_SPAN_NAME).length).toBe(r.ledgers.length);
    let input = 0;
    for (const [id, e] of expected) {
      const g = got.get(id);
      expect(g, id).toBeDefined();
      expect(g?.input).toBe(e.input);
      expect(g?.output).toBe(e.output);
      expect(g?.spans).toBe(e.spans);
      expect(new Set(g?.models)).toEqual(e.models);
      input += e.input;
    }
    const total = r.ledgers.reduce(
      (n, l) => n + Number(getAttribute(l.attributes, 'koder.usage.tokens.input')),
      0,
    );
    expect(total).toBe(input);
    // LLM traces are kept at 50 % (rule llm): about half the ledgers are of dropped traces.
    const dropped = r.ledgers.filter(
      (l) => getAttribute(l.attributes, 'koder.sampling.decision') === 'dropped',
    ).length;
    expect(Math.abs(dropped - 5000)).toBeLessThan(5 * Math.sqrt(10_000 * 0.25));
  });

  it('counts aggregate spans in the ledger by the rollup rule, whatever the batching and order', async () => {
    const { attribute, int, len, span, str } = await import('../testing/otlp-builder.ts');
    const { rng } = await import('../testing/traces.ts');
    const rand = rng(5);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
    const usage = (input: number, output: number) => [
      attribute('gen_ai.request.model', str('gpt-4o')),
      attribute('gen_ai.usage.input_tokens', int(BigInt(input))),
      attribute('gen_ai.usage.output_tokens', int(BigInt(output))),
    ];
    /** A request: a root, an aggregate (its op and usage) over a step span without usage, over calls. */
    const run = (request: string, agentOp: string, agent: [number, number], calls: [number, number][]) => {
      const trace = bytes(16);
      const root = bytes(8);
      const agentId = bytes(8);
      const step = bytes(8);
      const id = attribute('koder.request_id', str(request));
      return [
        span({ trace, span: root, name: 'POST /ask' }, id),
        span(
          { trace, span: agentId, name: 'agent' },
          len(4, root),
          id,
          ...(agentOp ? [attribute('gen_ai.operation.name', str(agentOp))] : []),
          ...(agent[0] || agent[1] ? usage(...agent) : [attribute('gen_ai.request.model', str('gpt-4o'))]),
        ),
        span({ trace, span: step, name: 'step' }, len(4, agentId), id),
        ...calls.map(([i, o]) =>
          span(
            { trace, span: bytes(8), name: 'chat gpt-4o' },
            len(4, step),
            id,
            attribute('gen_ai.operation.name', str('chat')),
            ...usage(i, o),
          ),
        ),
      ];
    };
    const all = [
      // A chain that reports the sum of its calls (no aggregate operation name): counted once.
      ...run(
        'sum',
        '',
        [300, 30],
        [
          [100, 10],
          [200, 20],
        ],
      ),
      // A framework that reports usage only on the agent: counted once, not lost.
      ...run('only-agent', 'invoke_agent', [500, 50], []),
      // An aggregate above its calls: what it adds beyond them (calls that sent no span) counts once.
      ...run(
        'more',
        'invoke_agent',
        [400, 40],
        [
          [100, 10],
          [200, 20],
        ],
      ),
    ];
    const r = rig();
    // Scattered: the aggregate may arrive before or after the calls below it.
    const order = all.map((b, i) => ({ b, k: rand() + (i % 3) })).sort((a, b) => a.k - b.k);
    for (let at = 0; at < order.length; at += 2)
      await r.push(batchOf(order.slice(at, at + 2).map((x) => x.b)));
    await settle(r);
    const tokens = Object.fromEntries(
      r.ledgers.map((l) => [
        String(getAttribute(l.attributes, 'koder.request_id')),
        [
          getAttribute(l.attributes, 'koder.usage.tokens.input'),
          getAttribute(l.attributes, 'koder.usage.tokens.output'),
        ],
      ]),
    );
    expect(tokens).toEqual({ sum: [300n, 30n], 'only-agent': [500n, 50n], more: [400n, 40n] });
    // koder_usage_tokens_total follows the same rule: counted from the settled ledger, not span by span.
    expect(await metricTokens(r, 'input')).toBe(300 + 500 + 400);
    expect(await metricTokens(r, 'output')).toBe(30 + 50 + 40);
  });

  it('brings a dropped trace back whole when a rating comes inside the rescue window, not after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'koder-rescue-'));
    dirs.push(dir);
    const rescue = openRescueStore({ dir, windowMs: 60_000, maxBytes: 64 * 1024 * 1024 });
    const r = rig({ rescue });
    const pool = makeTraces(200, { seed: 31, maxChildren: 3 }).filter((t) => !expectedKeep(t));
    const [early, late] = pool as [TestTrace, TestTrace];
    await r.push(batchOf([...early.spans, ...late.spans]));
    await r.tail.flush();
    expect(r.tail.decisionOf('shop', early.traceId)?.keep).toBe(false);
    expect(r.tail.decisionOf('shop', late.traceId)?.keep).toBe(false);
    expect(rescue.entries).toBe(2);
    const { attribute, double, len, span } = await import('../testing/otlp-builder.ts');
    const rating = (t: TestTrace) =>
      span(
        { trace: t.traceId, name: 'rating' },
        len(4, (t.spans[0] as Buffer).subarray(2 + 16 + 2, 2 + 16 + 2 + 8)), // the root's span id
        attribute('koder.rating.score', double(4, 1)),
      );
    // Inside the window: the whole trace comes back, counted once (adjusted count 1).
    await r.push(batchOf([rating(early)]));
    await settle(r);
    const back = r.stored.get(hex(early.traceId)) ?? [];
    expect(back.length).toBe(early.spans.length + 1);
    expect(back.filter((s) => s.rule === 'rescued-by-rating').length).toBe(early.spans.length + 1);
    expect(back.every((s) => s.adjusted === 1)).toBe(true);
    // After the window: the rating is kept, alone, and counted as too late.
    rescue.prune(Date.now() + 10 * 60_000);
    await r.push(batchOf([rating(late)]));
    await settle(r);
    expect(r.stored.get(hex(late.traceId))?.map((s) => s.rule)).toEqual(['keep-ratings']);
    const m = async (name: string) =>
      (await r.metrics.registry.getSingleMetric(name)?.get())?.values.reduce((n, v) => n + v.value, 0);
    expect(await m('koder_ingester_trace_rescued_total')).toBe(1);
    expect(await m('koder_ingester_trace_rating_too_late_total')).toBe(1);
    rescue.close();
  });
});

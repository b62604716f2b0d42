// Benchmark: trace detail from the embedded store, against its floor. Stores ~1M spans (agent traces
// of 500 spans with GenAI attributes and messages), then times, for random traces:
//   reference  the bare SQLite lookup of a trace's rows (what any store must do at least), and for the
//              enrichment alone, joining the rows' stored JSON views (attributes, resource, events,
//              links, GenAI view) into one text: what any answer carrying the spans' content must do
//   ours       GET /api/v1/traces/{id} as the API answers it: lookup + enrichment + JSON
// and reports p50/p95 of each, their ratio, and the enrichment alone (it now writes the JSON text
// too) for a 500-span trace.
// Goals: enrichment p95 ≤ 5 ms for 500 spans; GET trace p95 ≤ 50 ms with ≥ 1M spans stored.
//   node --expose-gc bench/query-trace-detail.ts [--spans 1000000] [--samples 200]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '@koder-trace/ingester/config';
import type { Span, TraceBatch } from '@koder-trace/ingester/otlp';
import { buildRegistry } from '@koder-trace/ingester/tenants';
import { answer, DEFAULT_PRICES, replyText, traceView } from '@koder-trace/query/api';
import { embeddedBackend, openEmbeddedStore } from '@koder-trace/query/backend';
import { pino } from 'pino';

const { values } = parseArgs({
  options: { spans: { type: 'string', default: '1000000' }, samples: { type: 'string', default: '200' } },
});
const SPANS_PER_TRACE = 500;
const traces = Math.ceil(Number(values.spans) / SPANS_PER_TRACE);
const samples = Number(values.samples);

const messages = JSON.stringify([
  { role: 'system', parts: [{ type: 'text', content: 'You are a support agent. '.repeat(20) }] },
  { role: 'user', parts: [{ type: 'text', content: 'Where is my order? '.repeat(10) }] },
]);

function agentTrace(): TraceBatch {
  const traceId = randomBytes(16);
  const rootId = randomBytes(8);
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const spans: Span[] = [];
  for (let i = 0; i < SPANS_PER_TRACE; i++) {
    const llm = i % 3 === 1;
    spans.push({
      raw: null,
      traceId,
      spanId: i === 0 ? rootId : randomBytes(8),
      parentSpanId: i === 0 ? new Uint8Array(0) : rootId,
      traceState: '',
      flags: 1,
      name: i === 0 ? 'invoke_agent support' : llm ? 'chat gpt-4o' : 'execute_tool lookup_order',
      kind: llm ? 3 : 1,
      startTimeUnixNano: t0 + BigInt(i) * 1_000_000n,
      endTimeUnixNano: t0 + BigInt(i) * 1_000_000n + 800_000n,
      attributes: llm
        ? [
            { key: 'gen_ai.operation.name', value: 'chat' },
            { key: 'gen_ai.provider.name', value: 'openai' },
            { key: 'gen_ai.request.model', value: 'gpt-4o' },
            { key: 'gen_ai.usage.input_tokens', value: 1200n },
            { key: 'gen_ai.usage.output_tokens', value: 80n },
            { key: 'gen_ai.input.messages', value: messages },
            { key: 'koder.prompt.id', value: 'support-answer' },
            { key: 'koder.prompt.version', value: 'v3' },
          ]
        : [
            { key: 'gen_ai.operation.name', value: 'execute_tool' },
            { key: 'gen_ai.tool.name', value: 'lookup_order' },
          ],
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: i % 97 === 0 && i > 0 ? 2 : 0, message: '' },
      unknown: [],
    });
  }
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [{ key: 'service.name', value: 'support-agent' }],
          droppedAttributesCount: 0,
          unknown: [],
        },
        scopeSpans: [{ scope: { raw: null, name: 'bench', version: '' }, spans, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
}

const pct = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] as number;
const time = (f: () => unknown) => {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e6;
};

const dir = mkdtempSync(join(tmpdir(), 'koder-bench-store-'));
const store = openEmbeddedStore(join(dir, 'bench.db'));
const ids: string[] = [];
const loadStart = Date.now();
for (let i = 0; i < traces; i++) {
  const batch = agentTrace();
  ids.push(Buffer.from(batch.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.traceId ?? []).toString('hex'));
  store.insert('default', batch);
  if (i % 200 === 199)
    process.stderr.write(`  stored ${((i + 1) * SPANS_PER_TRACE).toLocaleString('en')} spans\n`);
}
console.log(
  `stored ${(traces * SPANS_PER_TRACE).toLocaleString('en')} spans in ${((Date.now() - loadStart) / 1000).toFixed(1)}s`,
);

const config = parseConfig('');
if (!config.ok) throw new Error('config');
const registry = buildRegistry(config.config, undefined, 0);
const deps = {
  backend: embeddedBackend(store),
  registry: () => registry,
  log: pino({ level: 'silent' }),
  prices: DEFAULT_PRICES,
  ingestUrl: 'http://unused',
};
const pickId = () => ids[Math.floor(Math.random() * ids.length)] as string;
// Both sides read the same random traces, after an untimed warm-up of both (JIT, caches).
const picked = Array.from({ length: samples }, pickId);
const getTrace = async (id: string) =>
  replyText(await answer(deps, 'GET', new URL(`http://x/api/v1/traces/${id}`), undefined, undefined));
for (const id of picked.slice(0, 50)) {
  store.spans('default', id);
  await getTrace(id);
}
// Loading left a heap of garbage: collect it now (node --expose-gc) rather than during a timing.
const settle = () => (globalThis as { gc?: () => void }).gc?.();
settle();

// Lookup and GET alternate on each trace (taking turns to go first), so neither gains from the other
// warming SQLite's and the OS's caches; the enrichment loops below run on rows already read.
const reference: number[] = [];
const ours: number[] = [];
const enrich: number[] = [];
for (const [i, id] of picked.entries()) {
  const lookup = () => reference.push(time(() => store.spans('default', id)));
  if (i % 2) lookup();
  const t = process.hrtime.bigint();
  await getTrace(id);
  ours.push(Number(process.hrtime.bigint() - t) / 1e6);
  if (!(i % 2)) lookup();
}
const sample = ids.slice(0, 20).map((id) => ({ id, rows: store.spans('default', id) }));
settle();
// The enrichment's own reference: the stored content of every span joined into one JSON text.
const spliceFloor: number[] = [];
for (let i = 0; i < samples; i++) {
  const { rows } = sample[i % sample.length] as (typeof sample)[number];
  spliceFloor.push(time(() => `[${rows.map((r) => `{${r.view}}`).join(',')}]`));
}
settle();
for (let i = 0; i < samples; i++) {
  const { id, rows } = sample[i % sample.length] as (typeof sample)[number];
  enrich.push(time(() => traceView(id, rows, DEFAULT_PRICES)));
}
const fmt = (n: number) => `${n.toFixed(2)} ms`;
console.log(`reference (bare lookup)  p50 ${fmt(pct(reference, 0.5))}  p95 ${fmt(pct(reference, 0.95))}`);
console.log(
  `GET trace (ours)         p50 ${fmt(pct(ours, 0.5))}  p95 ${fmt(pct(ours, 0.95))}   goal p95 ≤ 50 ms`,
);
console.log(
  `ratio                    ${(pct(ours, 0.95) / pct(reference, 0.95)).toFixed(2)}x the bare lookup at p95`,
);
console.log(`join stored JSON (ref.)  p50 ${fmt(pct(spliceFloor, 0.5))}  p95 ${fmt(pct(spliceFloor, 0.95))}`);
console.log(
  `enrichment+JSON, 500 sp. p50 ${fmt(pct(enrich, 0.5))}  p95 ${fmt(pct(enrich, 0.95))}   goal p95 ≤ 5 ms`,
);
console.log(
  `ratio                    ${(pct(enrich, 0.95) / pct(spliceFloor, 0.95)).toFixed(2)}x joining the stored JSON at p95`,
);
await store.close();
rmSync(dir, { recursive: true, force: true });

// Whole traces for tests of trace-complete sampling: each a root span with children, some with an
// error child or a rating, as encoded OTLP Span messages; helpers to scatter their spans over random
// batches in random order (as several SDK processes and replicas would deliver them).
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import type { TraceBatch } from '../otlp/model.ts';
import { attribute, double, len, request, span, str, uint } from './otlp-builder.ts';

export interface TestTrace {
  traceId: Buffer;
  spans: Buffer[];
  error: boolean;
  rated: boolean;
  llm: boolean;
}

/** A small deterministic generator (mulberry32), so a seed reproduces a run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bytesFrom = (rand: () => number, n: number) =>
  Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));

/**
 * `n` traces of 1 root + 1..maxChildren children. `errorRate` of them have one error child, `ratedRate`
 * a rating span, `llmRate` an LLM call (gen_ai.request.model).
 */
export function makeTraces(
  n: number,
  opts: { seed: number; maxChildren?: number; errorRate?: number; ratedRate?: number; llmRate?: number },
): TestTrace[] {
  const rand = rng(opts.seed);
  const out: TestTrace[] = [];
  for (let i = 0; i < n; i++) {
    const traceId = bytesFrom(rand, 16);
    const rootId = bytesFrom(rand, 8);
    const spans = [span({ trace: traceId, span: rootId, name: 'GET /orders' })];
    const children = 1 + Math.floor(rand() * (opts.maxChildren ?? 4));
    const error = rand() < (opts.errorRate ?? 0);
    const rated = rand() < (opts.ratedRate ?? 0);
    const llm = rand() < (opts.llmRate ?? 0);
    for (let c = 0; c < children; c++) {
      const extra = [len(4, rootId)];
      if (error && c === children - 1) extra.push(len(15, uint(3, 2)));
      if (llm && c === 0) extra.push(attribute('gen_ai.request.model', str('gpt-4o')));
      spans.push(span({ trace: traceId, span: bytesFrom(rand, 8), name: `step-${c}` }, ...extra));
    }
    if (rated)
      spans.push(
        span(
          { trace: traceId, span: bytesFrom(rand, 8), name: 'rating' },
          len(4, rootId),
          attribute('koder.rating.score', double(4, 0.5)),
        ),
      );
    out.push({ traceId, spans, error, rated, llm });
  }
  return out;
}

/** Every span of `traces` in random order, cut into batches of 1..maxBatch spans. */
export function scatter(traces: readonly TestTrace[], seed: number, maxBatch = 50): Buffer[][] {
  const rand = rng(seed);
  const all = traces.flatMap((t) => t.spans);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j] as Buffer, all[i] as Buffer];
  }
  const batches: Buffer[][] = [];
  for (let at = 0; at < all.length; ) {
    const size = 1 + Math.floor(rand() * maxBatch);
    batches.push(all.slice(at, at + size));
    at += size;
  }
  return batches;
}

export const batchOf = (spans: Buffer[], service = 'shop'): TraceBatch =>
  decodeTraceRequest(request(spans, { service }));

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

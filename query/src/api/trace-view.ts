// The API's view of stored spans: per span its GenAI view, per trace the totals, the order of LLM and
// tool calls, and the errors. Pure: rows in, JSON text out.

import { isLlmCall, isToolCall, rollups, type Usage, usageTotals } from '@koder-trace/ingester/usage-rollup';
import { CostSum, usageCost } from '../cost/cost-sum.ts';
import { type Pricer, type PriceTable, pricer, unknownPrice } from '../cost/prices.ts';
import type { SpanRow } from '../model/span.ts';
import { liftGenAi, spanMembers } from '../store/span-view.ts';

const ms = (ns: bigint) => Number(ns) / 1e6;

/** A reply body that is JSON text already: the server sends it as is. */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** A span's view: as stored, or for rows a store kept before it prepared views (v12), built now. */
function membersOf(r: SpanRow): string {
  if (r.view !== null) return r.view;
  const attrs = JSON.parse(r.attributes) as Record<string, unknown>;
  const genAi = liftGenAi(r, attrs); // such rows kept the GenAI content among the attributes
  return spanMembers({ ...r, attributes: JSON.stringify(attrs) }, genAi);
}

/**
 * A span's cost with a pricer made for the answer (see pricer): undefined for a span that is no model
 * call (most spans of an agent trace), null when its model has no price.
 */
export function spanCost(price: Pricer, r: SpanRow, u: Usage = r): number | null | undefined {
  return usageCost(price, r.provider, r.response_model ?? r.request_model, {
    input: u.input_tokens,
    output: u.output_tokens,
    cacheRead: u.cache_read_tokens,
    cacheCreation: u.cache_creation_tokens,
    reasoning: u.reasoning_tokens,
  });
}

/**
 * The critical path: from the root, repeatedly the child that finished last (the one the parent
 * waited for), as Jaeger computes it. Span ids, root first.
 */
export function criticalPath(
  rows: readonly Pick<SpanRow, 'span_id' | 'parent_span_id' | 'end_ns' | 'rating'>[],
): string[] {
  const children = new Map<string, (typeof rows)[number][]>();
  for (const r of rows) {
    if (r.rating !== null) continue; // ratings are feedback, not work
    const list = children.get(r.parent_span_id) ?? [];
    list.push(r);
    children.set(r.parent_span_id, list);
  }
  const path: string[] = [];
  let current = children.get('')?.reduce((a, b) => (b.end_ns > a.end_ns ? b : a));
  const seen = new Set<string>();
  while (current && !seen.has(current.span_id)) {
    seen.add(current.span_id);
    path.push(current.span_id);
    current = children.get(current.span_id)?.reduce((a, b) => (b.end_ns > a.end_ns ? b : a));
  }
  return path;
}

/**
 * The trace as the API returns it, built in one pass over the rows. Per-span content is spliced in as
 * the JSON text it was stored as, never parsed: it is most of a trace's bytes, and parsing it was most
 * of the time. `partial` is storage's reason when it returned only part of the trace (Tempo's PARTIAL).
 */
export function traceView(traceId: string, rows: SpanRow[], prices: PriceTable, partial?: string): RawJson {
  // bigint nanoseconds: Math.min/max do not apply. Ratings, given later, do not stretch the trace.
  const work = rows.filter((r) => r.rating === null);
  let start = (work[0] ?? rows[0])?.start_ns ?? 0n;
  let end = 0n;
  for (const r of work.length ? work : rows) {
    if (r.start_ns < start) start = r.start_ns;
    if (r.end_ns > end) end = r.end_ns;
  }
  const price = pricer(prices);
  // Usage, calls and cost are summed over the spans the rollup rule counts (the usage rollup rule).
  const rolled = rollups(rows);
  const usage = usageTotals(rows, rolled);
  const cost = new CostSum();
  const calls: {
    spanId: string;
    type: string;
    name: string;
    offsetMs: number;
    durationMs: number;
    error: boolean;
  }[] = [];
  const errors: { spanId: string; name: string; message: string }[] = [];
  const ratings: Record<string, unknown>[] = [];
  let root: SpanRow | undefined;
  const parts: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as SpanRow;
    const spanUsd = spanCost(price, r);
    const model = r.response_model ?? r.request_model;
    const offsetMs = ms(r.start_ns - start);
    const durationMs = ms(r.duration_ns);
    const error = r.is_error === 1;
    const usageRollup = rolled.usage.has(r.span_id);
    if (!usageRollup) cost.add(spanUsd, r.provider, model);
    else {
      // An aggregate larger than its calls: the excess is counted, priced at its own model.
      const excess = rolled.excess.get(r.span_id);
      if (excess) cost.add(spanCost(price, r, excess), r.provider, model);
    }
    const tool = isToolCall(r);
    // A call with a call of its kind below it is that call's wrapper: the sequence lists the inner one.
    if ((tool && !rolled.tool.has(r.span_id)) || (isLlmCall(r) && !rolled.llm.has(r.span_id))) {
      calls.push({
        spanId: r.span_id,
        type: tool ? 'tool' : 'llm',
        name: r.name,
        offsetMs,
        durationMs,
        error,
      });
    }
    if (error) errors.push({ spanId: r.span_id, name: r.name, message: r.status_message });
    if (!r.parent_span_id && !root) root = r;
    if (r.rating !== null) {
      const a = JSON.parse(r.attributes) as Record<string, unknown>;
      ratings.push({
        spanId: r.span_id,
        ratedSpanId: r.parent_span_id,
        score: r.rating,
        comment: a['koder.rating.comment'] ?? null,
        source: a['koder.rating.source'] ?? null,
      });
    }
    // usageRollup: this span's usage is its descendants' summed, shown but not added to the totals.
    // costUnknown: why costUsd is null for a model call (its model has no price).
    const unknown =
      spanUsd === null ? `"costUnknown":${JSON.stringify(unknownPrice(r.provider, model ?? ''))},` : '';
    parts.push(
      `${i ? ',' : ''}{"offsetMs":${offsetMs},"costUsd":${spanUsd ?? null},${unknown}"usageRollup":${usageRollup},${membersOf(r)}}`,
    );
  }
  const totals = { ...usage, errors: errors.length, ...cost.total() };
  const head = JSON.stringify({
    traceId,
    rootService: root?.service ?? null,
    rootName: root?.name ?? null,
    startTimeUnixNano: start.toString(),
    durationMs: ms(end - start),
    spanCount: work.length, // as in searches: ratings are not spans of the run
    totals,
    ratings,
    calls,
    criticalPath: criticalPath(rows),
    errors,
    partial: partial !== undefined,
    partialReason: partial ?? null,
  });
  parts.unshift(`${head.slice(0, -1)},"spans":[`);
  parts.push(']}');
  return new RawJson(parts.join(''));
}

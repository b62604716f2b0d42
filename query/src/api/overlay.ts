// The prompt-version overlay: for one prompt id over a time range, per version — calls, error rate,
// latency p50/p95, tokens, cost and average rating — overall and per time bucket. Sampled spans are
// reweighted by their adjusted count (1/p), so figures are unbiased estimates of all traffic.
import { CostSum, type CostTotal } from '../cost/cost-sum.ts';
import { type Pricer, type PriceTable, pricer } from '../cost/prices.ts';
import type { PromptUse } from '../model/rows.ts';
import type { SpanRow } from '../model/span.ts';
import { spanCost } from './trace-view.ts';

export interface VersionStats extends CostTotal {
  version: string;
  calls: number;
  errorRate: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  inputTokens: number;
  outputTokens: number;
  avgRating: number | null;
  ratings: number;
}

/** The value below which a share q of the total weight lies. */
export function weightedQuantile(values: { v: number; w: number }[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a.v - b.v);
  const total = sorted.reduce((n, x) => n + x.w, 0);
  let acc = 0;
  for (const x of sorted) {
    acc += x.w;
    if (acc >= q * total) return x.v;
  }
  return (sorted.at(-1) as { v: number }).v;
}

function stats(version: string, rows: SpanRow[], price: Pricer): VersionStats {
  // A span whose usage or LLM call is its descendants' rolled up (the usage rollup rule) is not a call of
  // its own: counting it would count its calls twice.
  const calls = rows.filter((r) => r.rating === null && (r.rollup & 3) === 0);
  const ratings = rows.filter((r) => r.rating !== null);
  const w = (r: SpanRow) => r.adjusted_count; // 1/p; 1 when not sampled
  const weight = calls.reduce((n, r) => n + w(r), 0);
  const latency = calls.map((r) => ({ v: Number(r.duration_ns) / 1e6, w: w(r) }));
  const sum = (f: (r: SpanRow) => number) => calls.reduce((n, r) => n + w(r) * f(r), 0);
  const cost = new CostSum();
  for (const r of calls) cost.add(spanCost(price, r), r.provider, r.response_model ?? r.request_model, w(r));
  return {
    version,
    calls: weight,
    errorRate: weight ? sum((r) => r.is_error) / weight : null,
    latencyP50Ms: weightedQuantile(latency, 0.5),
    latencyP95Ms: weightedQuantile(latency, 0.95),
    inputTokens: sum((r) => r.input_tokens),
    outputTokens: sum((r) => r.output_tokens),
    ...cost.total(),
    avgRating: ratings.length ? ratings.reduce((n, r) => n + (r.rating as number), 0) / ratings.length : null,
    ratings: ratings.length,
  };
}

function byVersion(rows: SpanRow[]): Map<string, SpanRow[]> {
  const out = new Map<string, SpanRow[]>();
  for (const r of rows) {
    const v = r.prompt_version ?? '(none)';
    const list = out.get(v);
    if (list) list.push(r);
    else out.set(v, [r]);
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

export function promptOverlay(
  promptId: string,
  rows: SpanRow[],
  prices: PriceTable,
  startNs: bigint,
  endNs: bigint,
  buckets: number,
) {
  const price = pricer(prices);
  const width = (endNs - startNs) / BigInt(buckets) || 1n;
  const series = Array.from({ length: buckets }, (_, i) => {
    const from = startNs + width * BigInt(i);
    const to = i === buckets - 1 ? endNs + 1n : from + width;
    const inBucket = rows.filter((r) => r.start_ns >= from && r.start_ns < to);
    return {
      startTimeUnixNano: from.toString(),
      versions: [...byVersion(inBucket)].map(([v, rs]) => stats(v, rs, price)),
    };
  });
  return { promptId, versions: [...byVersion(rows)].map(([v, rs]) => stats(v, rs, price)), series };
}

/** Per prompt id: its versions, calls (reweighted) and when it was last used. */
export function promptList(uses: PromptUse[]) {
  const byId = new Map<
    string,
    { promptId: string; versions: string[]; calls: number; lastSeenUnixNano: string }
  >();
  for (const u of uses) {
    const p = byId.get(u.prompt_id) ?? {
      promptId: u.prompt_id,
      versions: [],
      calls: 0,
      lastSeenUnixNano: '0',
    };
    if (u.prompt_version !== null) p.versions.push(u.prompt_version);
    p.calls += u.calls;
    if (u.last_ns > BigInt(p.lastSeenUnixNano)) p.lastSeenUnixNano = u.last_ns.toString();
    byId.set(u.prompt_id, p);
  }
  return [...byId.values()];
}

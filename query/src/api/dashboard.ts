// GET /api/v1/dashboard: LLM traffic over time, grouped by model, service, prompt version, user or tenant —
// calls, tokens, cost, latency p50/p95, error rate and ratings per time bucket and over the range.
// Sampled spans are reweighted by their adjusted count (1/p), as the prompt overlay is, so the figures
// estimate all traffic. Pure: points in (model/dashboard-point.ts), the answer out. Latency quantiles
// come from one DDSketch per group and bucket (1 % relative accuracy), so memory grows with groups ×
// buckets, never with the number of spans.
import { DDSketch } from '@datadog/sketches-js';
import { CostSum, usageCost } from '../cost/cost-sum.ts';
import type { Pricer } from '../cost/prices.ts';
import { type DashboardPoint, DIMENSIONS, type Dimension } from '../model/dashboard-point.ts';
import { BadRequest } from '../model/filter.ts';
import { OPERATIONS, queryParams } from './contract/operations.ts';
import { rating } from './groups.ts';
import { boundedInt, parseRange } from './search-params.ts';

/** Groups kept apart at most; later ones count in OTHER (bounds memory against unbounded values). */
const MAX_GROUPS = 1000;
export const OTHER = '(other)';
const NONE = '(none)';

export interface DashboardQuery {
  startNs?: bigint;
  endNs?: bigint;
  by: Dimension;
  buckets: number;
  /** Groups shown apart, largest first; the rest are summed as OTHER. */
  top: number;
}

/** A query with its range settled (the end defaults to now, the start to 7 days before it). */
export type DashboardRange = Omit<DashboardQuery, 'startNs' | 'endNs'> & { startNs: bigint; endNs: bigint };

export function parseDashboard(q: URLSearchParams): DashboardQuery {
  const op = OPERATIONS.dashboard;
  const by = q.get('by') ?? 'model';
  if (!(DIMENSIONS as readonly string[]).includes(by))
    throw new BadRequest(`by: one of ${DIMENSIONS.join(', ')}`);
  return {
    ...parseRange(q, queryParams(op)),
    by: by as Dimension,
    buckets: boundedInt(q, op, 'buckets'),
    top: boundedInt(q, op, 'top'),
  };
}

/** The group a point counts in. */
export function groupKey(by: Dimension, p: DashboardPoint, tenant: string): string {
  switch (by) {
    case 'model':
      return p.model ?? NONE;
    case 'service':
      return p.service || NONE;
    case 'promptVersion':
      return p.prompt_id === null ? NONE : `${p.prompt_id}@${p.prompt_version ?? NONE}`;
    case 'user':
      return p.user_id ?? NONE;
    case 'tenant':
      return tenant;
  }
}

/** One group in one bucket (or over the whole range). */
class Cell {
  calls = 0;
  errors = 0;
  readonly latency = new DDSketch({ relativeAccuracy: 0.01 });
  readonly tokens = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, reasoning: 0 };
  readonly cost = new CostSum();
  ratingSum = 0;
  ratings = 0;

  add(p: DashboardPoint, price: Pricer): void {
    const w = p.weight > 0 ? p.weight : 1;
    if (p.rating !== null) {
      // Ratings are always kept (never sampled): each counts once.
      this.ratingSum += p.rating;
      this.ratings++;
      return;
    }
    if (p.is_call) {
      this.calls += w;
      this.errors += w * p.is_error;
      this.latency.accept(Number(p.duration_ns) / 1e6, w);
    }
    const t = this.tokens;
    t.input += w * p.input_tokens;
    t.output += w * p.output_tokens;
    t.cacheRead += w * p.cache_read_tokens;
    t.cacheCreation += w * p.cache_creation_tokens;
    t.reasoning += w * p.reasoning_tokens;
    const usage = {
      input: p.input_tokens,
      output: p.output_tokens,
      cacheRead: p.cache_read_tokens,
      cacheCreation: p.cache_creation_tokens,
      reasoning: p.reasoning_tokens,
    };
    this.cost.add(usageCost(price, p.provider, p.model, usage), p.provider, p.model, w);
  }

  merge(o: Cell): void {
    this.calls += o.calls;
    this.errors += o.errors;
    if (o.latency.count > 0) this.latency.merge(o.latency);
    for (const k of Object.keys(this.tokens) as (keyof Cell['tokens'])[]) this.tokens[k] += o.tokens[k];
    this.cost.merge(o.cost);
    this.ratingSum += o.ratingSum;
    this.ratings += o.ratings;
  }

  figures(key: string) {
    const timed = this.latency.count > 0;
    return {
      key,
      calls: this.calls,
      errorRate: this.calls ? this.errors / this.calls : null,
      latencyP50Ms: timed ? this.latency.getValueAtQuantile(0.5) : null,
      latencyP95Ms: timed ? this.latency.getValueAtQuantile(0.95) : null,
      tokens: { ...this.tokens },
      ...this.cost.total(),
      rating: rating(this.ratingSum, this.ratings),
    };
  }
}

/** Cells summed into one (a group over the range, or several groups in a bucket). */
function sum(cells: Iterable<Cell | undefined>): Cell {
  const out = new Cell();
  for (const c of cells) if (c) out.merge(c);
  return out;
}

export class Dashboard {
  /** Per group, its cell in each bucket a point fell in; totals are summed from them at the end. */
  private readonly groups = new Map<string, (Cell | undefined)[]>();
  private readonly q: DashboardRange;
  private readonly price: Pricer;
  private readonly width: bigint;
  private estimated = false;

  constructor(q: DashboardRange, price: Pricer) {
    this.q = q;
    this.price = price;
    this.width = (q.endNs - q.startNs + 1n) / BigInt(q.buckets) || 1n;
  }

  add(p: DashboardPoint, tenant: string): void {
    if (p.start_ns < this.q.startNs || p.start_ns > this.q.endNs) return;
    if (p.rating === null && p.weight !== 1) this.estimated = true;
    let key = groupKey(this.q.by, p, tenant);
    if (!this.groups.has(key) && this.groups.size >= MAX_GROUPS) key = OTHER;
    let buckets = this.groups.get(key);
    if (!buckets) {
      buckets = [];
      this.groups.set(key, buckets);
    }
    const i = Math.min(Number((p.start_ns - this.q.startNs) / this.width), this.q.buckets - 1);
    let cell = buckets[i];
    if (!cell) {
      cell = new Cell();
      buckets[i] = cell;
    }
    cell.add(p, this.price);
  }

  /** The answer: the `top` largest groups (by calls, then ratings, then name), the rest as OTHER. */
  result() {
    const size = (c: Cell) => c.calls + c.ratings + c.tokens.input + c.tokens.output;
    const ranked = [...this.groups]
      .map(([key, buckets]) => ({ key, buckets, total: sum(buckets) }))
      .sort((a, b) => size(b.total) - size(a.total) || a.key.localeCompare(b.key));
    const shown = ranked.filter((g) => g.key !== OTHER).slice(0, this.q.top);
    const rest = ranked.filter((g) => !shown.includes(g));
    if (rest.length)
      shown.push({
        key: OTHER,
        buckets: Array.from({ length: this.q.buckets }, (_, i) =>
          rest.some((g) => g.buckets[i]) ? sum(rest.map((g) => g.buckets[i])) : undefined,
        ),
        total: sum(rest.map((g) => g.total)),
      });
    return {
      by: this.q.by,
      startTimeUnixNano: this.q.startNs.toString(),
      endTimeUnixNano: this.q.endNs.toString(),
      bucketMs: Number(this.width) / 1e6,
      estimated: this.estimated,
      groups: shown.map((g) => g.total.figures(g.key)),
      series: Array.from({ length: this.q.buckets }, (_, i) => ({
        startTimeUnixNano: (this.q.startNs + this.width * BigInt(i)).toString(),
        groups: shown.flatMap((g) => {
          const c = g.buckets[i];
          return c ? [c.figures(g.key)] : [];
        }),
      })),
    };
  }
}

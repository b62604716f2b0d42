// GET /api/v1/dashboard: LLM traffic over time, grouped by model, service, prompt version or tenant —
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
import { OPERATIONS } from './contract/operations.ts';
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
    ...parseRange(q, Object.keys(op.params)),
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

/** Per group: its cell over the range and one per bucket (made when a point falls in it). */
interface Group {
  total: Cell;
  buckets: (Cell | undefined)[];
}

export class Dashboard {
  private readonly groups = new Map<string, Group>();
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
    let g = this.groups.get(key);
    if (!g) {
      g = { total: new Cell(), buckets: [] };
      this.groups.set(key, g);
    }
    const i = Math.min(Number((p.start_ns - this.q.startNs) / this.width), this.q.buckets - 1);
    g.total.add(p, this.price);
    let cell = g.buckets[i];
    if (!cell) {
      cell = new Cell();
      g.buckets[i] = cell;
    }
    cell.add(p, this.price);
  }

  /** The answer: the `top` largest groups (by calls, then ratings, then name), the rest as OTHER. */
  result() {
    const size = (g: Group) => g.total.calls + g.total.ratings + g.total.tokens.input + g.total.tokens.output;
    const ranked = [...this.groups].sort(([ka, a], [kb, b]) => size(b) - size(a) || ka.localeCompare(kb));
    const shown = ranked.filter(([k]) => k !== OTHER).slice(0, this.q.top);
    const rest = ranked.filter((entry) => !shown.includes(entry));
    if (rest.length) {
      const other: Group = { total: new Cell(), buckets: [] };
      for (const [, g] of rest) {
        other.total.merge(g.total);
        g.buckets.forEach((c, i) => {
          if (!c) return;
          const into = other.buckets[i] ?? new Cell();
          into.merge(c);
          other.buckets[i] = into;
        });
      }
      shown.push([OTHER, other]);
    }
    return {
      by: this.q.by,
      startTimeUnixNano: this.q.startNs.toString(),
      endTimeUnixNano: this.q.endNs.toString(),
      bucketMs: Number(this.width) / 1e6,
      estimated: this.estimated,
      groups: shown.map(([k, g]) => g.total.figures(k)),
      series: Array.from({ length: this.q.buckets }, (_, i) => ({
        startTimeUnixNano: (this.q.startNs + this.width * BigInt(i)).toString(),
        groups: shown.flatMap(([k, g]) => {
          const c = g.buckets[i];
          return c ? [c.figures(k)] : [];
        }),
      })),
    };
  }
}

// Lists of traces grouped by session or by end user (store/groups.ts): each group with its time span,
// tokens, cost (summed over its traces' model calls, honest about unpriced ones), errors and rating,
// paged by last activity.
import { CostSum, usageCost } from '../cost/cost-sum.ts';
import type { Pricer } from '../cost/prices.ts';
import { BadRequest } from '../model/filter.ts';
import type { ModelUsage } from '../model/rows.ts';
import type { GroupRow } from '../store/groups.ts';
import { type Operation, queryParams } from './contract/operations.ts';
import { boundedInt, parseRange } from './search-params.ts';

/** A list's page: range, limit and where the previous page ended (last activity, key) as base64url JSON. */
export function parseGroupPage(q: URLSearchParams, op: Operation) {
  const range = parseRange(q, queryParams(op));
  const limit = boundedInt(q, op, 'limit');
  const cursor = q.get('cursor');
  if (cursor === null) return { range, limit };
  try {
    const [ns, key] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    if (typeof ns === 'string' && /^\d{1,19}$/.test(ns) && typeof key === 'string')
      return { range, limit, before: { lastNs: BigInt(ns), key } };
  } catch {
    // answered below
  }
  throw new BadRequest('cursor: not a cursor from this list (use the "next" value of the previous page)');
}

export const rating = (sum: number, count: number) => (count ? { average: sum / count, count } : null);

/** What every group shows, whatever it groups by. */
function figures(r: GroupRow, cost: CostSum) {
  return {
    firstTimeUnixNano: r.first_ns.toString(),
    lastTimeUnixNano: r.last_ns.toString(),
    durationMs: Number(r.last_ns - r.first_ns) / 1e6,
    tokens: {
      input: r.input_tokens,
      output: r.output_tokens,
      cacheRead: r.cache_read_tokens,
      cacheCreation: r.cache_creation_tokens,
      reasoning: r.reasoning_tokens,
    },
    ...cost.total(),
    rating: rating(r.rating_sum, r.rating_count),
  };
}

function page<T>(
  rows: GroupRow[],
  usage: ModelUsage[],
  price: Pricer,
  limit: number,
  shape: (r: GroupRow, common: ReturnType<typeof figures>) => T,
): { items: T[]; next?: string } {
  const groupOf = new Map<string, string>();
  for (const r of rows) for (const id of r.trace_ids) groupOf.set(id, r.key);
  const sums = new Map(rows.map((r) => [r.key, new CostSum()]));
  for (const u of usage) {
    const key = groupOf.get(u.trace_id);
    const c = usageCost(price, u.provider, u.model, {
      input: u.input_tokens,
      output: u.output_tokens,
      cacheRead: u.cache_read_tokens,
      cacheCreation: u.cache_creation_tokens,
    });
    if (key !== undefined) sums.get(key)?.add(c, u.provider, u.model);
  }
  const items = rows.map((r) => shape(r, figures(r, sums.get(r.key) as CostSum)));
  const last = rows.at(-1);
  return rows.length === limit && last
    ? { items, next: Buffer.from(JSON.stringify([last.last_ns.toString(), last.key])).toString('base64url') }
    : { items };
}

/** GET /api/v1/sessions's body. */
export function sessionList(rows: GroupRow[], usage: ModelUsage[], price: Pricer, limit: number) {
  const { items, next } = page(rows, usage, price, limit, (r, common) => ({
    conversationId: r.key,
    turns: r.traces,
    ...common,
    errorTurns: r.error_traces,
  }));
  return next ? { sessions: items, next } : { sessions: items };
}

/** GET /api/v1/users's body. */
export function userList(rows: GroupRow[], usage: ModelUsage[], price: Pricer, limit: number) {
  const { items, next } = page(rows, usage, price, limit, (r, common) => ({
    userId: r.key,
    traces: r.traces,
    ...common,
    errorTraces: r.error_traces,
  }));
  return next ? { users: items, next } : { users: items };
}

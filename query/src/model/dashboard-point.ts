// What the dashboard counts, one point per span that adds to it: an LLM call of its own (timed, error
// or not), usage counted by the rollup rule (@koder-trace/ingester/usage-rollup: a span's own usage, or an
// aggregate's excess), or a rating (grouped with the span it rates). The embedded store selects these
// in SQL; over Tempo they are built here from whole traces, by the same rule.
import { isLlmCall, rollups, USAGE_FIELDS, type Usage } from '@koder-trace/ingester/usage-rollup';
import type { SpanRow } from './span.ts';

export interface DashboardPoint extends Usage {
  start_ns: bigint;
  duration_ns: bigint;
  /** The span's adjusted count (1/p; 1 when not sampled). */
  weight: number;
  /** 1 for an LLM call of its own (not an aggregate's rolled-up view of calls below it). */
  is_call: number;
  is_error: number;
  /** The score of a rating span, else null. */
  rating: number | null;
  /** For a rating, these are the rated span's (when stored), so it counts where that call does. */
  provider: string | null;
  model: string | null;
  service: string;
  prompt_id: string | null;
  prompt_version: string | null;
  /** The application's end user (model/user-id.ts): the span's, else its trace's earliest named one. */
  user_id: string | null;
}

/** What the dashboard groups by. */
export const DIMENSIONS = ['model', 'service', 'promptVersion', 'user', 'tenant'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface PointOptions {
  /** A span that names no end user takes its trace's (needed by=user only: it costs a lookup a trace). */
  traceUsers?: boolean;
}

const noUsage = (u: Usage) => USAGE_FIELDS.every((f) => u[f] <= 0);

/** The points of one whole trace's spans (rollups marked, in start order), starting within [startNs, endNs]. */
export function tracePoints(
  rows: readonly SpanRow[],
  startNs: bigint,
  endNs: bigint,
  opts: PointOptions = {},
): DashboardPoint[] {
  const { excess } = rollups(rows);
  const byId = new Map(rows.map((r) => [r.span_id, r]));
  // Rows come in start order: the trace's user is the earliest span's that names one.
  const traceUser = opts.traceUsers ? (rows.find((r) => r.user_id !== null)?.user_id ?? null) : null;
  const out: DashboardPoint[] = [];
  for (const r of rows) {
    if (r.start_ns < startNs || r.start_ns > endNs) continue;
    const counted: Usage | undefined = r.rollup & 1 ? excess.get(r.span_id) : r;
    const usage = Object.fromEntries(USAGE_FIELDS.map((f) => [f, counted?.[f] ?? 0])) as Usage;
    const call = isLlmCall(r) && (r.rollup & 2) === 0;
    if (r.rating === null && !call && noUsage(usage)) continue;
    const about = r.rating !== null ? (byId.get(r.parent_span_id) ?? r) : r;
    out.push({
      ...usage,
      start_ns: r.start_ns,
      duration_ns: r.duration_ns,
      weight: r.adjusted_count,
      is_call: call ? 1 : 0,
      is_error: r.is_error,
      rating: r.rating,
      provider: about.provider,
      model: about.response_model ?? about.request_model,
      service: about.service,
      prompt_id: about.prompt_id,
      prompt_version: about.prompt_version,
      user_id: about.user_id ?? traceUser,
    });
  }
  return out;
}

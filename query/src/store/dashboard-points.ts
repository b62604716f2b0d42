// The dashboard's points (model/dashboard-point.ts) as one SQL statement over the spans of a range:
// LLM calls of their own, counted usage (a span's own, or an aggregate's excess: the usage rollup rule) and
// ratings — a rating with the model, service and prompt of the span it rates, when that is stored.
import { LLM_OPERATIONS, USAGE_FIELDS } from '@koder-trace/ingester/usage-rollup';

const operations = [...LLM_OPERATIONS].map((o) => `'${o}'`).join(', ');
const isCall = `(s.rating IS NULL AND s.operation IN (${operations}) AND s.rollup & 2 = 0)`;
const counted = (f: string) => `(CASE WHEN s.rollup & 1 = 0 THEN s.${f} ELSE s.excess_${f} END)`;
/** For a rating, the rated span's value (`@` is the span); for anything else, the span's own. */
const about = (column: string) =>
  `CASE WHEN p.span_id IS NULL THEN ${column.replaceAll('@', 's.')} ELSE ${column.replaceAll('@', 'p.')} END`;

/** Parameters: tenant, start_ns, end_ns (inclusive). Walks spans_by_start. */
export const DASHBOARD_POINTS_SQL = `
  SELECT s.start_ns, s.duration_ns, s.adjusted_count AS weight, ${isCall} AS is_call, s.is_error, s.rating,
         ${about('@provider')} AS provider, ${about('coalesce(@response_model, @request_model)')} AS model,
         ${about('@service')} AS service, ${about('@prompt_id')} AS prompt_id,
         ${about('@prompt_version')} AS prompt_version, ${about('@user_id')} AS user_id, s.trace_id,
         ${USAGE_FIELDS.map((f) => `${counted(f)} AS ${f}`).join(', ')}
  FROM spans s
  LEFT JOIN spans p ON s.rating IS NOT NULL AND p.tenant = s.tenant AND p.trace_id = s.trace_id
                   AND p.span_id = s.parent_span_id
  WHERE s.tenant = ? AND s.start_ns >= ? AND s.start_ns <= ?
    AND (s.rating IS NOT NULL OR ${isCall} OR ${USAGE_FIELDS.map(counted).join(' + ')} > 0)`;

/** A trace's end user: its earliest span's that names one (often the root). Parameters: tenant, trace. */
export const TRACE_USER_SQL = `SELECT user_id FROM spans WHERE tenant = ? AND trace_id = ? AND user_id IS NOT NULL
  ORDER BY start_ns LIMIT 1`;

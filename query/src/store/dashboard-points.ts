// The dashboard's points (model/dashboard-point.ts) as SQL over the spans of a range, in two passes:
// LLM calls of their own and counted usage (a span's own, or an aggregate's excess: the usage rollup
// rule); then ratings, each with the model, service and prompt of the span it rates, when stored.
import { LLM_OPERATIONS, USAGE_FIELDS } from '@koder-trace/ingester/usage-rollup';

const operations = [...LLM_OPERATIONS].map((o) => `'${o}'`).join(', ');
const isCall = `(s.operation IN (${operations}) AND s.rollup & 2 = 0)`;
const counted = (f: string) => `(CASE WHEN s.rollup & 1 = 0 THEN s.${f} ELSE s.excess_${f} END)`;
/** For a rating, the rated span's value (`@` is the span); when that is not stored, the rating's own. */
const about = (column: string) =>
  `CASE WHEN p.span_id IS NULL THEN ${column.replaceAll('@', 's.')} ELSE ${column.replaceAll('@', 'p.')} END`;
const excess = USAGE_FIELDS.map((f) => `excess_${f}`);
/** The spans that can carry a call or usage: spans_carriers indexes them (and the query says it, to use it). */
const CARRIER = (t: string) =>
  `(${t}operation IS NOT NULL OR ${[...USAGE_FIELDS, ...excess].map((c) => `${t}${c}`).join(' + ')} > 0)`;

/**
 * v31: the dashboard reads calls and ratings from indexes of their own. spans_carriers holds every
 * column the calls query reads, so a range is one index walk with no lookup into the spans' rows
 * (about 9× faster on 100,000 spans, bench figures in docs/query.md); only GenAI spans are in it.
 */
export const DASHBOARD_MIGRATIONS = [
  `CREATE INDEX spans_carriers ON spans (tenant, start_ns, rating, operation, rollup, is_error, adjusted_count,
     duration_ns, provider, response_model, request_model, service, prompt_id, prompt_version, user_id,
     trace_id, ${[...USAGE_FIELDS, ...excess].join(', ')}) WHERE ${CARRIER('')}`,
  'CREATE INDEX spans_ratings ON spans (tenant, start_ns) WHERE rating IS NOT NULL',
];

/** LLM calls and counted usage starting in a range. Parameters: tenant, start_ns, end_ns (inclusive). */
export const DASHBOARD_CALLS_SQL = `
  SELECT s.start_ns, s.duration_ns, s.adjusted_count AS weight, ${isCall} AS is_call, s.is_error,
         NULL AS rating, s.provider, coalesce(s.response_model, s.request_model) AS model, s.service,
         s.prompt_id, s.prompt_version, s.user_id, s.trace_id,
         ${USAGE_FIELDS.map((f) => `${counted(f)} AS ${f}`).join(', ')}
  FROM spans s
  WHERE s.tenant = ? AND s.start_ns >= ? AND s.start_ns <= ? AND s.rating IS NULL AND ${CARRIER('s.')}
    AND (${isCall} OR ${USAGE_FIELDS.map(counted).join(' + ')} > 0)`;

/** Ratings starting in a range, each with the span it rates. Parameters as above. */
export const DASHBOARD_RATINGS_SQL = `
  SELECT s.start_ns, s.duration_ns, s.adjusted_count AS weight, 0 AS is_call, s.is_error, s.rating,
         ${about('@provider')} AS provider, ${about('coalesce(@response_model, @request_model)')} AS model,
         ${about('@service')} AS service, ${about('@prompt_id')} AS prompt_id,
         ${about('@prompt_version')} AS prompt_version, ${about('@user_id')} AS user_id, s.trace_id,
         ${USAGE_FIELDS.map((f) => `0 AS ${f}`).join(', ')}
  FROM spans s
  LEFT JOIN spans p ON p.tenant = s.tenant AND p.trace_id = s.trace_id AND p.span_id = s.parent_span_id
  WHERE s.tenant = ? AND s.start_ns >= ? AND s.start_ns <= ? AND s.rating IS NOT NULL`;

/** A trace's end user: its earliest span's that names one (often the root). Parameters: tenant, trace. */
// `+start_ns`: ordering by the bare column would make SQLite walk spans_by_start (every span of the
// tenant, per lookup) instead of the trace's own spans by primary key.
export const TRACE_USER_SQL = `SELECT user_id FROM spans WHERE tenant = ? AND trace_id = ? AND user_id IS NOT NULL
  ORDER BY +start_ns LIMIT 1`;

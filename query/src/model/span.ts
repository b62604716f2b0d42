// A span as the query API reads it, whichever backend holds it: ids as hex, times in nanoseconds,
// attributes as JSON text, and the GenAI fields the API filters and sums in their own columns.

/** The span's columns the view repeats (the store keeps them as columns for filters and sums). */
export interface GenAiFields {
  operation: string | null;
  provider: string | null;
  request_model: string | null;
  response_model: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  reasoning_tokens: number;
  prompt_id: string | null;
  prompt_version: string | null;
  conversation_id: string | null;
}

export interface SpanRow extends GenAiFields {
  tenant: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  name: string;
  kind: number;
  service: string;
  start_ns: bigint;
  end_ns: bigint;
  duration_ns: bigint;
  status_code: number;
  status_message: string;
  trace_state: string;
  /** JSON object; GenAI content is not here but in the GenAI view inside `view`. */
  attributes: string;
  resource: string;
  events: string;
  links: string;
  /** The answer's view of the span (store/span-view.ts), prepared at write time; null for rows stored before v12. */
  view: string | null;
  request_id: string | null;
  /** The application's end user: user.id, else enduser.id (span, else resource). */
  user_id: string | null;
  adjusted_count: number;
  is_error: number;
  /** koder.rating.score on rating spans, else null. */
  rating: number | null;
  /**
   * What this span is a rolled-up view of (the usage rollup rule), as bits: 1 its usage, 2 an LLM call, 4 a
   * tool call below it. Known only once the trace's spans are in: 0 when built, set by the store.
   */
  rollup: number;
}

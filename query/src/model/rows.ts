// What backends answer searches with: per-trace summaries, token use per model (for cost), and prompt
// use. The embedded store reads them from its tables; the Tempo backend builds them from Tempo's answers.

export interface TraceSummaryRow {
  trace_id: string;
  start_ns: bigint;
  end_ns: bigint;
  root_service: string | null;
  root_name: string | null;
  span_count: number;
  error_count: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  reasoning_tokens: number;
  rating_sum: number;
  rating_count: number;
  /** What the trace was asked and answered, one short line each (model/preview.ts); null when none. */
  input_preview: string | null;
  output_preview: string | null;
}

/** Token use of one model in one trace (for cost). */
export interface ModelUsage {
  trace_id: string;
  provider: string | null;
  model: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  reasoning_tokens?: number;
}

export interface PromptUse {
  prompt_id: string;
  prompt_version: string | null;
  calls: number;
  last_ns: bigint;
}

// The query model: what a search asks for, whichever backend answers it (the embedded store turns it
// into SQL, the Tempo backend into TraceQL), and the error either gives for a request it cannot answer.

/** A request the API cannot answer as asked (answered 400 with this message). */
export class BadRequest extends Error {
  override name = 'BadRequest';
}

/** Largest signed 64-bit integer: the ceiling of every nanosecond value the stores (and Tempo) hold. */
export const INT64_MAX = 2n ** 63n - 1n;
/** Largest duration in milliseconds whose nanoseconds fit a signed 64-bit integer (~292 years). */
export const MAX_DURATION_MS = Number(INT64_MAX / 1_000_000n);
/** `attr` filters in one search: each is a join in the store and a clause in TraceQL. */
export const MAX_ATTR_FILTERS = 32;

/** What searches can be ordered by. */
export const SORT_KEYS = [
  'start',
  'duration',
  'spans',
  'tokens',
  'errors',
  'rating',
  'rootName',
  'service',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface TraceFilter {
  startNs?: bigint;
  endNs?: bigint;
  service?: string;
  name?: string;
  model?: string;
  provider?: string;
  error?: boolean;
  minDurationMs?: number;
  promptId?: string;
  promptVersion?: string;
  conversationId?: string;
  requestId?: string;
  /** A span of the trace served this end user (user.id / enduser.id). */
  userId?: string;
  /** Words (or "phrases") the trace's spans must contain: names, prompts, completions, tool calls. */
  text?: string;
  /** Average rating of the trace within [minRating, maxRating]. */
  minRating?: number;
  maxRating?: number;
  /** Span or resource attributes that must equal the given text (a number or boolean matches as text). */
  attributes?: [key: string, value: string][];
  /** Order of the results (default: start, newest first). */
  sort?: SortKey;
  ascending?: boolean;
  limit: number;
  /** Opaque cursor from the previous page. */
  cursor?: string;
}

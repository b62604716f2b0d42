// The query API as the UI uses it: the tenant token (kept in this browser) on every request, and
// errors carried with the API's own message.

export interface TraceRow {
  traceId: string;
  startTimeUnixNano: string;
  durationMs: number;
  rootService: string | null;
  rootName: string | null;
  spanCount: number;
  error: boolean;
  tokens: { input: number; output: number; cacheRead: number; cacheCreation: number; reasoning: number };
  models: string[];
  promptVersions: string[];
  /** Null when no call could be priced; partial when some could not (costUnknown says which). */
  costUsd: number | null;
  costPartial: boolean;
  costUnknown: string[];
  rating: { average: number; count: number } | null;
}

export interface Message {
  role?: string;
  parts?: Part[];
  finish_reason?: string;
}
export type Part = {
  type: string;
  content?: unknown;
  name?: string;
  id?: string;
  arguments?: unknown;
  response?: unknown;
};

export interface GenAiView {
  operation: string | null;
  provider: string | null;
  requestModel: string | null;
  responseModel: string | null;
  parameters: Record<string, unknown>;
  inputMessages?: unknown;
  outputMessages?: unknown;
  systemInstructions?: unknown;
  toolName?: string;
  toolCallArguments?: unknown;
  toolCallResult?: unknown;
  finishReasons?: string[];
  usage: {
    inputTokens: number;
    outputTokens: number;
    cacheReadTokens: number;
    cacheCreationTokens: number;
    reasoningTokens: number;
  };
  promptId: string | null;
  promptVersion: string | null;
  conversationId: string | null;
}

export interface Span {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: string;
  service: string;
  startTimeUnixNano: string;
  offsetMs: number;
  durationMs: number;
  status: { code: string; message: string };
  error: boolean;
  costUsd: number | null;
  /** Why costUsd is null for a model call: "price unknown for provider/model". */
  costUnknown?: string;
  /** This span's usage is its descendants' summed (an agent or chain span): not added to the totals. */
  usageRollup?: boolean;
  adjustedCount: number;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  events: { name: string; timeUnixNano: string; attributes: Record<string, unknown> }[];
  links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
  genAi?: GenAiView;
}

export interface Rating {
  spanId: string;
  ratedSpanId: string;
  score: number;
  comment: string | null;
  source: string | null;
}

export interface Trace {
  traceId: string;
  rootService: string | null;
  rootName: string | null;
  startTimeUnixNano: string;
  durationMs: number;
  spanCount: number;
  totals: {
    inputTokens: number;
    outputTokens: number;
    cacheReadTokens: number;
    cacheCreationTokens: number;
    reasoningTokens: number;
    llmCalls: number;
    toolCalls: number;
    errors: number;
    costUsd: number | null;
    costPartial: boolean;
    costUnknown: string[];
  };
  ratings: Rating[];
  criticalPath: string[];
  errors: { spanId: string; name: string; message: string }[];
  spans: Span[];
  /** Storage returned only part of the trace (Tempo: over its max_bytes_per_trace), and why. */
  partial?: boolean;
  partialReason?: string | null;
}

export interface VersionStats {
  version: string;
  calls: number;
  errorRate: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  costPartial: boolean;
  costUnknown: string[];
  avgRating: number | null;
  ratings: number;
}

export interface Overlay {
  promptId: string;
  versions: VersionStats[];
  series: { startTimeUnixNano: string; versions: VersionStats[] }[];
}

export interface PromptUse {
  promptId: string;
  versions: string[];
  calls: number;
  lastSeenUnixNano: string;
}

/** Where this installation takes spans (null when the query service is not told), and whether it needs tokens. */
export interface Info {
  ingest: { otlpHttp: string; otlpGrpc: string } | null;
  auth: 'none' | 'tokens';
}

/** An answer other than 2xx: `status` 401 means the tenant token is missing or wrong. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const TOKEN_KEY = 'koder-trace.token';
export const token = {
  get: () => localStorage.getItem(TOKEN_KEY) ?? '',
  set: (t: string) => (t ? localStorage.setItem(TOKEN_KEY, t) : localStorage.removeItem(TOKEN_KEY)),
};

export async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const t = token.get();
  let res: Response;
  try {
    res = await fetch(path, {
      ...init,
      headers: { ...(t ? { authorization: `Bearer ${t}` } : {}), ...(init.headers ?? {}) },
    });
  } catch {
    throw new ApiError(0, 'The query service cannot be reached. Is it still running?');
  }
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`);
  return body as T;
}

export const api = {
  info: () => call<Info>('/api/v1/info'),
  search: (q: URLSearchParams) => call<{ traces: TraceRow[]; next?: string }>(`/api/v1/traces?${q}`),
  trace: (id: string) => call<Trace>(`/api/v1/traces/${id}`),
  prompts: (q: URLSearchParams) => call<{ prompts: PromptUse[] }>(`/api/v1/prompts?${q}`),
  overlay: (id: string, q: URLSearchParams) =>
    call<Overlay>(`/api/v1/prompts/${encodeURIComponent(id)}/versions?${q}`),
  rate: (r: { traceId: string; spanId: string; score: number; comment?: string }) =>
    call<{ ratingSpanId: string }>('/api/v1/ratings', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...r, source: 'ui' }),
    }),
};

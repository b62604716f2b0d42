// The query API's operations, each once: path, parameters (with their schemas and bounds), request
// body and responses. The OpenAPI document is generated from this table (openapi.ts), the parameter
// parsers read their accepted names and bounds from it (search-params.ts), and the contract test
// checks every operation's answers against it on both backends.
import Type, { type TSchema } from 'typebox';
import { DIMENSIONS } from '../../model/dashboard-point.ts';
import { MAX_ATTR_FILTERS, MAX_DURATION_MS, SORT_KEYS } from '../../model/filter.ts';
import * as S from './schemas.ts';

export interface Param {
  in: 'query' | 'path';
  description: string;
  schema: TSchema;
  /** A repeatable query parameter (`attr=a&attr=b`). */
  repeatable?: boolean;
}

export interface Response {
  description: string;
  /** The JSON body's schema; absent for bodies that are not one JSON document (streams). */
  schema?: TSchema;
  /** Media types of a body that is not JSON. */
  content?: string[];
}

export interface Operation {
  method: 'get' | 'post';
  path: string;
  summary: string;
  description?: string;
  /** False for the operations anyone may call (no tenant token). */
  auth: boolean;
  params: Record<string, Param>;
  body?: TSchema;
  responses: Record<number, Response>;
}

const TIME = (what: string) =>
  `${what}: RFC 3339 (e.g. 2025-01-31T12:00:00Z or 2025-01-31), or milliseconds (up to 13 digits) or nanoseconds since the epoch; from 1970 to 2262-04-11 (int64 nanoseconds)`;
const q = (description: string, schema: TSchema = Type.String()): Param => ({
  in: 'query',
  description,
  schema,
});
const path = (description: string, schema: TSchema = Type.String()): Param => ({
  in: 'path',
  description,
  schema,
});
const limit = (what: string, max: number, byDefault: number) =>
  q(
    `${what}, 1–${max} (default ${byDefault})`,
    Type.Integer({ minimum: 1, maximum: max, default: byDefault }),
  );
const range = (defaulted: boolean) => ({
  start: q(TIME(defaulted ? 'Earliest time (default: 7 days before end)' : 'Earliest time')),
  end: q(TIME(defaulted ? 'Latest time (default: now)' : 'Latest time')),
});
const cursor = q('The `next` value of the previous page');

const BAD_PARAMETER: Response = {
  description:
    'A bad, out-of-range, repeated or unknown parameter, named in `error`; or a person (identity header) who reads several tenants and named none with X-Koder-Tenant',
  schema: S.ApiError,
};
const UNAUTHORIZED: Response = { description: 'Missing or unknown bearer token', schema: S.ApiError };
const NOT_A_READER: Response = {
  description:
    'Signed in through the trusted proxy (identity header), but reading no tenant, or not the one X-Koder-Tenant names',
  schema: S.ApiError,
};
const error = (description: string): Response => ({ description, schema: S.ApiError });

/** The search's filters, paging and order: taken by the search and, as pages, by the export. */
const SEARCH_PARAMS: Record<string, Param> = {
  ...range(false),
  service: q('Root service name'),
  name: q('A span name in the trace'),
  model: q('A GenAI model (request or response)'),
  provider: q('A GenAI provider (gen_ai.provider.name)'),
  error: q('Only traces with (true) or without (false) errors', Type.Boolean()),
  minDurationMs: q('Minimum trace duration in ms', Type.Number({ minimum: 0, maximum: MAX_DURATION_MS })),
  promptId: q('koder.prompt.id'),
  promptVersion: q('koder.prompt.version'),
  conversationId: q('gen_ai.conversation.id'),
  requestId: q('koder.request_id'),
  userId: q('The application’s end user: user.id or enduser.id (span or resource)'),
  q: q(
    'Full text: words and "phrases" all found in the trace’s span names, prompts, completions, tool arguments and results (embedded store: its text index; Tempo: TraceQL regular expressions). Each row then has `match`',
    Type.String({ maxLength: 500 }),
  ),
  minRating: q('Minimum average rating, 0–1', Type.Number({ minimum: 0, maximum: 1 })),
  maxRating: q('Maximum average rating, 0–1', Type.Number({ minimum: 0, maximum: 1 })),
  attr: {
    ...q(
      `key=value: a span or resource attribute equal to value (repeatable, up to ${MAX_ATTR_FILTERS})`,
      Type.Array(Type.String(), { maxItems: MAX_ATTR_FILTERS }),
    ),
    repeatable: true,
  },
  sort: q(`Order by ${SORT_KEYS.join(', ')}`, Type.Union(SORT_KEYS.map((k) => Type.Literal(k)))),
  order: q('desc (default) or asc', Type.Union([Type.Literal('desc'), Type.Literal('asc')])),
  limit: limit('Page size', 1000, 50),
  cursor,
};

export const OPERATIONS = {
  search: {
    method: 'get',
    path: '/api/v1/traces',
    summary: 'Search traces of the caller’s tenant (newest first unless sorted otherwise)',
    auth: true,
    params: SEARCH_PARAMS,
    responses: {
      200: { description: 'A page of traces', schema: S.SearchAnswer },
      400: BAD_PARAMETER,
      401: UNAUTHORIZED,
      403: NOT_A_READER,
    },
  },
  trace: {
    method: 'get',
    path: '/api/v1/traces/{traceId}',
    summary: 'One trace: spans with their GenAI view, totals, LLM and tool call sequence, errors',
    auth: true,
    params: { traceId: path('32 hex digits', Type.String({ pattern: '^[0-9a-fA-F]{32}$' })) },
    responses: {
      200: {
        description:
          'The trace. `partial` is true when storage returned only part of it (Tempo answered status PARTIAL: the trace is over its max_bytes_per_trace), and `partialReason` then says why; totals and calls cover the spans returned',
        schema: S.Trace,
      },
      400: error('Not a trace id, or a query parameter (this endpoint takes none)'),
      401: UNAUTHORIZED,
      403: NOT_A_READER,
      404: error('No such trace for this tenant'),
    },
  },
  rate: {
    method: 'post',
    path: '/api/v1/ratings',
    summary: 'Rate a span; the rating is written as a span through the ingest path',
    description:
      'A span whose trace is not stored is rated anyway: if its trace was dropped by trace-mode sampling within the rescue window, the rating brings the whole trace back. The answer waits a few seconds for it and says in `trace` what became of it.',
    auth: true,
    params: {},
    body: S.RatingRequest,
    responses: {
      202: { description: 'The rating span written', schema: S.RatingAnswer },
      400: error('A bad field, named in `error`, or a body that is not JSON'),
      401: UNAUTHORIZED,
      403: error(
        'An Origin header that is not this server (a cross-site request); or a person signed in through the proxy, not with a token: a rating is written with a tenant token',
      ),
      413: error('A body over 64 KiB'),
      415: error('A Content-Type other than application/json'),
      502: error('The ingester could not be reached or refused the rating'),
    },
  },
  prompts: {
    method: 'get',
    path: '/api/v1/prompts',
    summary: 'Prompt ids with their versions and call counts in a time range (default: 7 days)',
    auth: true,
    params: range(false),
    responses: {
      200: { description: 'Prompts in use', schema: S.PromptsAnswer },
      400: BAD_PARAMETER,
      401: UNAUTHORIZED,
      403: NOT_A_READER,
    },
  },
  overlay: {
    method: 'get',
    path: '/api/v1/prompts/{promptId}/versions',
    summary:
      'Per version of a prompt: calls, error rate, latency, tokens, cost, rating — overall and per bucket',
    auth: true,
    params: {
      promptId: path('koder.prompt.id'),
      ...range(true),
      buckets: limit('Time buckets', 200, 12),
    },
    responses: {
      200: { description: 'The overlay', schema: S.Overlay },
      400: BAD_PARAMETER,
      401: UNAUTHORIZED,
      403: NOT_A_READER,
    },
  },
  dashboard: {
    method: 'get',
    path: '/api/v1/dashboard',
    summary:
      'LLM traffic over time by model, service, prompt version, end user or tenant: calls, tokens, cost, latency p50/p95, error rate, ratings',
    description:
      'Per time bucket and over the range, reweighted by adjusted counts (1/p) as the prompt overlay is. Calls are LLM calls of their own (an aggregate span’s rolled-up view is not one); tokens and cost follow the rollup rule (docs/genai.md); a rating counts with the span it rates. by=tenant groups every tenant the caller reads. Over Tempo the figures come from whole traces, at most a bounded number: `partial` then says from when they are complete.',
    auth: true,
    params: {
      ...range(true),
      by: q(
        'Group by model (default), service, promptVersion, user (the end user) or tenant',
        Type.Union(DIMENSIONS.map((k) => Type.Literal(k))),
      ),
      buckets: limit('Time buckets', 200, 24),
      top: limit('Groups shown apart, largest first; the rest are summed as "(other)"', 50, 8),
    },
    responses: {
      200: { description: 'The dashboard', schema: S.Dashboard },
      400: BAD_PARAMETER,
      401: UNAUTHORIZED,
      403: NOT_A_READER,
    },
  },
  sessions: {
    method: 'get',
    path: '/api/v1/sessions',
    summary:
      'Sessions (gen_ai.conversation.id) active in a range, latest activity first (embedded store only)',
    description:
      'A session is listed when any of its spans is in the range, and its figures cover all of its traces.',
    auth: true,
    params: { ...range(true), limit: limit('Page size', 500, 50), cursor },
    responses: {
      200: { description: 'A page of sessions', schema: S.SessionsAnswer },
      400: BAD_PARAMETER,
      401: UNAUTHORIZED,
      403: NOT_A_READER,
      501: error('The backend (Tempo) cannot group spans by conversation id'),
    },
  },
  users: {
    method: 'get',
    path: '/api/v1/users',
    summary:
      'End users (user.id, else enduser.id) with traces in a range, latest activity first (embedded store only)',
    description: 'Figures cover each user’s traces in the range. Traces of one user: search with userId=.',
    auth: true,
    params: { ...range(true), limit: limit('Page size', 500, 50), cursor },
    responses: {
      200: { description: 'A page of users', schema: S.UsersAnswer },
      400: BAD_PARAMETER,
      401: UNAUTHORIZED,
      403: NOT_A_READER,
      501: error('The backend (Tempo) cannot group spans by user id'),
    },
  },
  session: {
    method: 'get',
    path: '/api/v1/sessions/{conversationId}',
    summary:
      'One session as its turns (traces) in order, each with its question and answer; a page is the latest turns, `next` goes back in time',
    auth: true,
    params: {
      conversationId: path('gen_ai.conversation.id'),
      limit: limit('Turns per page', 200, 100),
      cursor,
    },
    responses: {
      200: { description: 'A page of the session’s turns', schema: S.SessionAnswer },
      400: BAD_PARAMETER,
      401: UNAUTHORIZED,
      403: NOT_A_READER,
      404: error('No trace of this tenant carries the conversation id'),
    },
  },
  export: {
    method: 'get',
    path: '/api/v1/export',
    summary:
      'Stream every trace (or LLM call) a search matches, for offline evaluation; resumable page by page',
    description:
      'NDJSON, one record per line: `{"type":"trace","trace":<as GET /api/v1/traces/{traceId}>}` or, with what=calls, one `{"type":"call",…}` per LLM call (messages, usage, cost, prompt version, ratings); after each page `{"type":"cursor","next":…}`, last `{"type":"end","traces":n[,"calls":n]}`. An export cut short has no end record: keep the records before the last cursor record and ask again with cursor=<its next>. A failure part-way ends the stream with `{"type":"error","message":…}`. format=csv (calls only) gives a header and a row per call, not resumable. The search parameters select and order the traces; limit is the page size.',
    auth: true,
    params: {
      ...SEARCH_PARAMS,
      what: q('traces (default) or calls', Type.Union([Type.Literal('traces'), Type.Literal('calls')])),
      format: q(
        'ndjson (default) or csv (calls only)',
        Type.Union([Type.Literal('ndjson'), Type.Literal('csv')]),
      ),
    },
    responses: {
      200: { description: 'The export, streamed', content: ['application/x-ndjson', 'text/csv'] },
      400: BAD_PARAMETER,
      401: UNAUTHORIZED,
      403: NOT_A_READER,
    },
  },
  usage: {
    method: 'get',
    path: '/api/v1/usage',
    summary:
      'Exact usage from the ingester’s ledger (every decided trace, kept or not): one request’s totals, or totals by day, service, model and prompt version',
    description:
      'With requestId: that request’s totals (RequestUsage). Without: totals in the range (UsageTotals). docs/sampling.md says how billing reconciles against it.',
    auth: true,
    params: { requestId: q('koder.request_id of one request'), ...range(true) },
    responses: {
      200: { description: 'The usage', schema: Type.Union([S.RequestUsage, S.UsageTotals]) },
      400: BAD_PARAMETER,
      401: UNAUTHORIZED,
      403: NOT_A_READER,
      404: error('No ledger for this request id'),
    },
  },
  info: {
    method: 'get',
    path: '/api/v1/info',
    summary: 'Where this installation takes spans, and whether it needs a tenant token (no token needed)',
    description:
      'ingest is null when this service is not told where the ingester listens; auth is "none" or "tokens".',
    auth: false,
    params: {},
    responses: { 200: { description: 'Where to send spans', schema: S.Info }, 400: BAD_PARAMETER },
  },
} satisfies Record<string, Operation>;

export type OperationName = keyof typeof OPERATIONS;

/** The query parameters an operation takes: anything else is refused. */
export const queryParams = (op: Operation): string[] =>
  Object.entries(op.params)
    .filter(([, p]) => p.in === 'query')
    .map(([name]) => name);

/** Bounds and default of an integer parameter, as its schema declares them. */
export function intBounds(op: Operation, name: string): { min: number; max: number; byDefault: number } {
  const s = op.params[name]?.schema as { minimum?: number; maximum?: number; default?: number } | undefined;
  if (s?.minimum === undefined || s.maximum === undefined || s.default === undefined)
    throw new Error(`${op.path}: ${name} is not a bounded integer parameter`);
  return { min: s.minimum, max: s.maximum, byDefault: s.default };
}

// The OpenAPI document the service serves at /api/v1/openapi.json: the contract of this API.
// Parameters not listed for an endpoint are refused (400), as are out-of-range values.
const str = { type: 'string' };
const param = (name: string, description: string, schema: object = str) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});

const TIME = (what: string) =>
  `${what}: RFC 3339 (e.g. 2025-01-31T12:00:00Z or 2025-01-31), or milliseconds (up to 13 digits) or nanoseconds since the epoch; from 1970 to 2262-04-11 (int64 nanoseconds)`;
const BAD_PARAMETER = {
  description: 'A bad, out-of-range, repeated or unknown parameter, named in `error`',
};
const UNAUTHORIZED = { description: 'Missing or unknown bearer token' };

/** The search's filters, paging and order: taken by the search and, as pages, by the export. */
const SEARCH_PARAMETERS = [
  param('start', TIME('Earliest time')),
  param('end', TIME('Latest time')),
  param('service', 'Root service name'),
  param('name', 'A span name in the trace'),
  param('model', 'A GenAI model (request or response)'),
  param('provider', 'A GenAI provider (gen_ai.provider.name)'),
  param('error', 'Only traces with (true) or without (false) errors', { type: 'boolean' }),
  param('minDurationMs', 'Minimum trace duration in ms', {
    type: 'number',
    minimum: 0,
    maximum: 9_223_372_036_854,
  }),
  param('promptId', 'koder.prompt.id'),
  param('promptVersion', 'koder.prompt.version'),
  param('conversationId', 'gen_ai.conversation.id'),
  param('requestId', 'koder.request_id'),
  param('minRating', 'Minimum average rating, 0–1', { type: 'number', minimum: 0, maximum: 1 }),
  param('maxRating', 'Maximum average rating, 0–1', { type: 'number', minimum: 0, maximum: 1 }),
  {
    ...param('attr', 'key=value: a span or resource attribute equal to value (repeatable, up to 32)'),
    explode: true,
    schema: { type: 'array', items: str, maxItems: 32 },
  },
  param('sort', 'Order by start, duration, spans, tokens, errors, rating, rootName or service', {
    enum: ['start', 'duration', 'spans', 'tokens', 'errors', 'rating', 'rootName', 'service'],
  }),
  param('order', 'desc (default) or asc', { enum: ['desc', 'asc'] }),
  param('limit', 'Page size, 1–1000 (default 50)', { type: 'integer', minimum: 1, maximum: 1000 }),
  param('cursor', 'The `next` value of the previous page'),
];

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'Koder Trace query API', version: 'v1' },
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'A tenant token; not needed in single-tenant mode',
      },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    '/api/v1/traces': {
      get: {
        summary: 'Search traces of the caller’s tenant (newest first unless sorted otherwise)',
        parameters: SEARCH_PARAMETERS,
        responses: {
          '200': { description: '{traces: [...], next?}' },
          '400': BAD_PARAMETER,
          '401': UNAUTHORIZED,
        },
      },
    },
    '/api/v1/traces/{traceId}': {
      get: {
        summary: 'One trace: spans with their GenAI view, totals, LLM and tool call sequence, errors',
        parameters: [
          {
            name: 'traceId',
            in: 'path',
            required: true,
            schema: { type: 'string', pattern: '^[0-9a-f]{32}$' },
          },
        ],
        responses: {
          '200': {
            description:
              'The trace. `partial` is true when storage returned only part of it (Tempo answered status PARTIAL: the trace is over its max_bytes_per_trace), and `partialReason` then says why; totals and calls cover the spans returned',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['traceId', 'spans', 'partial', 'partialReason'],
                  properties: {
                    traceId: { type: 'string' },
                    spans: { type: 'array', items: { type: 'object' } },
                    partial: { type: 'boolean' },
                    partialReason: { type: ['string', 'null'] },
                  },
                },
              },
            },
          },
          '400': { description: 'Not a trace id, or a query parameter (this endpoint takes none)' },
          '401': UNAUTHORIZED,
          '404': { description: 'No such trace for this tenant' },
        },
      },
    },
    '/api/v1/ratings': {
      post: {
        summary: 'Rate a span; the rating is written as a span through the ingest path',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['traceId', 'spanId', 'score'],
                properties: {
                  traceId: { type: 'string' },
                  spanId: { type: 'string' },
                  score: { type: 'number', minimum: 0, maximum: 1 },
                  comment: str,
                  source: str,
                },
              },
            },
          },
        },
        responses: {
          '202': { description: '{ratingSpanId, traceId, ratedSpanId}' },
          '400': { description: 'A bad field, named in `error`, or a body that is not JSON' },
          '401': UNAUTHORIZED,
          '403': { description: 'An Origin header that is not this server (a cross-site request)' },
          '404': { description: 'No such span for this tenant' },
          '413': { description: 'A body over 64 KiB' },
          '415': { description: 'A Content-Type other than application/json' },
          '502': { description: 'The ingester could not be reached or refused the rating' },
        },
      },
    },
    '/api/v1/prompts': {
      get: {
        summary: 'Prompt ids with their versions and call counts in a time range (default: 7 days)',
        parameters: [param('start', TIME('Earliest time')), param('end', TIME('Latest time'))],
        responses: {
          '200': { description: '{prompts: [{promptId, versions, calls, lastSeenUnixNano}]}' },
          '400': BAD_PARAMETER,
          '401': UNAUTHORIZED,
        },
      },
    },
    '/api/v1/prompts/{promptId}/versions': {
      get: {
        summary:
          'Per version of a prompt: calls, error rate, latency, tokens, cost, rating — overall and per bucket',
        parameters: [
          { name: 'promptId', in: 'path', required: true, schema: str },
          param('start', TIME('Earliest time (default: 7 days before end)')),
          param('end', TIME('Latest time (default: now)')),
          param('buckets', 'Time buckets, 1–200 (default 12)', { type: 'integer', minimum: 1, maximum: 200 }),
        ],
        responses: {
          '200': { description: '{promptId, versions: [...], series: [{startTimeUnixNano, versions}]}' },
          '400': BAD_PARAMETER,
          '401': UNAUTHORIZED,
        },
      },
    },
    '/api/v1/export': {
      get: {
        summary:
          'Stream every trace (or LLM call) a search matches, for offline evaluation; resumable page by page',
        description:
          'NDJSON, one record per line: `{"type":"trace","trace":<as GET /api/v1/traces/{traceId}>}` or, with what=calls, one `{"type":"call",…}` per LLM call (messages, usage, cost, prompt version, ratings); after each page `{"type":"cursor","next":…}`, last `{"type":"end","traces":n[,"calls":n]}`. An export cut short has no end record: keep the records before the last cursor record and ask again with cursor=<its next>. A failure part-way ends the stream with `{"type":"error","message":…}`. format=csv (calls only) gives a header and a row per call, not resumable. The search parameters select and order the traces; limit is the page size.',
        parameters: [
          ...SEARCH_PARAMETERS,
          param('what', 'traces (default) or calls', { enum: ['traces', 'calls'] }),
          param('format', 'ndjson (default) or csv (calls only)', { enum: ['ndjson', 'csv'] }),
        ],
        responses: {
          '200': {
            description: 'The export, streamed',
            content: { 'application/x-ndjson': {}, 'text/csv': {} },
          },
          '400': BAD_PARAMETER,
          '401': UNAUTHORIZED,
        },
      },
    },
    '/api/v1/sessions': {
      get: {
        summary:
          'Sessions (gen_ai.conversation.id) active in a range, latest activity first (embedded store only)',
        parameters: [
          param('start', TIME('Earliest time (default: 7 days before end)')),
          param('end', TIME('Latest time (default: now)')),
          param('limit', 'Page size, 1–500 (default 50)', { type: 'integer', minimum: 1, maximum: 500 }),
          param('cursor', 'The `next` value of the previous page'),
        ],
        responses: {
          '200': {
            description:
              '{sessions: [{conversationId, turns, firstTimeUnixNano, lastTimeUnixNano, durationMs, tokens, costUsd, costPartial, costUnknown, errorTurns, rating}], next?}; a session is listed when any of its spans is in the range, and its figures cover all of its traces',
          },
          '400': BAD_PARAMETER,
          '401': UNAUTHORIZED,
          '501': { description: 'The backend (Tempo) cannot group spans by conversation id' },
        },
      },
    },
    '/api/v1/sessions/{conversationId}': {
      get: {
        summary: 'One session as its turns (traces) in order, each with its question and answer',
        parameters: [
          { name: 'conversationId', in: 'path', required: true, schema: str },
          param('limit', 'Turns per page, 1–200 (default 100)', {
            type: 'integer',
            minimum: 1,
            maximum: 200,
          }),
          param('cursor', 'The `next` value of the previous page'),
        ],
        responses: {
          '200': {
            description:
              '{conversationId, turns: [{traceId, rootName, rootService, startTimeUnixNano, durationMs, totals, costUsd, costPartial, costUnknown, error, rating, question, answer}], next?}',
          },
          '400': BAD_PARAMETER,
          '401': UNAUTHORIZED,
          '404': { description: 'No trace of this tenant carries the conversation id' },
        },
      },
    },
    '/api/v1/info': {
      get: {
        summary: 'Where this installation takes spans, and whether it needs a tenant token (no token needed)',
        security: [],
        responses: {
          '200': {
            description:
              '{ingest: {otlpHttp, otlpGrpc} or null when this service is not told where the ingester listens, auth: "none" or "tokens"}',
          },
          '400': BAD_PARAMETER,
        },
      },
    },
  },
} as const;

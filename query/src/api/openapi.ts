// The OpenAPI document the service serves at /api/v1/openapi.json: the contract of this API.
const str = { type: 'string' };
const param = (name: string, description: string, schema: object = str) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});

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
        parameters: [
          param('start', 'Earliest time (RFC 3339 or ms since epoch)'),
          param('end', 'Latest time (RFC 3339 or ms since epoch)'),
          param('service', 'Root service name'),
          param('name', 'A span name in the trace'),
          param('model', 'A GenAI model (request or response)'),
          param('provider', 'A GenAI provider (gen_ai.provider.name)'),
          param('error', 'Only traces with (true) or without (false) errors', { type: 'boolean' }),
          param('minDurationMs', 'Minimum trace duration', { type: 'number' }),
          param('promptId', 'koder.prompt.id'),
          param('promptVersion', 'koder.prompt.version'),
          param('conversationId', 'gen_ai.conversation.id'),
          param('requestId', 'koder.request_id'),
          param('minRating', 'Minimum average rating, 0–1', { type: 'number' }),
          param('maxRating', 'Maximum average rating, 0–1', { type: 'number' }),
          {
            ...param('attr', 'key=value: a span or resource attribute equal to value (repeatable)'),
            explode: true,
            schema: { type: 'array', items: str },
          },
          param('sort', 'Order by start, duration, spans, tokens, errors, rating, rootName or service', {
            enum: ['start', 'duration', 'spans', 'tokens', 'errors', 'rating', 'rootName', 'service'],
          }),
          param('order', 'desc (default) or asc', { enum: ['desc', 'asc'] }),
          param('limit', 'Page size, 1–1000 (default 50)', { type: 'integer' }),
          param('cursor', 'The `next` value of the previous page'),
        ],
        responses: {
          '200': { description: '{traces: [...], next?}' },
          '400': { description: 'A bad parameter, named in `error`' },
          '401': { description: 'Unknown token' },
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
          '200': { description: 'The trace' },
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
          '400': { description: 'A bad field, named in `error`' },
          '404': { description: 'No such span for this tenant' },
        },
      },
    },
    '/api/v1/prompts': {
      get: {
        summary: 'Prompt ids with their versions and call counts in a time range (default: 7 days)',
        parameters: [param('start', 'Earliest time'), param('end', 'Latest time')],
        responses: { '200': { description: '{prompts: [{promptId, versions, calls, lastSeenUnixNano}]}' } },
      },
    },
    '/api/v1/prompts/{promptId}/versions': {
      get: {
        summary:
          'Per version of a prompt: calls, error rate, latency, tokens, cost, rating — overall and per bucket',
        parameters: [
          { name: 'promptId', in: 'path', required: true, schema: str },
          param('start', 'Earliest time (default: 7 days before end)'),
          param('end', 'Latest time (default: now)'),
          param('buckets', 'Time buckets, 1–200 (default 12)', { type: 'integer' }),
        ],
        responses: {
          '200': { description: '{promptId, versions: [...], series: [{startTimeUnixNano, versions}]}' },
        },
      },
    },
  },
} as const;

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
        summary: 'Search traces of the caller’s tenant, newest first',
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
  },
} as const;

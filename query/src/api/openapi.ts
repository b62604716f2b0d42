// The OpenAPI document the service serves at /api/v1/openapi.json, generated from the one table of
// operations (contract/operations.ts) with their JSON Schemas: what is documented is what is checked.
// Parameters not listed for an endpoint are refused (400), as are out-of-range values.
import { OPERATIONS, type Operation } from './contract/operations.ts';

function parameters(op: Operation) {
  return Object.entries(op.params).map(([name, p]) => ({
    name,
    in: p.in,
    required: p.in === 'path',
    description: p.description,
    schema: p.schema,
    ...(p.repeatable ? { explode: true } : {}),
  }));
}

function responses(op: Operation) {
  return Object.fromEntries(
    Object.entries(op.responses).map(([code, r]) => [
      code,
      {
        description: r.description,
        ...(r.schema
          ? { content: { 'application/json': { schema: r.schema } } }
          : r.content
            ? { content: Object.fromEntries(r.content.map((type) => [type, {}])) }
            : {}),
      },
    ]),
  );
}

function paths() {
  const out: Record<string, Record<string, unknown>> = {};
  for (const op of Object.values(OPERATIONS) as Operation[]) {
    out[op.path] ??= {};
    (out[op.path] as Record<string, unknown>)[op.method] = {
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      ...(op.auth ? {} : { security: [] }),
      parameters: parameters(op),
      ...(op.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: op.body } } } }
        : {}),
      responses: responses(op),
    };
  }
  return out;
}

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
      identity: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Forwarded-Email',
        description:
          'Who the person is, set by an authenticating proxy the query service trusts (--identity-header names the header, --trusted-proxy the proxies; from anywhere else it is ignored). They read the tenants whose spec.read.users or spec.read.groups name them; X-Koder-Tenant chooses among several.',
      },
    },
  },
  security: [{ bearer: [] }, { identity: [] }],
  paths: paths(),
} as const;

// The query API (versioned under /api/v1): every request is scoped to the tenant its bearer token
// proves (single-tenant mode needs none), so one tenant can never read another's traces.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { TenantRegistry } from '../../../ingester/src/tenants/registry.ts';
import type { EmbeddedStore } from '../store/sqlite-store.ts';
import { OPENAPI } from './openapi.ts';
import { BadRequest, parseSearch } from './search-params.ts';
import { traceView } from './trace-view.ts';

interface Reply {
  status: number;
  body: unknown;
}

const reply = (status: number, body: unknown): Reply => ({ status, body });

export interface QueryDeps {
  store: EmbeddedStore;
  registry: () => TenantRegistry;
  log: Logger;
}

/** Answers one API request (everything but the socket): routing, auth, parameters, lookups. */
export function answer(deps: QueryDeps, method: string, url: URL, authorization: string | undefined): Reply {
  const { store } = deps;
  const path = url.pathname;
  if (path === '/api/v1/openapi.json') return reply(200, OPENAPI);
  if (method !== 'GET') return reply(405, { error: 'use GET' });
  const tenant = deps.registry().authenticate(authorization);
  if (!tenant)
    return reply(401, {
      error: 'missing or unknown bearer token: send "Authorization: Bearer <tenant token>"',
    });
  try {
    if (path === '/api/v1/traces') {
      const filter = parseSearch(url.searchParams);
      const { rows, next } = store.search(tenant.id, filter);
      const facets = store.traceFacets(
        tenant.id,
        rows.map((r) => r.trace_id),
      );
      const traces = rows.map((r) => ({
        traceId: r.trace_id,
        startTimeUnixNano: r.start_ns.toString(),
        durationMs: Number(r.end_ns - r.start_ns) / 1e6,
        rootService: r.root_service,
        rootName: r.root_name,
        spanCount: r.span_count,
        error: r.error_count > 0,
        tokens: {
          input: r.input_tokens,
          output: r.output_tokens,
          cacheRead: r.cache_read_tokens,
          cacheCreation: r.cache_creation_tokens,
          reasoning: r.reasoning_tokens,
        },
        models: facets.get(r.trace_id)?.models ?? [],
        promptVersions: facets.get(r.trace_id)?.promptVersions ?? [],
      }));
      return reply(200, next ? { traces, next } : { traces });
    }
    const m = /^\/api\/v1\/traces\/([0-9a-fA-F]{32})$/.exec(path);
    if (m) {
      const id = (m[1] as string).toLowerCase();
      const rows = store.spans(tenant.id, id);
      return rows.length
        ? reply(200, traceView(id, rows))
        : reply(404, { error: `no trace ${id} for this tenant` });
    }
    if (path.startsWith('/api/v1/traces/')) return reply(400, { error: 'trace id: expected 32 hex digits' });
    return reply(404, { error: `no such endpoint ${path}; see /api/v1/openapi.json` });
  } catch (err) {
    if (err instanceof BadRequest) return reply(400, { error: err.message });
    deps.log.error({ err: String(err) }, 'query failed');
    return reply(500, { error: 'internal error' });
  }
}

export function createQueryServer(deps: QueryDeps): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      res.writeHead(200).end('ok\n');
    } else if (!url.pathname.startsWith('/api/v1/')) {
      res
        .writeHead(200, { 'content-type': 'text/plain' })
        .end('Koder Trace query API: see /api/v1/openapi.json (the trace UI is not built yet)\n');
    } else {
      const r = answer(deps, req.method ?? 'GET', url, req.headers.authorization);
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r.body));
    }
  });
}

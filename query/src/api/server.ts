// The query API (versioned under /api/v1): every request is scoped to the tenant its bearer token
// proves (single-tenant mode needs none), so one tenant can never read another's traces.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { TenantRegistry } from '../../../ingester/src/tenants/registry.ts';
import type { TraceBackend } from '../backend/backend.ts';
import { type PriceTable, pricer } from '../cost/prices.ts';
import { OPENAPI } from './openapi.ts';
import { promptList, promptOverlay } from './overlay.ts';
import { parseRating, ratingExport } from './ratings.ts';
import { BadRequest, parseSearch } from './search-params.ts';
import { RawJson, traceView } from './trace-view.ts';
import { serveUi } from './ui-files.ts';

interface Reply {
  status: number;
  body: unknown;
}

const reply = (status: number, body: unknown): Reply => ({ status, body });

/** The reply body as sent: JSON text prepared by the view is not stringified again. */
export const replyText = (r: Reply): string =>
  r.body instanceof RawJson ? r.body.text : JSON.stringify(r.body);

export interface QueryDeps {
  /** Where traces are read: the embedded store or Tempo. */
  backend: TraceBackend;
  registry: () => TenantRegistry;
  log: Logger;
  prices: PriceTable;
  /** OTLP/HTTP base URL of the ingester: ratings are written through it. */
  ingestUrl: string;
  now?: () => bigint;
  /** The built UI (default query/ui/dist). */
  uiDir?: string;
}

const TRACE_PATH = /^\/api\/v1\/traces\/([0-9a-fA-F]{32})$/;
const OVERLAY_PATH = /^\/api\/v1\/prompts\/([^/]+)\/versions$/;

/** Answers one API request (everything but the socket): routing, auth, parameters, lookups. */
export async function answer(
  deps: QueryDeps,
  method: string,
  url: URL,
  authorization: string | undefined,
  body: unknown,
): Promise<Reply> {
  const backend = deps.backend;
  const path = url.pathname;
  if (path === '/api/v1/openapi.json') return reply(200, OPENAPI);
  const post = path === '/api/v1/ratings';
  if (method !== (post ? 'POST' : 'GET')) return reply(405, { error: post ? 'use POST' : 'use GET' });
  const tenant = deps.registry().authenticate(authorization);
  if (!tenant)
    return reply(401, {
      error: 'missing or unknown bearer token: send "Authorization: Bearer <tenant token>"',
    });
  try {
    if (path === '/api/v1/traces') {
      const filter = parseSearch(url.searchParams);
      const { rows, next } = await backend.search(tenant.id, filter);
      const ids = rows.map((r) => r.trace_id);
      const facets = await backend.traceFacets(tenant.id, ids);
      const cost = new Map<string, number>();
      const price = pricer(deps.prices);
      for (const u of await backend.modelUsage(tenant.id, ids)) {
        const c = price(u.provider, u.model, {
          input: u.input_tokens,
          output: u.output_tokens,
          cacheRead: u.cache_read_tokens,
          cacheCreation: u.cache_creation_tokens,
        });
        cost.set(u.trace_id, (cost.get(u.trace_id) ?? 0) + (c ?? 0));
      }
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
        costUsd: cost.get(r.trace_id) ?? 0,
        rating: r.rating_count ? { average: r.rating_sum / r.rating_count, count: r.rating_count } : null,
      }));
      return reply(200, next ? { traces, next } : { traces });
    }
    const m = TRACE_PATH.exec(path);
    if (m) {
      const id = (m[1] as string).toLowerCase();
      const rows = await backend.spans(tenant.id, id);
      return rows.length
        ? reply(200, traceView(id, rows, deps.prices))
        : reply(404, { error: `no trace ${id} for this tenant` });
    }
    if (path === '/api/v1/prompts') {
      const { start, end } = range(deps, parseSearch(url.searchParams));
      return reply(200, { prompts: promptList(await backend.prompts(tenant.id, start, end)) });
    }
    const o = OVERLAY_PATH.exec(path);
    if (o) {
      const { start, end } = range(deps, parseSearch(url.searchParams));
      const buckets = Number(url.searchParams.get('buckets') ?? '12');
      if (!Number.isInteger(buckets) || buckets < 1 || buckets > 200)
        throw new BadRequest('buckets: expected 1 to 200');
      const promptId = decodeURIComponent(o[1] as string);
      const rows = await backend.promptSpans(tenant.id, promptId, start, end);
      return reply(200, promptOverlay(promptId, rows, deps.prices, start, end, buckets));
    }
    if (post) {
      const rating = parseRating(body);
      const rated = await backend.span(tenant.id, rating.traceId, rating.spanId);
      if (!rated)
        return reply(404, { error: `no span ${rating.spanId} in trace ${rating.traceId} for this tenant` });
      const { spanId, request } = ratingExport(rated, rating, now(deps));
      // Through the ingest path, as the caller's tenant: the rating lands where the trace lives.
      const res = await fetch(`${deps.ingestUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(request),
      });
      if (!res.ok)
        return reply(502, { error: `the ingester refused the rating: ${res.status} ${await res.text()}` });
      return reply(202, { ratingSpanId: spanId, traceId: rating.traceId, ratedSpanId: rating.spanId });
    }
    if (path.startsWith('/api/v1/traces/')) return reply(400, { error: 'trace id: expected 32 hex digits' });
    return reply(404, { error: `no such endpoint ${path}; see /api/v1/openapi.json` });
  } catch (err) {
    if (err instanceof BadRequest) return reply(400, { error: err.message });
    deps.log.error({ err: String(err) }, 'query failed');
    return reply(500, { error: 'internal error' });
  }
}

const now = (deps: QueryDeps) => deps.now?.() ?? BigInt(Date.now()) * 1_000_000n;

/** The time range asked for; by default the last 7 days. */
function range(deps: QueryDeps, f: { startNs?: bigint; endNs?: bigint }) {
  const end = f.endNs ?? now(deps);
  return { start: f.startNs ?? end - 7n * 86_400n * 1_000_000_000n, end };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  if (req.method !== 'POST') return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 64 * 1024) throw new BadRequest('body: larger than 64 KiB');
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('body: not valid JSON');
  }
}

export function createQueryServer(deps: QueryDeps): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      res.writeHead(200).end('ok\n');
    } else if (!url.pathname.startsWith('/api/')) {
      if (req.method === 'GET' || req.method === 'HEAD') void serveUi(url.pathname, res, deps.uiDir);
      else res.writeHead(405, { 'content-type': 'text/plain' }).end('use GET\n');
    } else {
      readJson(req)
        .then((body) => answer(deps, req.method ?? 'GET', url, req.headers.authorization, body))
        .catch((err: unknown) =>
          err instanceof BadRequest
            ? reply(400, { error: err.message })
            : reply(500, { error: 'internal error' }),
        )
        .then((r) => res.writeHead(r.status, { 'content-type': 'application/json' }).end(replyText(r)));
    }
  });
}

// The query API (versioned under /api/v1): every request is scoped to the tenant its bearer token
// proves (single-tenant mode needs none), so one tenant can never read another's traces.
//
// The server is total: no request-target, method, header or body can throw past the handler. A
// malformed request answers 4xx (the parser's own refusals through 'clientError'), every response
// carries the security headers, state-changing requests must be JSON from the same origin, and
// connections are capped and timed out.
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type ConnectionLimits, limitConnections } from '@koder-trace/ingester/connections';
import type { TenantAuth } from '@koder-trace/ingester/tenants';
import type { Logger } from 'pino';
import type { PartialRead, TraceBackend } from '../backend/backend.ts';
import { costMetricsText } from '../cost/cost-metrics.ts';
import { NO_COST, traceCosts } from '../cost/cost-sum.ts';
import { type PriceTable, pricer } from '../cost/prices.ts';
import { BadRequest } from '../model/filter.ts';
import type { SpanRow } from '../model/span.ts';
import { OPERATIONS } from './contract/operations.ts';
import { Dashboard, parseDashboard } from './dashboard.ts';
import { type ExportRequest, exportItems, parseExport } from './export.ts';
import { streamExport } from './export-stream.ts';
import { parseGroupPage, sessionList, userList } from './groups.ts';
import { type Headers, headerValue, type Identified, identify, type TrustedIdentity } from './identity.ts';
import { OPENAPI } from './openapi.ts';
import { promptList, promptOverlay } from './overlay.ts';
import { rate } from './rate.ts';
import { parseRating } from './ratings.ts';
import {
  checkParams,
  OVERLAY_PARAMS,
  parseBuckets,
  parseRange,
  parseSearch,
  shown,
} from './search-params.ts';
import { checkSessionParams, sessionTurn } from './sessions.ts';
import { RawJson, traceView } from './trace-view.ts';
import { serveUi } from './ui-files.ts';
import { usageReply } from './usage.ts';

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const reply = (status: number, body: unknown, headers?: Record<string, string>): Reply =>
  headers ? { status, body, headers } : { status, body };

/** The reply body as sent: JSON text prepared by the view is not stringified again. */
export const replyText = (r: Reply): string =>
  r.body instanceof RawJson ? r.body.text : JSON.stringify(r.body);

/**
 * The UI is one page, its script and its stylesheet, all from this origin; it sets element styles
 * through the CSSOM (never style attributes in markup), which style-src does not govern.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** Sent with every response, UI and API alike, errors included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export interface QueryLimits extends ConnectionLimits {
  /** Time allowed to send a request's headers (slow clients answer 408 and are closed). */
  headersTimeoutMs: number;
  /** Time allowed to send a whole request. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long (longer than load balancers' 60 s). */
  keepAliveTimeoutMs: number;
  /** Largest request body (a rating); larger answers 413. */
  maxBodyBytes: number;
}

export const DEFAULT_QUERY_LIMITS: Readonly<QueryLimits> = {
  maxConnections: 1024,
  maxConnectionsPerIp: 256,
  idleTimeoutMs: 120_000,
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 65_000,
  maxBodyBytes: 64 * 1024,
};

export interface QueryDeps {
  /** Where traces are read: the embedded store or Tempo (whose `trace` also says when Tempo returned
   * only part of a trace). */
  backend: TraceBackend & {
    trace?(tenant: string, traceId: string): Promise<{ rows: SpanRow[]; partial?: string }>;
  };
  /** Who a bearer token is (the tenants in force; re-read as they change). */
  registry: () => TenantAuth;
  log: Logger;
  prices: PriceTable;
  /** OTLP/HTTP base URL of the ingester: ratings are written through it. */
  ingestUrl: string;
  /** Where producers send spans, as GET /api/v1/info tells the UI (the first-trace help); unset, null. */
  ingest?: { otlpHttp: string; otlpGrpc: string };
  now?: () => bigint;
  /** How long a rating of a span not in storage waits for its trace to be rescued (default 4 s). */
  rescueWaitMs?: number;
  /** The built UI (default query/ui/dist). */
  uiDir?: string;
  /** Connection limits and timeouts; each defaults to DEFAULT_QUERY_LIMITS. */
  limits?: Partial<QueryLimits>;
  /** An authenticating proxy whose identity header is believed (identity.ts); unset: tokens only. */
  identity?: TrustedIdentity;
}

/** What a request proves who it is with: its headers, and the address it came from. */
export interface Credentials {
  headers: Headers;
  remoteAddress?: string | undefined;
}

const TRACE_PATH = /^\/api\/v1\/traces\/([0-9a-fA-F]{32})$/;
const OVERLAY_PATH = /^\/api\/v1\/prompts\/([^/]+)\/versions$/;
const RATINGS_PATH = '/api/v1/ratings';
const EXPORT_PATH = '/api/v1/export';
const DASHBOARD_PATH = '/api/v1/dashboard';
const SESSION_PATH = /^\/api\/v1\/sessions\/([^/]+)$/;
const NO_GROUPS = {
  sessions:
    'listing sessions groups spans by gen_ai.conversation.id, which Tempo search cannot do; open a session by id (GET /api/v1/sessions/{conversationId}) or search traces with conversationId=',
  users: 'listing users groups spans by user.id, which Tempo search cannot do; search traces with userId=',
};
/** The request's tenant, or the answer refusing it. */
function tenantOf(deps: QueryDeps, creds: Credentials | undefined): Identified {
  return identify(deps.registry(), creds?.headers ?? {}, creds?.remoteAddress, deps.identity);
}
const refusal = (who: Extract<Identified, { status: number }>) =>
  reply(who.status, { error: who.error, ...(who.tenants ? { tenants: who.tenants } : {}) });

/** Answers one API request (everything but the socket): routing, auth, parameters, lookups. */
export async function answer(
  deps: QueryDeps,
  method: string,
  url: URL,
  creds: Credentials | undefined,
  body: unknown,
): Promise<Reply> {
  try {
    return await route(deps, method, url, creds, body);
  } catch (err) {
    if (err instanceof BadRequest) return reply(400, { error: err.message });
    deps.log.error({ err: String(err) }, 'query failed');
    return reply(500, { error: 'internal error' });
  }
}

async function route(
  deps: QueryDeps,
  method: string,
  url: URL,
  creds: Credentials | undefined,
  body: unknown,
): Promise<Reply> {
  const backend = deps.backend;
  const path = url.pathname;
  const q = url.searchParams;
  const post = path === RATINGS_PATH;
  if (method !== (post ? 'POST' : 'GET'))
    return reply(405, { error: post ? 'use POST' : 'use GET' }, { allow: post ? 'POST' : 'GET' });
  if (path === '/api/v1/openapi.json') return reply(200, OPENAPI);
  // What a first-time user needs to send a trace; nothing of any tenant's data.
  if (path === '/api/v1/info') {
    checkParams(q, []);
    return reply(200, {
      ingest: deps.ingest ?? null,
      auth: deps.registry().singleTenant ? 'none' : 'tokens',
    });
  }
  const who = tenantOf(deps, creds);
  if (path === DASHBOARD_PATH) return dashboardReply(deps, q, who);
  if ('status' in who) return refusal(who);
  const { tenant } = who;
  if (path === '/api/v1/traces') {
    const filter = parseSearch(q);
    const { rows, next } = await backend.search(tenant.id, filter);
    const ids = rows.map((r) => r.trace_id);
    const facets = await backend.traceFacets(tenant.id, ids);
    const matches = filter.text ? await backend.textMatches?.(tenant.id, ids, filter.text) : undefined;
    // Unpriced models make a row's cost partial (or null), never $0 (cost-sum.ts).
    const cost = traceCosts(pricer(deps.prices), await backend.modelUsage(tenant.id, ids));
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
      ...(cost.get(r.trace_id) ?? NO_COST),
      rating: r.rating_count ? { average: r.rating_sum / r.rating_count, count: r.rating_count } : null,
      preview:
        r.input_preview || r.output_preview ? { input: r.input_preview, output: r.output_preview } : null,
      ...(matches?.has(r.trace_id) ? { match: matches.get(r.trace_id) } : {}),
    }));
    return reply(200, next ? { traces, next } : { traces });
  }
  const m = TRACE_PATH.exec(path);
  if (m) {
    checkParams(q, []);
    const id = (m[1] as string).toLowerCase();
    const { rows, partial } = backend.trace
      ? await backend.trace(tenant.id, id)
      : { rows: await backend.spans(tenant.id, id), partial: undefined };
    return rows.length
      ? reply(200, traceView(id, rows, deps.prices, partial))
      : reply(404, { error: `no trace ${id} for this tenant` });
  }
  if (path === '/api/v1/usage') return usageReply(backend, tenant.id, q, (f) => range(deps, f));
  if (path === '/api/v1/sessions' || path === '/api/v1/users') {
    const which = path === '/api/v1/sessions' ? 'sessions' : 'users';
    const page = parseGroupPage(q, OPERATIONS[which]);
    const groups = backend[which];
    if (!groups) return reply(501, { error: NO_GROUPS[which] });
    const { start, end } = range(deps, page.range);
    const rows = await groups(tenant.id, {
      startNs: start,
      endNs: end,
      limit: page.limit,
      ...(page.before ? { before: page.before } : {}),
    });
    const usage = await backend.modelUsage(
      tenant.id,
      rows.flatMap((r) => r.trace_ids),
    );
    const list = which === 'sessions' ? sessionList : userList;
    return reply(200, list(rows, usage, pricer(deps.prices), page.limit));
  }
  const session = SESSION_PATH.exec(path);
  if (session) {
    const id = decodePathSegment(session[1] as string, 'conversationId');
    const { limit, cursor } = checkSessionParams(q);
    // Newest first, as every backend can search (Tempo only so): a page is the latest turns, shown in
    // order, and `next` goes back in time.
    const page = await backend.search(tenant.id, {
      conversationId: id,
      limit,
      ...(cursor ? { cursor } : {}),
    });
    if (!page.rows.length && !cursor) return reply(404, { error: `no session ${shown(id)} for this tenant` });
    const turns = [];
    for (const r of page.rows.toReversed()) {
      const spans = await backend.spans(tenant.id, r.trace_id);
      if (spans.length) turns.push(sessionTurn(traceView(r.trace_id, spans, deps.prices).text));
    }
    return reply(200, { conversationId: id, turns, ...(page.next ? { next: page.next } : {}) });
  }
  if (path === '/api/v1/prompts') {
    const { start, end } = range(deps, parseRange(q));
    return reply(200, { prompts: promptList(await backend.prompts(tenant.id, start, end)) });
  }
  const o = OVERLAY_PATH.exec(path);
  if (o) {
    const { start, end } = range(deps, parseRange(q, OVERLAY_PARAMS));
    const buckets = parseBuckets(q);
    const promptId = decodePathSegment(o[1] as string, 'promptId');
    const rows = await backend.promptSpans(tenant.id, promptId, start, end);
    return reply(200, promptOverlay(promptId, rows, deps.prices, start, end, buckets));
  }
  if (post) {
    // The rating is written as a span through the ingester, which takes tenant tokens only.
    if (who.via === 'identity')
      return reply(403, {
        error:
          'a rating is written as a span through the ingester, which takes a tenant token: send it with "Authorization: Bearer <ingest token>"',
      });
    const authorization = headerValue(creds?.headers.authorization);
    const rating = parseRating(body);
    const out = await rate(rating, {
      findSpan: async () => (await backend.span(tenant.id, rating.traceId, rating.spanId)) ?? undefined,
      ingestUrl: deps.ingestUrl,
      authorization,
      nowNs: now(deps),
      log: deps.log,
      ...(deps.rescueWaitMs !== undefined ? { rescueWaitMs: deps.rescueWaitMs } : {}),
    });
    if (!out.ok) return reply(502, { error: out.error });
    return reply(202, {
      ratingSpanId: out.ratingSpanId,
      traceId: rating.traceId,
      ratedSpanId: rating.spanId,
      trace: out.trace,
      ...(out.note ? { note: out.note } : {}),
    });
  }
  if (path.startsWith('/api/v1/traces/')) return reply(400, { error: 'trace id: expected 32 hex digits' });
  return reply(404, { error: `no such endpoint ${path}; see /api/v1/openapi.json` });
}

/**
 * GET /api/v1/dashboard. by=tenant spans every tenant the caller reads, so a person reading several
 * needs no X-Koder-Tenant for it.
 */
async function dashboardReply(deps: QueryDeps, q: URLSearchParams, who: Identified): Promise<Reply> {
  const several = 'status' in who && who.status === 400 ? who.tenants : undefined;
  if ('status' in who && !several) return refusal(who);
  const d = parseDashboard(q);
  let tenants: string[];
  if (!('status' in who)) tenants = d.by === 'tenant' && who.readable ? who.readable : [who.tenant.id];
  else if (d.by === 'tenant' && several) tenants = several;
  else return refusal(who); // several tenants, and a dashboard of one: the person chooses
  const { start, end } = range(deps, d);
  const board = new Dashboard({ ...d, startNs: start, endNs: end }, pricer(deps.prices));
  let partial: PartialRead | undefined;
  for (const tenant of tenants) {
    const read = await deps.backend.dashboardPoints(tenant, start, end, { traceUsers: d.by === 'user' });
    let n = 0;
    for (const p of read.points) {
      board.add(p, tenant);
      // A long range is many rows: let other requests in between.
      if (++n % 5000 === 0) await nextTurn();
    }
    if (read.partial && (!partial || read.partial.fromNs > partial.fromNs)) partial = read.partial;
  }
  const body = board.result();
  return reply(
    200,
    partial
      ? {
          ...body,
          partial: {
            traces: partial.traces,
            fromTimeUnixNano: partial.fromNs.toString(),
            reason: partial.reason,
          },
        }
      : body,
  );
}

function decodePathSegment(segment: string, name: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequest(`${name}: invalid percent-encoding in the path`);
  }
}

const now = (deps: QueryDeps) => deps.now?.() ?? BigInt(Date.now()) * 1_000_000n;

/** The time range asked for; by default the last 7 days (never before the epoch). */
function range(deps: QueryDeps, f: { startNs?: bigint; endNs?: bigint }) {
  const end = f.endNs ?? now(deps);
  const start = f.startNs ?? end - 7n * 86_400n * 1_000_000_000n;
  if (start > end) throw new BadRequest('start: later than end (which is now unless given)');
  return { start: start < 0n ? 0n : start, end };
}

/**
 * What a state-changing request must be, checked on its headers before any body is read: JSON
 * (415 otherwise: an HTML form or a cross-site text/plain POST cannot send it without a CORS
 * preflight, which this server never grants), from this origin when the browser says where it comes
 * from (403), and no larger than the limit (413).
 */
export function writeRefusal(
  headers: IncomingHttpHeaders,
  host: string | undefined,
  maxBodyBytes: number,
): Reply | undefined {
  const origin = headers.origin;
  if (origin !== undefined && !sameOrigin(origin, host))
    return reply(403, {
      error: `cross-origin request refused: Origin ${shown(origin)} does not match this server (Host ${shown(host ?? '')})`,
    });
  const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    return reply(415, {
      error: `Content-Type: expected application/json, got ${shown(headers['content-type'] ?? '(none)')}`,
    });
  const length = headers['content-length'];
  if (length !== undefined && Number(length) > maxBodyBytes)
    return reply(413, { error: `body: larger than ${maxBodyBytes} bytes` });
  return undefined;
}

const HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/** Whether an Origin header names the host the request was sent to (same host and port). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host || !HOST.test(host)) return false;
  try {
    const o = new URL(origin);
    if (o.protocol !== 'http:' && o.protocol !== 'https:') return false;
    // The Host header read with the origin's scheme, so a default port matches its absence.
    return o.host === new URL(`${o.protocol}//${host}`).host;
  } catch {
    return false; // "null" (sandboxed or privacy-sensitive contexts) and anything else not a URL
  }
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) done(new TooLarge());
      else chunks.push(c);
    };
    const onEnd = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () => done(new Error('the request was aborted'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

async function readJson(req: IncomingMessage, max: number): Promise<{ json: unknown } | Reply> {
  let body: Buffer;
  try {
    body = await readBody(req, max);
  } catch (err) {
    // The rest of the body is never read: the connection closes after the answer.
    return err instanceof TooLarge
      ? reply(413, { error: `body: larger than ${max} bytes` }, { connection: 'close' })
      : reply(400, { error: 'body: could not be read' }, { connection: 'close' });
  }
  try {
    return { json: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return reply(400, { error: 'body: not valid JSON' });
  }
}

/**
 * The request-target as a URL: origin-form (`/path?query`; a path starting `//` stays a path) or
 * absolute-form (`http://host/path`, which RFC 9112 asks servers to accept). Anything else — `*`,
 * other schemes, what WHATWG URL cannot parse — is undefined, answered 400.
 */
export function requestTarget(raw: string | undefined): { url: URL; authority?: string } | undefined {
  if (!raw) return undefined;
  try {
    if (raw.startsWith('/')) return { url: new URL(`http://localhost${raw}`) };
    if (/^https?:\/\//i.test(raw)) {
      const url = new URL(raw);
      return { url, authority: url.host };
    }
  } catch {
    // malformed: answered 400 below
  }
  return undefined;
}

function send(res: ServerResponse, r: Reply): void {
  if (res.headersSent) {
    // Part of an answer is out already: nothing correct can follow it.
    if (!res.writableEnded) res.destroy();
    return;
  }
  res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers }).end(replyText(r));
}

async function handle(
  deps: QueryDeps,
  limits: QueryLimits,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  const target = requestTarget(req.url);
  if (!target)
    return send(
      res,
      reply(400, {
        error: 'request-target: expected a path such as /api/v1/traces (origin-form) or an http(s) URL',
      }),
    );
  // HTTP/1.1 requires Host (RFC 9112 §3.2); checked here rather than by Node so the answer carries
  // the security headers like every other.
  if (req.httpVersion === '1.1' && req.headers.host === undefined)
    return send(res, reply(400, { error: 'Host: header required in HTTP/1.1' }));
  const { url } = target;
  const method = req.method ?? '';
  const path = url.pathname;
  if (path === '/healthz' || !path.startsWith('/api/')) {
    if (method !== 'GET' && method !== 'HEAD')
      return send(res, reply(405, { error: 'use GET' }, { allow: 'GET, HEAD' }));
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(costMetricsText());
      return;
    }
    return serveUi(path, res, deps.uiDir);
  }
  const creds: Credentials = { headers: req.headers, remoteAddress: req.socket.remoteAddress };
  if (path === EXPORT_PATH && method === 'GET') return exportTraces(deps, url, creds, res);
  let body: unknown;
  if (path === RATINGS_PATH && method === 'POST') {
    const refused =
      writeRefusal(req.headers, target.authority ?? req.headers.host, limits.maxBodyBytes) ??
      // Strangers are refused before their body is read.
      ((who) => ('status' in who ? refusal(who) : undefined))(tenantOf(deps, creds));
    if (refused) return send(res, { ...refused, headers: { ...refused.headers, connection: 'close' } });
    const got = await readJson(req, limits.maxBodyBytes);
    if (!('json' in got)) return send(res, got);
    body = got.json;
  }
  send(res, await answer(deps, method, url, creds, body));
}

/** GET /api/v1/export: checked like any request, then streamed rather than answered in one body. */
async function exportTraces(
  deps: QueryDeps,
  url: URL,
  creds: Credentials,
  res: ServerResponse,
): Promise<void> {
  const who = tenantOf(deps, creds);
  if ('status' in who) return send(res, refusal(who));
  const { tenant } = who;
  let req: ExportRequest;
  try {
    req = parseExport(url.searchParams);
  } catch (err) {
    if (err instanceof BadRequest) return send(res, reply(400, { error: err.message }));
    throw err;
  }
  const items = exportItems(deps.backend, tenant.id, req, deps.prices, () => nextTurn());
  await streamExport(res, items, req, deps.log);
}

/** A response written straight to the socket, for requests the HTTP parser itself refused. */
function rawReply(socket: Duplex, status: number, error: string): void {
  const body = JSON.stringify({ error });
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    ...Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}

const PARSE_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'request line and headers larger than 16 KiB'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request was not received in time'],
  HPE_INVALID_METHOD: [400, 'unknown HTTP method'],
  HPE_INVALID_URL: [400, 'malformed request-target'],
  HPE_INVALID_HEADER_TOKEN: [400, 'malformed header'],
  HPE_INVALID_VERSION: [400, 'unsupported HTTP version: use HTTP/1.1'],
  HPE_PAUSED_H2_UPGRADE: [400, 'HTTP/2 is not served here: use HTTP/1.1'],
};

/** Requests Node's parser refuses (bad bytes, overlong headers, timeouts): 4xx, then the socket closes. */
function onClientError(err: Error & { code?: string }, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  // A TLS ClientHello (first byte 0x16) sent to this plain-HTTP port is the likeliest garbage.
  const tls = (err as { rawPacket?: Buffer }).rawPacket?.[0] === 0x16;
  const [status, message] = tls
    ? [400, 'this port speaks plain HTTP, not TLS']
    : (PARSE_ERRORS[err.code ?? ''] ?? [400, `malformed HTTP request (${err.code ?? 'unparsable'})`]);
  rawReply(socket, status, message);
}

/** The query service's HTTP server: UI, API, /healthz; hardened against hostile clients. */
export function createQueryServer(deps: QueryDeps): Server {
  const limits: QueryLimits = { ...DEFAULT_QUERY_LIMITS, ...deps.limits };
  const server = createServer(
    {
      requireHostHeader: false, // checked in handle(), answered with the security headers
      // Node refuses a headers timeout longer than the request timeout.
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often those timeouts are checked (Node's default, 30 s, would let them overrun that much).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    (req, res) => {
      handle(deps, limits, req, res).catch((err: unknown) => {
        deps.log.error({ err: String(err), url: req.url?.slice(0, 200) }, 'query request failed');
        try {
          send(res, reply(500, { error: 'internal error' }));
        } catch {
          res.destroy();
        }
      });
    },
  );
  let refused = 0;
  let lastLogged = 0;
  limitConnections(server, limits, (reason) => {
    refused++;
    // One line per 10 s at most: a flood of connections must not become a flood of log lines.
    if (Date.now() - lastLogged >= 10_000) {
      deps.log.warn({ refused, reason, limits }, 'connections refused: over the connection limits');
      refused = 0;
      lastLogged = Date.now();
    }
  });
  server.on('clientError', onClientError);
  // CONNECT (a proxy tunnel) bypasses the request handler; without this Node drops the socket silently.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) =>
    rawReply(socket, 405, 'CONNECT is not supported: this is not a proxy'),
  );
  return server;
}

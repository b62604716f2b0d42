// Tempo behind our API contract. Tempo is queried over its HTTP API with the tenant in X-Scope-OrgID:
// /api/search with TraceQL for the trace ids of a page, /api/v2/traces/<id> (protobuf-JSON: base64
// ids, enum names, 64-bit integers as strings — our OTLP/JSON decoder reads it) for their spans, and
// /api/v2/search/tag/<tag>/values for the prompt list. Totals Tempo's search does not return (tokens,
// errors, models), and each row's window and root, come from the page's traces themselves.
//
// Tempo's search rules, which this file works within on every supported version (2.8 → 3.0; see
// docs/tempo.md for the Tempo source file behind each):
// - bounds are whole seconds, both or neither (2.8/2.9 answer "start must be before end" to one bound,
//   2.10+ "only one of start and end provided"), and neither means "recent data only": we always send
//   both, filling the end with now and the start with `lookbackS` before it;
// - end − start may not exceed the tenant's max search duration (168 h by default): longer ranges are
//   walked in windows, newest first;
// - without `with (most_recent=true)` Tempo returns the first traces it finds, not the newest;
// - traces are matched by overlap with the range, and `limit` cuts among traces that may share a start:
//   a page is complete only above the oldest start returned, so a window that came back full is asked
//   again below that start (or with a larger limit when it made no progress). The cursor is the last
//   row's (start, trace id), so paging cannot skip, repeat or loop, however many traces start in one
//   second.
import { decodeTraceRequestValue } from '@koder-trace/ingester/otlp';
import { markRollups, rollups, usageTotals } from '@koder-trace/ingester/usage-rollup';
import { tracePoints } from '../model/dashboard-point.ts';
import { BadRequest, type TraceFilter } from '../model/filter.ts';
import { tracePreview } from '../model/preview.ts';
import type { ModelUsage, TraceSummaryRow } from '../model/rows.ts';
import type { SpanRow } from '../model/span.ts';
import { textMatch } from '../model/text-match.ts';
import { DEFAULT_USER_ATTRIBUTES } from '../model/user-id.ts';
import type { TextMatch } from '../store/full-text.ts';
import { batchRows } from '../store/span-row.ts';
import type { TraceBackend } from './backend.ts';
import { quote, traceql } from './traceql.ts';

interface TempoHit {
  traceID: string;
  rootServiceName?: string;
  rootTraceName?: string;
  startTimeUnixNano?: string;
  durationMs?: number;
  /** The matched spans (at most spss a set), with the attributes a query's select() names. */
  spanSets?: { spans?: TempoSpan[]; matched?: number }[];
}
interface TempoSpan {
  spanID: string;
  startTimeUnixNano?: string;
  attributes?: { key: string; value: OtlpJsonValue }[];
}
type OtlpJsonValue = Record<string, unknown>;

/** An OTLP/JSON value (as Tempo marshals it: 64-bit integers as strings) as a plain JSON value. */
function plain(v: OtlpJsonValue | undefined): unknown {
  if (!v) return null;
  if ('stringValue' in v) return String(v.stringValue);
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('boolValue' in v) return Boolean(v.boolValue);
  if ('arrayValue' in v)
    return ((v.arrayValue as { values?: OtlpJsonValue[] } | undefined)?.values ?? []).map((x) => plain(x));
  return null;
}

/** The ledger attributes the usage API reads (api/usage.ts), selected so no trace is fetched. */
const LEDGER_ATTRIBUTES = [
  'koder.usage.ledger',
  'koder.request_id',
  'koder.usage.spans',
  'koder.usage.errors',
  'koder.usage.tokens.input',
  'koder.usage.tokens.output',
  'koder.usage.tokens.cache_read',
  'koder.usage.tokens.cache_creation',
  'koder.usage.tokens.reasoning',
  'koder.usage.tokens_by_model',
  'koder.usage.models',
  'koder.usage.prompt_versions',
  'koder.usage.services',
  'koder.usage.duration_ms',
  'koder.sampling.decision',
];
/** Ledger spans Tempo returns of each trace (spss, at most 100). */
const LEDGER_SPSS = 100;

/** A search result keyed for ordering: Tempo's start of the trace and its 32-digit id. */
interface Hit {
  id: string;
  start: bigint;
  tempo: TempoHit;
}
interface Key {
  start: bigint;
  id: string;
}

export interface TempoOptions {
  /** Tempo's HTTP API, e.g. http://koder-trace-tempo:3200 */
  url: string;
  fetch?: typeof fetch;
  /** Traces fetched at once when completing a search page. */
  concurrency?: number;
  /** Tempo's max search duration in seconds (query_frontend.search.max_duration, per tenant
   * read.max_search_duration); default 168 h, Tempo's default. */
  maxSearchDurationS?: number;
  /** How far back any search looks, in seconds (a search without a start, or one starting earlier);
   * default 744 h (31 days), beyond the default retention of 336 h. */
  lookbackS?: number;
  /** Refuse to read from a Tempo that runs without multitenancy_enabled (default true): it would show
   * every tenant every tenant's traces. */
  requireMultitenancy?: boolean;
  /** Now, in nanoseconds since the epoch (tests). */
  now?: () => bigint;
  /** Told when Tempo returns a trace cut at its max_bytes_per_trace (status PARTIAL). */
  onPartial?: (tenant: string, traceId: string, message: string) => void;
  /** Traces asked for per page when listing usage ledger spans (default 2,000). */
  ledgerPage?: number;
  /** Traces the dashboard reads at most (default 2,000; each is fetched whole). */
  dashboardTraces?: number;
  /** The attributes read as the user id, in order (model/user-id.ts; default user.id, enduser.id). */
  userAttributes?: readonly string[];
}

const SECOND = 1_000_000_000n;
const HOUR_S = 3600;
/** Largest `limit` asked of Tempo (3.0's default max_result_limit is 262,144). */
const MAX_TEMPO_LIMIT = 65_536;
/** Traces read at most for one prompt overlay. */
const MAX_PROMPT_TRACES = 1000;
/** Traces the dashboard reads: those with a model call, usage or a rating. */
const DASHBOARD_QUERY =
  '{ span.gen_ai.operation.name != nil || span.gen_ai.usage.input_tokens != nil || span.gen_ai.usage.output_tokens != nil || span.koder.rating.score != nil }';
/** Traces read for a search page are reused by the same request's facets and cost, no longer. */
const PAGE_REUSE_MS = 5_000;

// biome-ignore lint/complexity/useMathMinMax: Math.min takes no bigints
const minOf = (xs: bigint[]) => xs.reduce((m, x) => (m <= x ? m : x));
// biome-ignore lint/complexity/useMathMinMax: Math.max takes no bigints
const maxOf = (xs: bigint[]) => xs.reduce((m, x) => (m >= x ? m : x));
const ceilSeconds = (ns: bigint) => (ns <= 0n ? 0n : (ns + SECOND - 1n) / SECOND);
const keyLess = (a: Key, b: Key) => a.start < b.start || (a.start === b.start && a.id < b.id);
const byKeyDesc = (a: Key, b: Key) => (keyLess(a, b) ? 1 : keyLess(b, a) ? -1 : 0);

interface Cursor extends Key {
  /** Traces already returned that start in the cursor's second (Tempo will return them again). */
  seen: number;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ s: String(c.start), i: c.id, n: c.seen })).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const o = JSON.parse(Buffer.from(text, 'base64url').toString()) as { s: unknown; i: unknown; n: unknown };
    if (
      typeof o.s === 'string' &&
      /^\d+$/.test(o.s) &&
      typeof o.i === 'string' &&
      /^[0-9a-f]{32}$/.test(o.i) &&
      Number.isInteger(o.n) &&
      (o.n as number) >= 0
    )
      return { start: BigInt(o.s), id: o.i, seen: o.n as number };
  } catch {
    // fall through
  }
  throw new BadRequest('cursor: not a cursor from this search (use the "next" value of the previous page)');
}

export class TempoError extends Error {
  override name = 'TempoError';
}

/** One trace as read from Tempo: its spans, and why only part of them came back, if so. */
export interface TraceRead {
  rows: SpanRow[];
  /** Tempo's message when it answered status PARTIAL (the trace is over max_bytes_per_trace). */
  partial?: string;
}

export function tempoBackend(opts: TempoOptions): TraceBackend & {
  trace(tenant: string, traceId: string): Promise<TraceRead>;
} {
  const get = opts.fetch ?? fetch;
  const userKeys = opts.userAttributes ?? DEFAULT_USER_ATTRIBUTES;
  const now = opts.now ?? (() => BigInt(Date.now()) * 1_000_000n);
  const maxWindowS = BigInt(opts.maxSearchDurationS ?? 168 * HOUR_S);
  const lookbackNs = BigInt(opts.lookbackS ?? 744 * HOUR_S) * SECOND;
  // Only the traces of the last search page, for that request's facets and cost: a trace can always
  // change (late spans, ratings), so nothing is kept for later requests, and nothing empty at all.
  const pageRows = new Map<string, { at: number; rows: SpanRow[] }>();
  let multitenancy: { at: number; ok: boolean } | undefined;

  async function checkMultitenancy(): Promise<void> {
    if (opts.requireMultitenancy === false) return;
    if (multitenancy?.ok) return;
    if (multitenancy && Date.now() - multitenancy.at < 60_000) throw refusal();
    // Multi-tenant Tempo refuses a request without X-Scope-OrgID (401 "no org id"); single-tenant
    // Tempo answers it, filing every tenant's spans under one.
    const res = await get(`${opts.url}/api/v2/search/tag/span.koder.prompt.id/values`, {
      headers: { accept: 'application/json' },
    }).catch(() => undefined);
    await res?.body?.cancel();
    if (res?.status === 401) multitenancy = { at: Date.now(), ok: true };
    else if (res?.ok) {
      multitenancy = { at: Date.now(), ok: false };
      throw refusal();
    }
    // Anything else (Tempo down, a proxy in between): the query itself will tell.
  }
  const refusal = () =>
    new TempoError(
      `Tempo at ${opts.url} runs without multitenancy_enabled: it ignores X-Scope-OrgID and would show every tenant everyone's traces; refusing to read from it (set multitenancy_enabled: true)`,
    );

  async function tempo(tenant: string, path: string): Promise<Response> {
    await checkMultitenancy();
    const res = await get(`${opts.url}${path}`, {
      headers: { 'X-Scope-OrgID': tenant, accept: 'application/json' },
    });
    if (!res.ok && res.status !== 404)
      throw new TempoError(
        `Tempo answered ${res.status} for ${path.split('?')[0]}: ${(await res.text()).slice(0, 300)}`,
      );
    return res;
  }

  /** A trace's spans, and Tempo's message when it returned only part of them (status PARTIAL). */
  async function trace(tenant: string, traceId: string): Promise<TraceRead> {
    const res = await tempo(tenant, `/api/v2/traces/${traceId}`);
    if (res.status === 404) return { rows: [] }; // v1 and older v2 answers; v2 answers 200 with an empty trace
    const body = (await res.json()) as { trace?: unknown; status?: string; message?: string };
    const batch = decodeTraceRequestValue(body.trace ?? {}, { ids: 'base64' });
    const rows = [...batchRows(tenant, batch, userKeys)];
    markRollups(rows); // the whole trace is here: what each span rolls up is known
    rows.sort((a, b) => (a.start_ns < b.start_ns ? -1 : a.start_ns > b.start_ns ? 1 : 0));
    if (body.status !== 'PARTIAL') return { rows };
    const partial = body.message || 'Tempo returned a partial trace';
    opts.onPartial?.(tenant, traceId, partial);
    return { rows, partial };
  }
  const spans = async (tenant: string, traceId: string) => (await trace(tenant, traceId)).rows;

  async function many(tenant: string, ids: string[], reuse: boolean): Promise<Map<string, SpanRow[]>> {
    const out = new Map<string, SpanRow[]>();
    const queue: string[] = [];
    for (const id of ids) {
      const hit = reuse ? pageRows.get(`${tenant}/${id}`) : undefined;
      if (hit && Date.now() - hit.at < PAGE_REUSE_MS) out.set(id, hit.rows);
      else queue.push(id);
    }
    const workers = Array.from({ length: Math.min(opts.concurrency ?? 8, queue.length) }, async () => {
      for (let id = queue.shift(); id; id = queue.shift()) out.set(id, await spans(tenant, id));
    });
    await Promise.all(workers);
    return new Map(ids.map((id) => [id, out.get(id) ?? []]));
  }

  async function searchWindow(
    tenant: string,
    q: string,
    startS: bigint,
    endS: bigint,
    limit: number,
    spss: number,
  ) {
    const params = new URLSearchParams({
      q: `${q} with (most_recent=true)`,
      start: String(startS),
      end: String(endS),
      limit: String(limit),
      spss: String(spss),
    });
    const res = await tempo(tenant, `/api/search?${params}`);
    const body = (await res.json()) as { traces?: TempoHit[] };
    return (body.traces ?? []).map(
      (t): Hit => ({
        id: t.traceID.toLowerCase().padStart(32, '0'),
        start: BigInt(t.startTimeUnixNano ?? '0'),
        tempo: t,
      }),
    );
  }

  /**
   * Up to `need` traces matching q that overlap [startNs, endNs] and sort below `upper`, newest first,
   * walking windows of at most the max search duration down from the upper bound.
   */
  async function candidates(
    tenant: string,
    q: string,
    startNs: bigint,
    endNs: bigint,
    upper: Key,
    need: number,
    firstLimit: number,
    spss = 1,
  ): Promise<Hit[]> {
    const out: Hit[] = [];
    const floorS = startNs / SECOND;
    let up = upper;
    let limit = Math.min(firstLimit, MAX_TEMPO_LIMIT);
    for (;;) {
      let b = ceilSeconds(up.start);
      if (b <= floorS) b = floorS + 1n;
      const a = b - maxWindowS > floorS ? b - maxWindowS : floorS;
      const last = a === floorS;
      const hits = await searchWindow(tenant, q, a, b, limit, spss);
      const full = hits.length >= limit;
      // What this answer holds completely: the traces that start inside the window (or, in the last
      // window, every overlapping one) and, when it came back full, only those above its oldest start.
      const floorNs = last ? -1n : a * SECOND;
      const oldest = full ? minOf(hits.map((h) => h.start)) : undefined;
      const known = hits
        .filter(
          (h) =>
            keyLess(h, up) &&
            h.start <= endNs &&
            h.start >= floorNs &&
            (oldest === undefined || h.start > oldest),
        )
        .sort(byKeyDesc);
      for (const h of known) {
        out.push(h);
        if (out.length >= need) return out;
      }
      if (oldest !== undefined && oldest >= floorNs) {
        if (oldest >= up.start) {
          // Every trace returned starts at or above where we are: ask for more at once.
          if (limit >= MAX_TEMPO_LIMIT)
            throw new BadRequest(
              `more than ${MAX_TEMPO_LIMIT} matching traces start within one second; narrow the search`,
            );
          limit = Math.min(limit * 2, MAX_TEMPO_LIMIT);
          continue;
        }
        up = { start: oldest, id: 'g' }; // everything above the oldest start is taken; it may have more
        continue;
      }
      if (last) return out;
      up = { start: a * SECOND, id: '' };
    }
  }

  function summary(traceId: string, rows: SpanRow[], hit: TempoHit): TraceSummaryRow {
    const real = rows.filter((r) => r.rating === null);
    const ratings = rows.filter((r) => r.rating !== null);
    const sum = (f: (r: SpanRow) => number) => real.reduce((n, r) => n + f(r), 0);
    // The window of the trace's own spans: ratings, given later, do not stretch it (as in the store).
    let start = hit.startTimeUnixNano ? BigInt(hit.startTimeUnixNano) : 0n;
    let end = start + BigInt(Math.round((hit.durationMs ?? 0) * 1e6));
    if (real.length) {
      start = minOf(real.map((r) => r.start_ns));
      end = maxOf(real.map((r) => r.end_ns));
    }
    const root = real.find((r) => r.parent_span_id === '');
    const fromTempo = rows.length === 0 && hit.rootServiceName !== '<root span not yet received>';
    const usage = usageTotals(real); // aggregate spans not counted twice (the usage rollup rule)
    const preview = tracePreview(real);
    return {
      trace_id: traceId,
      start_ns: start,
      end_ns: end,
      root_service: root ? root.service : fromTempo ? (hit.rootServiceName ?? null) : null,
      root_name: root ? root.name : fromTempo ? (hit.rootTraceName ?? null) : null,
      span_count: real.length,
      error_count: sum((r) => r.is_error),
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      cache_read_tokens: usage.cacheReadTokens,
      cache_creation_tokens: usage.cacheCreationTokens,
      reasoning_tokens: usage.reasoningTokens,
      rating_sum: ratings.reduce((n, r) => n + (r.rating as number), 0),
      rating_count: ratings.length,
      // From the spans read for the row (none when Tempo's search hit is all there is).
      input_preview: preview.input,
      output_preview: preview.output,
    };
  }

  /** Tempo matched on its own window, which ratings stretch: keep what matches on the trace's own. */
  function stillMatches(f: TraceFilter, r: TraceSummaryRow): boolean {
    if (f.startNs !== undefined && r.end_ns < f.startNs) return false;
    if (f.endNs !== undefined && r.start_ns > f.endNs) return false;
    if (f.minDurationMs !== undefined && r.end_ns - r.start_ns < BigInt(Math.round(f.minDurationMs * 1e6)))
      return false;
    return true;
  }

  /** The range asked of Tempo: the end defaults to now, the start to (and at the earliest) the lookback
   * before it — never 0, which Tempo reads as "no start" and answers from recent data only. */
  function bounds(startNs: bigint | undefined, endNs: bigint | undefined) {
    const end = endNs ?? now();
    const earliest = end - lookbackNs > SECOND ? end - lookbackNs : SECOND;
    return { start: startNs !== undefined && startNs > earliest ? startNs : earliest, end };
  }

  return {
    async search(tenant, f) {
      const q = traceql(f, userKeys);
      const { start, end } = bounds(f.startNs, f.endNs);
      if (start > end) return { rows: [] };
      const cursor = f.cursor ? decodeCursor(f.cursor) : undefined;
      const need = f.limit + 1;
      const hits = await candidates(
        tenant,
        q,
        start,
        end,
        cursor ?? { start: end, id: 'g' },
        need,
        need + (cursor?.seen ?? 0),
      );
      const page = hits.slice(0, f.limit);
      const fetched = await many(
        tenant,
        page.map((h) => h.id),
        false,
      );
      const at = Date.now();
      for (const [id, rows] of fetched) if (rows.length) pageRows.set(`${tenant}/${id}`, { at, rows });
      for (const [k, v] of pageRows) if (at - v.at >= PAGE_REUSE_MS) pageRows.delete(k);
      const rows = page
        .map((h) => summary(h.id, fetched.get(h.id) ?? [], h.tempo))
        .filter((r) => stillMatches(f, r));
      const last = page.at(-1);
      if (hits.length <= f.limit || !last) return { rows };
      const second = ceilSeconds(last.start);
      const seen =
        (cursor && ceilSeconds(cursor.start) === second ? cursor.seen : 0) +
        page.filter((h) => ceilSeconds(h.start) === second).length;
      return { rows, next: encodeCursor({ start: last.start, id: last.id, seen }) };
    },
    spans,
    trace,
    async traceFacets(tenant, ids) {
      const fetched = await many(tenant, ids, true);
      const out = new Map<string, { models: string[]; promptVersions: string[] }>();
      for (const [id, rows] of fetched) {
        const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x))];
        out.set(id, {
          models: uniq(rows.map((r) => r.response_model ?? r.request_model)),
          promptVersions: uniq(rows.map((r) => r.prompt_version)),
        });
      }
      return out;
    },
    async modelUsage(tenant, ids) {
      const fetched = await many(tenant, ids, true);
      const out: ModelUsage[] = [];
      for (const [id, rows] of fetched) {
        const { excess } = rollups(rows);
        for (const r of rows) {
          const model = r.response_model ?? r.request_model;
          // A rollup's usage is its descendants', but for what it adds beyond them (the usage rollup rule).
          const u = r.rollup & 1 ? excess.get(r.span_id) : r;
          if (!model || !u) continue;
          out.push({
            trace_id: id,
            provider: r.provider,
            model,
            input_tokens: u.input_tokens,
            output_tokens: u.output_tokens,
            cache_read_tokens: u.cache_read_tokens,
            cache_creation_tokens: u.cache_creation_tokens,
            reasoning_tokens: u.reasoning_tokens,
          });
        }
      }
      return out;
    },
    async promptSpans(tenant, promptId, startNs, endNs) {
      const q = traceql({ promptId, limit: MAX_PROMPT_TRACES }, userKeys);
      const range = bounds(startNs, endNs);
      if (range.start > range.end) return [];
      const hits = await candidates(
        tenant,
        q,
        range.start,
        range.end,
        { start: range.end, id: 'g' },
        MAX_PROMPT_TRACES + 1,
        MAX_PROMPT_TRACES + 1,
      );
      if (hits.length > MAX_PROMPT_TRACES)
        throw new BadRequest(
          `more than ${MAX_PROMPT_TRACES} traces use prompt ${promptId} in this range with the Tempo backend; narrow start/end`,
        );
      const fetched = await many(
        tenant,
        hits.map((h) => h.id),
        false,
      );
      return [...fetched.values()]
        .flat()
        .filter((r) => r.prompt_id === promptId && r.start_ns >= startNs && r.start_ns <= endNs)
        .sort((a, b) => (a.start_ns < b.start_ns ? -1 : a.start_ns > b.start_ns ? 1 : 0));
    },
    async *ledgerSpans(tenant, f) {
      // By request id over the whole lookback; otherwise the traces overlapping the range (the caller
      // keeps the ledger spans that start in it).
      const range = f.requestId !== undefined ? bounds(undefined, undefined) : bounds(f.startNs, f.endNs);
      if (range.start > range.end) return;
      const conds = [`name = ${quote('koder.usage')}`, 'span.koder.usage.ledger = true'];
      if (f.requestId !== undefined) conds.push(`span.koder.request_id = ${quote(f.requestId)}`);
      const q = `{ ${conds.join(' && ')} } | select(${LEDGER_ATTRIBUTES.map((a) => `span.${a}`).join(', ')})`;
      // Newest first, a page of traces at a time, each page below the last trace of the one before.
      const page = opts.ledgerPage ?? 2000;
      let upper: Key = { start: range.end, id: 'g' };
      for (;;) {
        const hits = await candidates(tenant, q, range.start, range.end, upper, page, page, LEDGER_SPSS);
        for (const h of hits) {
          const sets = h.tempo.spanSets ?? [];
          // More ledger spans than one set returns (a trace of over 100 requests): read the trace.
          if (sets.some((set) => (set.matched ?? 0) > (set.spans?.length ?? 0))) {
            for (const row of await spans(tenant, h.id)) if (row.name === 'koder.usage') yield row;
            continue;
          }
          const seen = new Set<string>();
          for (const span of sets.flatMap((set) => set.spans ?? [])) {
            if (seen.has(span.spanID)) continue;
            seen.add(span.spanID);
            const attributes = Object.fromEntries(
              (span.attributes ?? []).map((a) => [a.key, plain(a.value)]),
            );
            yield {
              name: 'koder.usage',
              trace_id: h.id,
              start_ns: BigInt(span.startTimeUnixNano ?? '0'),
              attributes: JSON.stringify(attributes),
            };
          }
        }
        const last = hits.at(-1);
        if (hits.length < page || !last) return;
        upper = { start: last.start, id: last.id };
      }
    },
    async dashboardPoints(tenant, startNs, endNs, options) {
      const range = bounds(startNs, endNs);
      if (range.start > range.end) return { points: [] };
      const top = { start: range.end, id: 'g' };
      const cap = opts.dashboardTraces ?? 2000;
      const hits = await candidates(tenant, DASHBOARD_QUERY, range.start, range.end, top, cap + 1, cap + 1);
      // Newest first: past the cap, the figures cover the traces that start after the oldest one read.
      const cut = hits.length > cap;
      const read = hits.slice(0, cap);
      const fromNs = cut ? (read.at(-1) as Hit).start + 1n : range.start;
      const fetched = await many(
        tenant,
        read.filter((h) => h.start >= fromNs).map((h) => h.id),
        false,
      );
      const points = [...fetched.values()].flatMap((rows) => tracePoints(rows, fromNs, range.end, options));
      if (!cut) return { points };
      return {
        points,
        partial: {
          traces: fetched.size,
          fromNs,
          reason: `Tempo's search returns traces, not figures: the dashboard reads at most the newest ${cap} traces with model calls or ratings; narrow start/end for complete figures`,
        },
      };
    },
    async textMatches(tenant, ids, text) {
      // The page's traces were just read for its rows: where each matches is found in their text.
      const fetched = await many(tenant, ids, true);
      const out = new Map<string, TextMatch>();
      for (const [id, rows] of fetched) {
        const hit = textMatch(rows, text);
        if (hit) out.set(id, hit);
      }
      return out;
    },
    async span(tenant, traceId, spanId) {
      return (await spans(tenant, traceId)).find((r) => r.span_id === spanId);
    },
    async prompts(tenant, startNs, endNs) {
      // Tempo's tag-values API lists the ids (versions and counts would need every trace fetched), one
      // window of at most the max search duration at a time.
      const ids = new Set<string>();
      const range = bounds(startNs, endNs);
      if (range.start > range.end) return [];
      const floorS = range.start / SECOND;
      const top = ceilSeconds(range.end);
      for (let b = top > floorS ? top : floorS + 1n; b > floorS; ) {
        const a = b - maxWindowS > floorS ? b - maxWindowS : floorS;
        const params = new URLSearchParams({ start: String(a), end: String(b) });
        const res = await tempo(tenant, `/api/v2/search/tag/span.koder.prompt.id/values?${params}`);
        const body = (await res.json()) as { tagValues?: { value: string }[] };
        for (const t of body.tagValues ?? []) ids.add(t.value);
        b = a;
      }
      return [...ids].sort().map((prompt_id) => ({ prompt_id, prompt_version: null, calls: 0, last_ns: 0n }));
    },
  };
}

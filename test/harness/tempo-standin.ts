// A Tempo stand-in with Tempo's rules, for tests: Tempo itself cannot run here (no container engine,
// and it is never built: AGPL). Every rule below was read in Tempo's source (github.com/grafana/tempo,
// tags v2.8.2 — what the chart pins — and v3.0.x where the rules differ) and written anew; the file
// each rule follows is named beside it. Nothing of Tempo is copied or linked.
//
// Modes: '2.8' (2.8 and 2.9 rules) and '3.0' (2.10 and later: the query frontend's adjust-start-end
// middleware). What differs between them: how a range with one bound is refused, what a search
// without a range covers, and the end of a range clamped to now − 30 s.
//
// Write side: OTLP/HTTP JSON on POST /v1/traces (X-Scope-OrgID required when multi-tenant), or
// `push()` directly with a chosen arrival time. Read side: /api/v2/traces/<id>, /api/traces/<id>,
// /api/search, /api/v2/search/tag/<tag>/values, /ready.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AttrRef,
  type EvalSpan,
  type EvalTrace,
  matchTrace,
  parse,
  TraceQLError,
  type Value,
} from './tempo-traceql.ts';

type Json = Record<string, unknown>;

export interface TempoStandinOptions {
  mode: '2.8' | '3.0';
  /** multitenancy_enabled (default true): every request needs X-Scope-OrgID, else 401 "no org id". */
  multitenancy?: boolean;
  /** Max search duration (query_frontend.search.max_duration, per tenant read.max_search_duration); default 168 h. */
  maxSearchDurationS?: number | ((tenant: string) => number);
  /** distributor.max_attribute_bytes (default 2048, Tempo's default): longer string values are cut. */
  maxAttributeBytes?: number;
  /** global.max_bytes_per_trace: spans that would grow a trace past it are dropped (answered 200). */
  maxBytesPerTrace?: number;
  /** ingestion.max_traces_per_user: spans of a new trace past it are dropped (answered 200). */
  maxLiveTraces?: number;
  /** Search sees a trace only this long after its last span (default 0; Tempo: ~10–20 s). */
  searchDelayMs?: number;
  /** The clock, in milliseconds (default Date.now). */
  now?: () => number;
}

interface StoredSpan {
  resource: Json;
  scope: Json;
  span: Json;
  bytes: number;
}

interface StoredTrace {
  spans: StoredSpan[];
  bytes: number;
  lastWriteMs: number;
}

export interface TempoStandin {
  url: string;
  /** Requests received, for tests that check what was asked. */
  requests: { path: string; query: URLSearchParams; orgId: string | undefined; status: number }[];
  /** Spans dropped by Tempo's limits while the write was answered with success (silent loss). */
  discarded: { tenant: string; reason: 'trace_too_large' | 'live_traces_exceeded'; spans: number }[];
  /** Stores an OTLP/JSON request (hex ids) as Tempo's distributor would, arriving at `receivedAtMs`. */
  push(tenant: string, body: Json | string | Buffer, receivedAtMs?: number): void;
  close(): Promise<void>;
}

const SECOND_NS = 1_000_000_000n;
const HOUR_S = 3600;

// Go's time.Duration.String() for whole seconds, as Tempo's messages print durations ("168h0m0s").
function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h}h${m}m${s}s` : m ? `${m}m${s}s` : `${s}s`;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}
const bad = (msg: string) => new HttpError(400, msg);

// strconv.ParseInt(s, 10, 32) (2.8, pkg/api/http.go ParseSearchRequest) / ParseUint(s, 10, 32) (3.0).
function parseUint32(name: string, s: string, signed: boolean): number {
  const fn = signed ? 'strconv.ParseInt' : 'strconv.ParseUint';
  if (!(signed ? /^[+-]?\d+$/ : /^\d+$/).test(s))
    throw bad(`invalid ${name}: ${fn}: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (signed ? n > 2 ** 31 - 1 || n < -(2 ** 31) : n > 2 ** 32 - 1)
    throw bad(`invalid ${name}: ${fn}: parsing ${JSON.stringify(s)}: value out of range`);
  return n >>> 0; // req.Start = uint32(start)
}

// 3.0: pkg/api/http.go parseTimestamp — seconds (≤ 10 digits) or nanoseconds, fractional seconds, RFC 3339.
function parseTimestamp(v: string): number {
  if (v.includes('.') && !Number.isNaN(Number(v))) return Number(v);
  if (/^-?\d+$/.test(v)) return v.length <= 10 ? Number(v) : Number(BigInt(v) / SECOND_NS);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return t / 1000;
}

/** Tempo's protobuf-JSON of OTLP data (gogo jsonpb defaults: camelCase, enum names, 64-bit integers as strings, bytes as base64, zero values left out). */
const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
const b64 = (hex: unknown) => Buffer.from(String(hex ?? ''), 'hex').toString('base64');
const enumNumber = (v: unknown, names: string[]) =>
  typeof v === 'string' && names.includes(v) ? names.indexOf(v) : Number(v ?? 0);

function anyValueJson(v: Json | undefined): Json {
  if (!v) return {};
  if ('stringValue' in v) return v.stringValue === '' ? {} : { stringValue: v.stringValue };
  if ('intValue' in v) return { intValue: String(v.intValue) };
  if ('doubleValue' in v) return { doubleValue: Number(v.doubleValue) };
  if ('boolValue' in v) return v.boolValue ? { boolValue: true } : {};
  if ('bytesValue' in v) return { bytesValue: v.bytesValue };
  if ('arrayValue' in v)
    return {
      arrayValue: { values: (((v.arrayValue as Json)?.values as Json[]) ?? []).map((x) => anyValueJson(x)) },
    };
  if ('kvlistValue' in v) return { kvlistValue: { values: attrsJson((v.kvlistValue as Json)?.values) } };
  return {};
}

const attrsJson = (list: unknown): Json[] =>
  ((list as Json[] | undefined) ?? []).map((kv) => ({ key: kv.key, value: anyValueJson(kv.value as Json) }));

function omitEmpty(o: Json): Json {
  return Object.fromEntries(
    Object.entries(o).filter(
      ([, v]) => v !== undefined && v !== '' && v !== 0 && !(Array.isArray(v) && v.length === 0),
    ),
  );
}

function spanJson(s: Json): Json {
  const status = (s.status as Json | undefined) ?? {};
  const code = enumNumber(status.code, STATUS_CODES);
  const kind = enumNumber(s.kind, SPAN_KINDS);
  return omitEmpty({
    traceId: b64(s.traceId),
    spanId: b64(s.spanId),
    traceState: s.traceState,
    parentSpanId: s.parentSpanId ? b64(s.parentSpanId) : undefined,
    flags: s.flags,
    name: s.name,
    kind: kind ? SPAN_KINDS[kind] : undefined,
    startTimeUnixNano: String(s.startTimeUnixNano ?? '0'),
    endTimeUnixNano: String(s.endTimeUnixNano ?? '0'),
    attributes: attrsJson(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: ((s.events as Json[] | undefined) ?? []).map((e) =>
      omitEmpty({
        timeUnixNano: String(e.timeUnixNano ?? '0'),
        name: e.name,
        attributes: attrsJson(e.attributes),
        droppedAttributesCount: e.droppedAttributesCount,
      }),
    ),
    droppedEventsCount: s.droppedEventsCount,
    links: ((s.links as Json[] | undefined) ?? []).map((l) =>
      omitEmpty({
        traceId: b64(l.traceId),
        spanId: b64(l.spanId),
        traceState: l.traceState,
        attributes: attrsJson(l.attributes),
        droppedAttributesCount: l.droppedAttributesCount,
        flags: l.flags,
      }),
    ),
    droppedLinksCount: s.droppedLinksCount,
    // A message field is written when set, even when empty of non-zero values.
    status: omitEmpty({ message: status.message, code: code ? STATUS_CODES[code] : undefined }),
  });
}

/** ResourceSpans of stored spans, grouped back by resource and scope as Tempo returns them. */
function traceJson(spans: StoredSpan[]): Json {
  const byResource = new Map<Json, Map<Json, Json[]>>();
  for (const s of spans) {
    const scopes = byResource.get(s.resource) ?? new Map<Json, Json[]>();
    byResource.set(s.resource, scopes);
    const list = scopes.get(s.scope) ?? [];
    scopes.set(s.scope, list);
    list.push(spanJson(s.span));
  }
  return {
    resourceSpans: [...byResource].map(([resource, scopes]) => ({
      resource: omitEmpty({ attributes: attrsJson(resource.attributes) }),
      scopeSpans: [...scopes].map(([scope, list]) => ({
        scope: omitEmpty({
          name: scope.name,
          version: scope.version,
          attributes: attrsJson(scope.attributes),
        }),
        spans: list,
      })),
    })),
  };
}

// ---------------------------------------------------------------------------------------------------

function attrValue(v: Json | undefined): Value | undefined {
  if (!v) return undefined;
  if ('stringValue' in v) return { t: 'string', v: String(v.stringValue) };
  if ('intValue' in v) return { t: 'int', v: BigInt(String(v.intValue)) };
  if ('doubleValue' in v) return { t: 'float', v: Number(v.doubleValue) };
  if ('boolValue' in v) return { t: 'bool', v: Boolean(v.boolValue) };
  return undefined; // arrays, kvlists, bytes: not comparable in this subset
}

const attrMap = (list: unknown) =>
  new Map(
    ((list as Json[] | undefined) ?? [])
      .map((kv) => [String(kv.key), attrValue(kv.value as Json)] as const)
      .filter((e): e is [string, Value] => e[1] !== undefined),
  );

const ns = (v: unknown) => BigInt(String(v ?? '0'));

interface StandinSpan extends EvalSpan {
  spanId: string;
  startNs: bigint;
  /** The attributes as stored (OTLP/JSON), for select(): arrays too, which queries cannot compare. */
  raw: { span: Json[]; resource: Json[] };
}

/** The selected attributes a span has, keyed by name alone, as Tempo returns them. */
function selected(s: StandinSpan, refs: AttrRef[]): Json[] {
  const out: Json[] = [];
  for (const ref of refs) {
    const find = (list: Json[]) => list.find((kv) => kv.key === ref.name);
    const kv =
      ref.scope === 'span'
        ? find(s.raw.span)
        : ref.scope === 'resource'
          ? find(s.raw.resource)
          : (find(s.raw.span) ?? find(s.raw.resource));
    if (kv) out.push({ key: ref.name, value: anyValueJson(kv.value as Json) });
  }
  return out;
}

interface TraceFacts extends EvalTrace {
  startNs: bigint;
  endNs: bigint;
}

function facts(t: StoredTrace): TraceFacts {
  let startNs: bigint | undefined;
  let endNs = 0n;
  let root: StoredSpan | undefined;
  const spans: StandinSpan[] = [];
  for (const s of t.spans) {
    const st = ns(s.span.startTimeUnixNano);
    const en = ns(s.span.endTimeUnixNano);
    if (startNs === undefined || st < startNs) startNs = st;
    if (en > endNs) endNs = en;
    if (!s.span.parentSpanId && !root) root = s;
    const status = (s.span.status as Json | undefined) ?? {};
    spans.push({
      spanId: String(s.span.spanId ?? ''),
      startNs: st,
      name: String(s.span.name ?? ''),
      status: enumNumber(status.code, STATUS_CODES),
      statusMessage: String(status.message ?? ''),
      kind: enumNumber(s.span.kind, SPAN_KINDS),
      durationNs: en > st ? en - st : 0n,
      attributes: attrMap(s.span.attributes),
      resource: attrMap(s.resource.attributes),
      raw: {
        span: (s.span.attributes as Json[] | undefined) ?? [],
        resource: (s.resource.attributes as Json[] | undefined) ?? [],
      },
    });
  }
  const rootService = root ? attrMap(root.resource.attributes).get('service.name') : undefined;
  return {
    startNs: startNs ?? 0n,
    endNs,
    durationNs: endNs > (startNs ?? 0n) ? endNs - (startNs ?? 0n) : 0n,
    rootName: root ? String(root.span.name ?? '') : undefined,
    rootServiceName: root ? (rootService?.t === 'string' ? rootService.v : '') : undefined,
    spans,
  };
}

export async function startTempoStandin(opts: TempoStandinOptions): Promise<TempoStandin> {
  const now = opts.now ?? Date.now;
  const multitenancy = opts.multitenancy ?? true;
  const maxAttr = opts.maxAttributeBytes ?? 2048;
  const maxSearch = (tenant: string) => {
    const m = opts.maxSearchDurationS ?? 168 * HOUR_S;
    return typeof m === 'function' ? m(tenant) : m;
  };
  const data = new Map<string, Map<string, StoredTrace>>();
  const requests: TempoStandin['requests'] = [];
  const discarded: TempoStandin['discarded'] = [];

  // modules/distributor/distributor.go processAttributes: keys and string values over
  // max_attribute_bytes are cut to that many bytes.
  const cut = (list: unknown) => {
    for (const kv of (list as Json[] | undefined) ?? []) {
      if (Buffer.byteLength(String(kv.key)) > maxAttr)
        kv.key = Buffer.from(String(kv.key)).subarray(0, maxAttr).toString();
      const v = kv.value as Json | undefined;
      if (v && typeof v.stringValue === 'string' && Buffer.byteLength(v.stringValue) > maxAttr)
        v.stringValue = Buffer.from(v.stringValue).subarray(0, maxAttr).toString();
    }
  };

  function push(tenant: string, body: Json | string | Buffer, receivedAtMs = now()): void {
    const req = (typeof body === 'string' || Buffer.isBuffer(body) ? JSON.parse(String(body)) : body) as {
      resourceSpans?: Json[];
    };
    const traces = data.get(tenant) ?? new Map<string, StoredTrace>();
    data.set(tenant, traces);
    for (const rs of req.resourceSpans ?? []) {
      const resource = structuredClone((rs.resource as Json | undefined) ?? {});
      cut(resource.attributes);
      for (const ss of (rs.scopeSpans as Json[] | undefined) ?? []) {
        const scope = (ss.scope as Json | undefined) ?? {};
        for (const raw of (ss.spans as Json[] | undefined) ?? []) {
          const span = structuredClone(raw);
          cut(span.attributes);
          const id = String(span.traceId).toLowerCase();
          const bytes = Buffer.byteLength(JSON.stringify(span));
          let t = traces.get(id);
          // modules/ingester/instance.go: a new trace past max_traces_per_user, or a trace growing past
          // max_bytes_per_trace, is refused by the ingester — and the distributor still answers success
          // to the client, counting tempo_discarded_spans_total.
          if (!t && opts.maxLiveTraces !== undefined && traces.size >= opts.maxLiveTraces) {
            discarded.push({ tenant, reason: 'live_traces_exceeded', spans: 1 });
            continue;
          }
          if (opts.maxBytesPerTrace !== undefined && (t?.bytes ?? 0) + bytes > opts.maxBytesPerTrace) {
            discarded.push({ tenant, reason: 'trace_too_large', spans: 1 });
            continue;
          }
          if (!t) {
            t = { spans: [], bytes: 0, lastWriteMs: receivedAtMs };
            traces.set(id, t);
          }
          // A span sent twice is kept once (combiner dedupes by span id when reading).
          if (t.spans.some((s) => s.span.spanId === span.spanId)) continue;
          t.spans.push({ resource, scope, span, bytes });
          t.bytes += bytes;
          t.lastWriteMs = Math.max(t.lastWriteMs, receivedAtMs);
        }
      }
    }
  }

  /** Start/end in seconds as the search or tag handlers read them, per mode; undefined: no range. */
  function range(q: URLSearchParams): { start: number; end: number } | undefined {
    const s = q.get('start');
    const e = q.get('end');
    if (opts.mode === '3.0') {
      // modules/frontend/pipeline/async_adjust_start_end.go → pkg/api/http.go ClampDateRangeReq:
      // neither → [now − query_backend_after (15 m), now − query_end_cutoff (30 s)]; one → 400; both →
      // end clamped to now − 30 s (start reset to now − 15 m if that puts it after end).
      const nowS = now() / 1000;
      const cutoff = Math.floor(nowS - 30);
      if (!s && !e) return { start: Math.floor(nowS - 900), end: cutoff };
      if (!s || !e)
        throw bad(
          'error parsing date range: only one of start and end provided: must provide both or neither',
        );
      let start: number;
      let end: number;
      try {
        start = Math.floor(parseTimestamp(s));
      } catch (err) {
        throw bad(`error parsing date range: could not parse 'start' parameter: ${(err as Error).message}`);
      }
      try {
        end = Math.floor(parseTimestamp(e));
      } catch (err) {
        throw bad(`error parsing date range: could not parse 'end' parameter: ${(err as Error).message}`);
      }
      if (end > cutoff) {
        end = cutoff;
        if (start > end) start = Math.floor(nowS - 900);
      }
      // Then ParseSearchRequest (ParseUint, 32 bits) and its start-before-end check.
      if (end <= start)
        throw bad(`http parameter start must be before end. received start=${start} end=${end}`);
      return { start, end };
    }
    // 2.8: pkg/api/http.go ParseSearchRequest — seconds as 32-bit integers; 0/absent is "not given";
    // any bound given needs end > start; neither → recent data only (ingesters, search_sharder.go).
    const start = s ? parseUint32('start', s, true) : 0;
    const end = e ? parseUint32('end', e, true) : 0;
    if (start === 0 && end === 0) return undefined;
    if (end <= start)
      throw bad(`http parameter start must be before end. received start=${start} end=${end}`);
    if (start === 0 || end === 0) return undefined;
    return { start, end };
  }

  // modules/frontend/search_sharder.go (and tag_sharder.go): end − start over the tenant's max search
  // duration is refused (uint32 arithmetic, strictly greater).
  function checkDuration(tenant: string, r: { start: number; end: number } | undefined) {
    if (!r) return;
    const max = maxSearch(tenant);
    const span = (r.end - r.start) >>> 0;
    if (max && span > max)
      throw bad(
        `range specified by start and end exceeds ${goDuration(max)}. received start=${r.start} end=${r.end}`,
      );
  }

  /** Traces search may see: 2.8 without a range, only what the ingesters still hold (≈ last 15 min). */
  function visible(tenant: string, r: { start: number; end: number } | undefined) {
    const out: [string, StoredTrace, TraceFacts][] = [];
    const cutoffMs = now() - (opts.searchDelayMs ?? 0);
    for (const [id, t] of data.get(tenant) ?? []) {
      if (t.lastWriteMs > cutoffMs) continue; // not yet searchable (flush to the search index)
      const f = facts(t);
      if (r) {
        // tempodb/encoding/vparquet4/block_traceql.go createTraceIterator: the trace overlaps the range
        // — trace start ≤ end and trace end ≥ start, the bounds in whole seconds.
        if (f.startNs > BigInt(r.end) * SECOND_NS || f.endNs < BigInt(r.start) * SECOND_NS) continue;
      } else if (t.lastWriteMs < now() - 15 * 60_000) continue;
      out.push([id, t, f]);
    }
    return out;
  }

  function search(tenant: string, q: URLSearchParams): Json {
    const r = range(q);
    // pkg/api/http.go: limit and spss positive integers; search_sharder.go: default limit 20, spss ≤ 100.
    const limitText = q.get('limit');
    let limit = 20;
    if (limitText) {
      if (!/^\d+$/.test(limitText))
        throw bad(`invalid limit: strconv.Atoi: parsing ${JSON.stringify(limitText)}: invalid syntax`);
      limit = Number(limitText);
      if (limit <= 0) throw bad('invalid limit: must be a positive number');
    }
    const spssText = q.get('spss');
    let spss = 3;
    if (spssText) {
      spss = Number(spssText);
      if (!(spss > 0)) throw bad('invalid spss: must be a positive number');
      if (spss > 100) throw bad(`spans per span set exceeds 100. received ${spss}`);
    }
    checkDuration(tenant, r);
    let query: ReturnType<typeof parse>;
    try {
      query = parse(q.get('q') ?? '{}');
    } catch (err) {
      if (err instanceof TraceQLError) throw bad(`invalid TraceQL query: ${err.message}`);
      throw err;
    }
    const mostRecent = query.hints.get('most_recent');
    // pkg/traceql/combine.go: without most_recent the first `limit` traces found are kept (here: the
    // order they were first written, as blocks are scanned oldest first); with it, the newest by start.
    let found = visible(tenant, r)
      .map(([id, , f]) => ({ id, f, matched: matchTrace(query, f) }))
      .filter((x) => x.matched.length > 0);
    if (mostRecent?.t === 'bool' && mostRecent.v)
      found.sort((a, b) => (a.f.startNs > b.f.startNs ? -1 : a.f.startNs < b.f.startNs ? 1 : 0));
    found = found.slice(0, limit);
    // Then Metadata(): sorted by start, newest first.
    found.sort((a, b) => (a.f.startNs > b.f.startNs ? -1 : a.f.startNs < b.f.startNs ? 1 : 0));
    return {
      traces: found.map(({ id, f, matched }) => {
        const spanSet = {
          spans: matched.slice(0, spss).map((s) =>
            omitEmpty({
              spanID: (s as StandinSpan).spanId,
              name: s.name,
              startTimeUnixNano: String((s as StandinSpan).startNs),
              durationNanos: String(s.durationNs),
              ...(query.select.length ? { attributes: selected(s as StandinSpan, query.select) } : {}),
            }),
          ),
          matched: matched.length,
        };
        return omitEmpty({
          // pkg/util/traceid.go TraceIDToHexString: hex without leading zeros.
          traceID: id.replace(/^0+/, ''),
          // pkg/search/util.go: a trace whose root span has not arrived.
          rootServiceName: f.rootServiceName ?? '<root span not yet received>',
          rootTraceName: f.rootName,
          startTimeUnixNano: String(f.startNs),
          durationMs: Number((f.endNs - f.startNs) / 1_000_000n),
          spanSet,
          spanSets: [spanSet],
        });
      }),
      metrics: { inspectedTraces: found.length, inspectedBytes: '0', completedJobs: 1, totalJobs: 1 },
    };
  }

  function tagValues(tenant: string, tag: string, q: URLSearchParams): Json {
    // pkg/api/search_tags.go: the tag must be a TraceQL attribute (scope.name) for the v2 API.
    const m = /^(span|resource)\.(.+)$/.exec(tag);
    if (!m) throw bad(`please provide a valid tagName: unsupported by the stand-in: ${tag}`);
    let r: { start: number; end: number } | undefined;
    if (opts.mode === '3.0') r = range(q);
    else {
      const s = q.get('start');
      const e = q.get('end');
      const start = s ? parseUint32('start', s, true) : 0;
      const end = e ? parseUint32('end', e, true) : 0;
      // 2.8 tag values: no start-before-end check, only the duration check (uint32 arithmetic).
      if (start || end) r = { start, end };
    }
    checkDuration(tenant, r);
    if (r && (r.start === 0 || r.end === 0)) r = undefined;
    const values = new Set<string>();
    for (const [, , f] of visible(tenant, r))
      for (const s of f.spans) {
        const v = (m[1] === 'span' ? s.attributes : s.resource).get(m[2] as string);
        if (v?.t === 'string') values.add(v.v);
      }
    return {
      tagValues: [...values].sort().map((value) => ({ type: 'string', value })),
      metrics: { inspectedBytes: '0' },
    };
  }

  function traceById(tenant: string, idText: string, v2: boolean): { status: number; body: Json | string } {
    // pkg/util/traceid.go HexStringToTraceID: hex, at most 32 digits (left padded).
    if (!/^[0-9a-fA-F]{1,32}$/.test(idText)) throw bad('trace IDs can only contain hex characters');
    const id = idText.toLowerCase().padStart(32, '0');
    const t = data.get(tenant)?.get(id);
    if (!v2) return t ? { status: 200, body: traceJson(t.spans) } : { status: 404, body: 'trace not found' };
    // modules/frontend/combiner/trace_by_id_v2.go: an unknown trace is 200 with an empty trace; a trace
    // over max_bytes_per_trace comes back cut, with status PARTIAL and a message.
    if (!t) return { status: 200, body: { trace: {}, metrics: {} } };
    let spans = t.spans;
    let partial = false;
    if (opts.maxBytesPerTrace !== undefined && t.bytes > opts.maxBytesPerTrace) {
      let total = 0;
      spans = t.spans.filter((s) => {
        total += s.bytes;
        return total <= (opts.maxBytesPerTrace as number);
      });
      partial = true;
    }
    return {
      status: 200,
      body: {
        trace: traceJson(spans),
        metrics: { inspectedBytes: String(t.bytes) },
        ...(partial
          ? {
              status: 'PARTIAL',
              message: `Trace exceeds maximum size of ${opts.maxBytesPerTrace} bytes, a partial trace is returned`,
            }
          : {}),
      },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const url = new URL(req.url ?? '/', 'http://x');
    const seen = {
      path: url.pathname,
      query: url.searchParams,
      orgId: req.headers['x-scope-orgid'] as string | undefined,
      status: 0,
    };
    requests.push(seen);
    const send = (status: number, body: Json | string) => {
      seen.status = status;
      const json = typeof body !== 'string';
      res
        .writeHead(status, { 'content-type': json ? 'application/json' : 'text/plain; charset=utf-8' })
        .end(json ? JSON.stringify(body) : `${body}\n`);
      return status;
    };
    if (url.pathname === '/ready') return send(200, 'ready');
    // dskit middleware.AuthenticateUser (cmd/tempo/app/app.go): multi-tenant Tempo needs the header;
    // single-tenant Tempo ignores it and files everything under "single-tenant".
    const header = req.headers['x-scope-orgid'] as string | undefined;
    const tenant = multitenancy ? header : 'single-tenant';
    if (!tenant) return send(401, 'no org id');
    try {
      if (url.pathname === '/v1/traces' && req.method === 'POST') {
        const chunks: Buffer[] = [];
        for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
        push(tenant, Buffer.concat(chunks));
        return send(200, {});
      }
      if (req.method !== 'GET') return send(405, 'method not allowed');
      const byId = /^\/api\/(v2\/)?traces\/([^/]+)$/.exec(url.pathname);
      if (byId) {
        const r = traceById(tenant, byId[2] as string, !!byId[1]);
        return send(r.status, r.body);
      }
      if (url.pathname === '/api/search') return send(200, search(tenant, url.searchParams));
      const tv = /^\/api\/v2\/search\/tag\/([^/]+)\/values$/.exec(url.pathname);
      if (tv) return send(200, tagValues(tenant, decodeURIComponent(tv[1] as string), url.searchParams));
      return send(404, '404 page not found');
    } catch (err) {
      if (err instanceof HttpError) return send(err.status, err.message);
      return send(500, String(err));
    }
  }

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    discarded,
    push,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

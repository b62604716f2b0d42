// The usage ledger: for every decided trace — kept or dropped — one `koder.usage` summary span per
// `koder.request_id` in it (one for the spans without one), never sampled. It holds the exact totals
// billing needs to reconcile one request: spans, errors, tokens by type, tokens by model (what cost
// is computed from), the models, prompt versions and services seen, and the duration. Tallied span by
// span as spans arrive (only the usage attributes of GenAI or koder.* spans are read, from their
// bytes). Tokens follow the rollup rule the query service's totals follow (usage/rollup.ts): the spans
// that carry usage or a call are noted as they arrive, and settled once the trace is decided, with the
// parent links of its other spans read then — only for the traces with two such spans or more.
import { looksGenAi } from '../normalise/normalise.ts';
import { AttributePicker, rawAttributes } from '../normalise/raw-attributes.ts';
import { FixedKey, type FixedValue } from '../otlp/fixed-attributes.ts';
import { fmix32 } from '../otlp/fmix32.ts';
import {
  type AnyValue,
  getAttribute,
  KEY_GENAI,
  KEY_KODER,
  type Resource,
  type Span,
  spanIsRoot,
  spanMayHaveKeys,
  type TraceBatch,
} from '../otlp/model.ts';
import { isError } from '../sample/policy.ts';
import { ADJUSTED_COUNT_ATTRIBUTE, RULE_ATTRIBUTE } from '../sample/sampler.ts';
import { isCarrier, rollups, USAGE_FIELDS, type Usage, type UsageNode } from '../usage/rollup.ts';
import { ledgerSpan } from './ledger-span.ts';

export const LEDGER_SPAN_NAME = 'koder.usage';
/** Set on ledger spans by the ingester and removed from every span a client sends (see stripLedgerMarks). */
export const LEDGER_MARK = 'koder.usage.ledger';
export const LEDGER_PREFIX = 'koder.usage.';

/** Attribute, ledger token type and usage field of each kind of token. */
const TOKEN_TYPES: readonly [string, string, keyof Usage][] = [
  ['gen_ai.usage.input_tokens', 'input', 'input_tokens'],
  ['gen_ai.usage.output_tokens', 'output', 'output_tokens'],
  ['gen_ai.usage.cache_read.input_tokens', 'cache_read', 'cache_read_tokens'],
  ['gen_ai.usage.cache_creation.input_tokens', 'cache_creation', 'cache_creation_tokens'],
  ['gen_ai.usage.reasoning.output_tokens', 'reasoning', 'reasoning_tokens'],
];
/** The attributes a span's usage is read from (one picker for all spans: its values hold until the next). */
const picker = new AttributePicker([
  'gen_ai.response.model',
  'gen_ai.request.model',
  'gen_ai.operation.name',
  'koder.prompt.version',
  'koder.request_id',
  ...TOKEN_TYPES.map(([k]) => k),
]);

export interface UsageTally {
  spans: number;
  errors: number;
  /** Token type → count; created with the first tokens (most traces have none). */
  tokens: Map<string, number> | undefined;
  /** model → token type → count */
  byModel: Map<string, Map<string, number>> | undefined;
  promptVersions: string[] | undefined;
  services: string[];
  start: bigint;
  end: bigint;
  /** The first span tallied: with the trace and request, it names the ledger span (stable on replay). */
  first: Uint8Array;
}

/** A span the rollup rule counts: it carries usage, or is an LLM or tool call. */
interface Carrier extends UsageNode {
  model: string;
  service: string;
  promptVersion: string;
  tally: UsageTally;
}

/** Tokens one span adds to its trace's totals once settled, under the usage metric's labels. */
export interface CountedTokens {
  service: string;
  model: string;
  promptVersion: string;
  /** [token type, count] for each type counted (count > 0). */
  tokens: [string, number][];
}

export interface TraceLedger {
  /** By koder.request_id ('' for spans without one). */
  byRequest: Map<string, UsageTally>;
  /** The trace's carriers, settled into the tallies' tokens when the ledger is emitted. */
  carriers: Carrier[];
  rootSpanId: Uint8Array | undefined;
  /** The root span's resource, else the first resource seen: the ledger spans' resource. */
  resource: Resource | undefined;
}

export const emptyLedger = (): TraceLedger => ({
  byRequest: new Map(),
  carriers: [],
  rootSpanId: undefined,
  resource: undefined,
});

const text = (v: AnyValue | undefined) => (typeof v === 'string' ? v : '');

/** service.name of a resource, looked up once per resource (the buffer shares one copy per batch). */
const services = new WeakMap<Resource, string>();
function serviceOf(resource: Resource): string {
  let s = services.get(resource);
  if (s === undefined) {
    s = text(getAttribute(resource.attributes, 'service.name'));
    services.set(resource, s);
  }
  return s;
}

/** Folds one span into its trace's ledger; `resource` is the buffer's copy the span is kept under. */
export function addSpanUsage(ledger: TraceLedger, span: Span, resource: Resource): void {
  const raw = spanMayHaveKeys(span, KEY_GENAI | KEY_KODER) ? rawAttributes(span) : undefined;
  const genAi = looksGenAi(span, raw);
  const picked = genAi || spanMayHaveKeys(span, KEY_KODER) ? picker.pick(span, raw) : undefined;
  const requestId = text(picked?.get('koder.request_id'));
  let t = ledger.byRequest.get(requestId);
  if (!t) {
    t = {
      spans: 0,
      errors: 0,
      tokens: undefined,
      byModel: undefined,
      promptVersions: undefined,
      services: [],
      start: span.startTimeUnixNano,
      end: span.endTimeUnixNano,
      first: Uint8Array.from(span.spanId),
    };
    ledger.byRequest.set(requestId, t);
  }
  t.spans++;
  if (isError(span)) t.errors++;
  if (span.startTimeUnixNano < t.start) t.start = span.startTimeUnixNano;
  if (span.endTimeUnixNano > t.end) t.end = span.endTimeUnixNano;
  const service = serviceOf(resource);
  if (service && !t.services.includes(service)) t.services.push(service);
  if (spanIsRoot(span)) {
    ledger.rootSpanId = Uint8Array.from(span.spanId);
    ledger.resource = resource;
  }
  ledger.resource ??= resource;
  if (!picked) return;
  const version = text(picked.get('koder.prompt.version'));
  if (version) {
    t.promptVersions ??= [];
    if (!t.promptVersions.includes(version)) t.promptVersions.push(version);
  }
  const model = genAi ? text(picked.get('gen_ai.response.model') ?? picked.get('gen_ai.request.model')) : '';
  const node: Carrier = {
    span_id: hex(span.spanId),
    parent_span_id: hex(span.parentSpanId),
    operation: text(picked.get('gen_ai.operation.name')) || null,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_creation_tokens: 0,
    reasoning_tokens: 0,
    model,
    service,
    promptVersion: version,
    tally: t,
  };
  for (const [attr, , field] of TOKEN_TYPES) {
    const v = picked.get(attr);
    const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0;
    if (n > 0) node[field] = n;
  }
  if (isCarrier(node)) ledger.carriers.push(node);
}

const hex = (id: Uint8Array) => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');

/** A span's id and parent id, as the rollup rule links spans. */
export type SpanLink = readonly [spanId: Uint8Array, parentSpanId: Uint8Array];

/**
 * Adds each carrier's counted usage to its request's tokens: its own, or, for an aggregate whose
 * usage its descendants carry, only what it adds beyond them. With fewer than two carriers nothing
 * can roll up, and the other spans' links are not read.
 */
function settle(ledger: TraceLedger, links: (() => Iterable<SpanLink>) | undefined): CountedTokens[] {
  const out: CountedTokens[] = [];
  const carriers = ledger.carriers;
  let counted = (c: Carrier): Usage | undefined => c;
  if (carriers.length > 1) {
    const nodes: UsageNode[] = [...carriers];
    const known = new Set(carriers.map((c) => c.span_id));
    for (const [id, parent] of links?.() ?? []) {
      const spanId = hex(id);
      if (known.has(spanId)) continue;
      known.add(spanId);
      nodes.push({ span_id: spanId, parent_span_id: hex(parent), operation: null, ...NO_USAGE });
    }
    const r = rollups(nodes);
    counted = (c) => (r.usage.has(c.span_id) ? r.excess.get(c.span_id) : c);
  }
  for (const c of carriers) {
    const u = counted(c);
    // Tokens are billed by model: usage without one takes part in the rule but is not counted.
    if (!c.model || !u || USAGE_FIELDS.every((f) => u[f] <= 0)) continue;
    const t = c.tally;
    t.tokens ??= new Map();
    t.byModel ??= new Map();
    const byType = t.byModel.get(c.model) ?? new Map<string, number>();
    t.byModel.set(c.model, byType);
    const tokens: [string, number][] = [];
    for (const [, type, field] of TOKEN_TYPES) {
      const n = u[field];
      if (n <= 0) continue;
      t.tokens.set(type, (t.tokens.get(type) ?? 0) + n);
      byType.set(type, (byType.get(type) ?? 0) + n);
      tokens.push([type, n]);
    }
    out.push({ service: c.service, model: c.model, promptVersion: c.promptVersion, tokens });
  }
  ledger.carriers = [];
  return out;
}

const NO_USAGE: Usage = {
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
  reasoning_tokens: 0,
};

/**
 * A span id derived from the trace, the request and the first span tallied: a ledger span written
 * twice (a replay after a crash) is the same span, and a second ledger span of one trace and request
 * (for spans that arrived after the decision) is another. Unique within its trace is all it needs to
 * be, so a fast non-cryptographic 64-bit mix does.
 */
function ledgerSpanId(traceId: Uint8Array, requestId: string, first: Uint8Array): Uint8Array {
  let a = 0x6b6f6465; // "kode"
  let b = 0x722e7573; // "r.us"
  const mix = (v: number) => {
    a = fmix32((a ^ v) + 0x9e3779b9);
    b = fmix32((b + v) ^ a);
  };
  for (const x of traceId) mix(x);
  for (let i = 0; i < requestId.length; i++) mix(requestId.charCodeAt(i) + 0x100);
  for (const x of first) mix(x + 0x20000);
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, a);
  view.setUint32(4, b);
  return out;
}

const int = (n: number): bigint => BigInt(Math.round(n));
const NONE: readonly string[] = [];

/** The ledger span's keys, each encoded once (otlp/fixed-attributes.ts). */
const K = {
  ledger: new FixedKey(LEDGER_MARK),
  requestId: new FixedKey('koder.request_id'),
  spans: new FixedKey('koder.usage.spans'),
  errors: new FixedKey('koder.usage.errors'),
  error: new FixedKey('koder.usage.error'),
  tokens: TOKEN_TYPES.map(([, type]) => [type, new FixedKey(`koder.usage.tokens.${type}`)] as const),
  models: new FixedKey('koder.usage.models'),
  tokensByModel: new FixedKey('koder.usage.tokens_by_model'),
  promptVersions: new FixedKey('koder.usage.prompt_versions'),
  services: new FixedKey('koder.usage.services'),
  durationMs: new FixedKey('koder.usage.duration_ms'),
  decision: new FixedKey('koder.sampling.decision'),
  traceRule: new FixedKey('koder.sampling.trace_rule'),
  adjustedCount: new FixedKey(ADJUSTED_COUNT_ATTRIBUTE),
  rule: new FixedKey(RULE_ATTRIBUTE),
};

const tokensByModel = (byModel: Map<string, Map<string, number>>) =>
  JSON.stringify(Object.fromEntries([...byModel].map(([m, byType]) => [m, Object.fromEntries(byType)])));

/**
 * The ledger spans of a decided trace, as a batch under the trace's root resource, and the tokens
 * settling counted span by span (for the usage metric). `links` gives the parent link of every span
 * of the trace the ledger tallied; without it only the carriers' own links join them.
 */
export function ledgerBatch(
  traceId: Uint8Array,
  ledger: TraceLedger,
  decision: { keep: boolean; rule: string },
  links?: () => Iterable<SpanLink>,
): { batch: TraceBatch; counted: CountedTokens[] } | undefined {
  if (!ledger.resource || ledger.byRequest.size === 0) return undefined;
  const counted = settle(ledger, links);
  const spans: Span[] = [];
  for (const [requestId, t] of ledger.byRequest) {
    const attributes: [FixedKey, FixedValue][] = [[K.ledger, true]];
    if (requestId) attributes.push([K.requestId, requestId]);
    attributes.push([K.spans, int(t.spans)], [K.errors, int(t.errors)], [K.error, t.errors > 0]);
    for (const [type, key] of K.tokens) attributes.push([key, int(t.tokens?.get(type) ?? 0)]);
    attributes.push(
      [K.models, t.byModel ? [...t.byModel.keys()].sort() : NONE],
      [K.tokensByModel, t.byModel ? tokensByModel(t.byModel) : '{}'],
      [K.promptVersions, t.promptVersions ? [...t.promptVersions].sort() : NONE],
      [K.services, t.services.length > 1 ? [...t.services].sort() : t.services],
      [K.durationMs, Number(t.end - t.start) / 1e6],
      [K.decision, decision.keep ? 'kept' : 'dropped'],
      [K.traceRule, decision.rule],
      [K.adjustedCount, 1],
      [K.rule, 'usage-ledger'],
    );
    spans.push(
      ledgerSpan({
        traceId,
        spanId: ledgerSpanId(traceId, requestId, t.first),
        parentSpanId: ledger.rootSpanId ?? new Uint8Array(0),
        name: LEDGER_SPAN_NAME,
        start: t.start,
        end: t.end,
        attributes,
      }),
    );
  }
  const batch: TraceBatch = {
    resourceSpans: [
      {
        resource: ledger.resource,
        schemaUrl: '',
        scopeSpans: [{ scope: { raw: null, name: 'koder-trace/ledger', version: '' }, spans, schemaUrl: '' }],
      },
    ],
  };
  return { batch, counted };
}

/**
 * Removes `koder.usage.*` attributes from spans a client sent: only the ingester writes ledger spans,
 * so a client cannot forge usage. Only spans that may hold a koder.* key are opened.
 */
export function stripLedgerMarks(batch: TraceBatch): number {
  let removed = 0;
  for (const rs of batch.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans) {
        if (!spanMayHaveKeys(span, KEY_KODER)) continue;
        // The keys from the span's bytes when unchanged: no value is decoded to look.
        const raw = rawAttributes(span);
        if (raw && !raw.list.some((a) => a.key.startsWith(LEDGER_PREFIX))) continue;
        const attrs = span.attributes;
        if (!attrs.some((a) => a.key.startsWith(LEDGER_PREFIX))) continue;
        span.attributes = attrs.filter((a) => !a.key.startsWith(LEDGER_PREFIX));
        span.raw = null;
        removed++;
      }
  return removed;
}

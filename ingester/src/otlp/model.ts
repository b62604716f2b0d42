// The ingester's view of an OTLP trace export. Spans keep the bytes they arrived in (`raw`) so that a
// span no stage changes is written out exactly as received; a stage that changes a span clears `raw`
// and the encoder rebuilds it from the fields. Events and links are kept as encoded protobuf messages
// (JSON input is converted once at decode time), since no stage needs them on the hot path.

/** An OTLP AnyValue: string, bool, int (bigint), double (number), bytes, array or key/value list. */
export type AnyValue = string | boolean | bigint | number | Uint8Array | AnyValue[] | KvList | null;
export interface KvList {
  kvlist: Attribute[];
}

export interface Attribute {
  key: string;
  value: AnyValue;
}

export interface Resource {
  attributes: Attribute[];
  droppedAttributesCount: number;
  /** Fields we do not model (e.g. entity_refs), re-emitted verbatim. */
  unknown: Uint8Array[];
}

export interface Scope {
  /** Encoded InstrumentationScope, passed through untouched. */
  raw: Uint8Array | null;
  name: string;
  version: string;
}

export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface Span {
  /** The span's encoding as received; null once a stage changed it (or for JSON input). */
  raw: Uint8Array | null;
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  traceState: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attribute[];
  droppedAttributesCount: number;
  /** Encoded Event messages. */
  events: Uint8Array[];
  droppedEventsCount: number;
  /** Encoded Link messages. */
  links: Uint8Array[];
  droppedLinksCount: number;
  status: { code: number; message: string };
  unknown: Uint8Array[];
  /**
   * Spans backed by the bytes they arrived in say whether `raw` is still those bytes, and their length,
   * without reading `raw` (which may make a view of them).
   */
  readonly unchanged?: boolean;
  readonly unchangedLength?: number;
  /** Spans still backed by their received bytes know which KEY_* classes of attribute keys they hold. */
  readonly keyClasses?: number;
  /** The status code without decoding the status message. */
  readonly statusCodeFast?: number;
  /** Whether the span has no parent, without materialising the parent id. */
  readonly isRoot?: boolean;
  /**
   * Where each attribute lies in `buf` while the span is unchanged (GenAI and koder.* spans only): per
   * attribute key start, key end, value start, value end (-1 when absent) and the value's kind.
   */
  attributeBounds?(): { buf: Buffer; bounds: readonly number[] } | undefined;
}

export interface ScopeSpans {
  scope: Scope;
  spans: Span[];
  schemaUrl: string;
}

export interface ResourceSpans {
  resource: Resource;
  scopeSpans: ScopeSpans[];
  schemaUrl: string;
}

export interface TraceBatch {
  resourceSpans: ResourceSpans[];
}

export function spanCount(batch: TraceBatch): number {
  let n = 0;
  for (const rs of batch.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
}

export function getAttribute(attrs: readonly Attribute[], key: string): AnyValue | undefined {
  for (const a of attrs) if (a.key === key) return a.value;
  return undefined;
}

/** Sets (replacing in place, or appending) an attribute. Returns true when something changed. */
export function setAttribute(attrs: Attribute[], key: string, value: AnyValue): boolean {
  for (const a of attrs) {
    if (a.key === key) {
      if (a.value === value) return false;
      a.value = value;
      return true;
    }
  }
  attrs.push({ key, value });
  return true;
}

/** Key prefixes that make an attribute GenAI: the wire scan's KEY_GENAI class and normalisation's test. */
export const GENAI_KEY_PREFIXES: readonly string[] = [
  'gen_ai.',
  'llm.',
  'openinference.',
  'traceloop.',
  'ai.', // the Vercel AI SDK's own shape (normalise/vercel-ai.ts)
];

/** Classes of attribute keys a wire-backed span records while scanning, so stages can skip spans. */
export const KEY_GENAI = 1; // a key starting with one of GENAI_KEY_PREFIXES
export const KEY_ERROR_TYPE = 2; // error.type
export const KEY_KODER = 4; // koder.*

/**
 * False only when the span certainly has no attribute key of the given classes (known from the scan
 * of an unchanged span); true means "look at the decoded attributes".
 */
export function spanMayHaveKeys(span: Span, classes: number): boolean {
  return (span.unchanged ?? span.raw !== null) && span.keyClasses !== undefined
    ? (span.keyClasses & classes) !== 0
    : true;
}

export function spanIsRoot(span: Span): boolean {
  return span.isRoot ?? span.parentSpanId.length === 0;
}

export function spanStatusCode(span: Span): number {
  return span.statusCodeFast ?? span.status.code;
}

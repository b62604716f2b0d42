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

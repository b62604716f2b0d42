// Spans for unit tests: a decoded span with plain defaults, and a span's fields as a plain object.
import type { Span } from '../otlp/model.ts';

/** A decoded span (no bytes kept) with plain defaults; `over` sets any field. */
export function testSpan(over: Partial<Span> = {}): Span {
  return {
    raw: null,
    traceId: new Uint8Array(16).fill(1),
    spanId: new Uint8Array(8).fill(2),
    parentSpanId: new Uint8Array(0),
    traceState: '',
    flags: 0,
    name: 'op',
    kind: 1,
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    unknown: [],
    ...over,
  };
}

/** A span's fields as a plain object (getters read, bytes kept), for comparing decoded spans. */
export function spanFields(s: Span): Omit<Span, 'raw' | 'keyClasses' | 'statusCodeFast' | 'isRoot'> {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    traceState: s.traceState,
    flags: s.flags,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano,
    endTimeUnixNano: s.endTimeUnixNano,
    attributes: s.attributes,
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events,
    droppedEventsCount: s.droppedEventsCount,
    links: s.links,
    droppedLinksCount: s.droppedLinksCount,
    status: s.status,
    unknown: s.unknown,
  };
}

// ExportTraceServiceRequest (protobuf) → TraceBatch. One pass over the request: spans are decoded
// field by field but keep a view of their original bytes, so unchanged spans are re-sent verbatim.
// Field numbers: opentelemetry/proto/{collector/trace,trace,resource,common}/v1 (OTLP 1.x).
import { readKeyValues } from './any-value-proto.ts';
import { OtlpDecodeError } from './decode-error.ts';
import type { ResourceSpans, Scope, ScopeSpans, Span, TraceBatch } from './model.ts';
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireError, WireReader } from './wire.ts';

const EMPTY = new Uint8Array(0);

export function decodeTraceRequest(buf: Buffer): TraceBatch {
  const r = new WireReader(buf);
  const resourceSpans: ResourceSpans[] = [];
  try {
    while (!r.done) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | WIRE_LEN)) {
        const [s, e] = r.span();
        resourceSpans.push(readResourceSpans(buf, s, e, resourceSpans.length));
      } else r.skip(tag & 7);
    }
  } catch (err) {
    if (err instanceof WireError) throw new OtlpDecodeError(`malformed protobuf: ${err.message}`);
    throw err;
  }
  return { resourceSpans };
}

function readResourceSpans(buf: Buffer, start: number, end: number, index: number): ResourceSpans {
  const r = new WireReader(buf, start, end);
  const out: ResourceSpans = {
    resource: { attributes: [], droppedAttributesCount: 0, unknown: [] },
    scopeSpans: [],
    schemaUrl: '',
  };
  while (!r.done) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | WIRE_LEN: {
        const [s, e] = r.span();
        readResource(buf, s, e, out);
        break;
      }
      case (2 << 3) | WIRE_LEN: {
        const [s, e] = r.span();
        out.scopeSpans.push(
          readScopeSpans(buf, s, e, `resource_spans[${index}].scope_spans[${out.scopeSpans.length}]`),
        );
        break;
      }
      case (3 << 3) | WIRE_LEN:
        out.schemaUrl = r.string();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return out;
}

function readResource(buf: Buffer, start: number, end: number, into: ResourceSpans): void {
  const r = new WireReader(buf, start, end);
  const res = into.resource;
  while (!r.done) {
    const fieldStart = r.pos;
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN))
      r.skip(WIRE_LEN); // attributes: read in one go below
    else if (tag === ((2 << 3) | WIRE_VARINT)) res.droppedAttributesCount = r.uint32();
    else {
      r.skip(tag & 7);
      res.unknown.push(buf.subarray(fieldStart, r.pos));
    }
  }
  res.attributes = readKeyValues(buf, start, end, 1);
}

function readScope(buf: Buffer, start: number, end: number): Scope {
  const r = new WireReader(buf, start, end);
  const scope: Scope = { raw: buf.subarray(start, end), name: '', version: '' };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) scope.name = r.string();
    else if (tag === ((2 << 3) | WIRE_LEN)) scope.version = r.string();
    else r.skip(tag & 7);
  }
  return scope;
}

function readScopeSpans(buf: Buffer, start: number, end: number, where: string): ScopeSpans {
  const r = new WireReader(buf, start, end);
  const out: ScopeSpans = { scope: { raw: null, name: '', version: '' }, spans: [], schemaUrl: '' };
  while (!r.done) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | WIRE_LEN: {
        const [s, e] = r.span();
        out.scope = readScope(buf, s, e);
        break;
      }
      case (2 << 3) | WIRE_LEN: {
        const [s, e] = r.span();
        out.spans.push(readSpan(buf, s, e, `${where}.spans[${out.spans.length}]`));
        break;
      }
      case (3 << 3) | WIRE_LEN:
        out.schemaUrl = r.string();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return out;
}

export function readSpan(buf: Buffer, start: number, end: number, where: string): Span {
  const r = new WireReader(buf, start, end);
  const span: Span = {
    raw: buf.subarray(start, end),
    traceId: EMPTY,
    spanId: EMPTY,
    parentSpanId: EMPTY,
    traceState: '',
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    unknown: [],
  };
  let hasAttributes = false;
  while (!r.done) {
    const fieldStart = r.pos;
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | WIRE_LEN:
        span.traceId = r.bytes();
        break;
      case (2 << 3) | WIRE_LEN:
        span.spanId = r.bytes();
        break;
      case (3 << 3) | WIRE_LEN:
        span.traceState = r.string();
        break;
      case (4 << 3) | WIRE_LEN:
        span.parentSpanId = r.bytes();
        break;
      case (5 << 3) | WIRE_LEN:
        span.name = r.string();
        break;
      case (6 << 3) | WIRE_VARINT:
        span.kind = r.uint32();
        break;
      case (7 << 3) | WIRE_I64:
        span.startTimeUnixNano = r.fixed64();
        break;
      case (8 << 3) | WIRE_I64:
        span.endTimeUnixNano = r.fixed64();
        break;
      case (9 << 3) | WIRE_LEN:
        hasAttributes = true;
        r.skip(WIRE_LEN);
        break;
      case (10 << 3) | WIRE_VARINT:
        span.droppedAttributesCount = r.uint32();
        break;
      case (11 << 3) | WIRE_LEN:
        span.events.push(r.bytes());
        break;
      case (12 << 3) | WIRE_VARINT:
        span.droppedEventsCount = r.uint32();
        break;
      case (13 << 3) | WIRE_LEN:
        span.links.push(r.bytes());
        break;
      case (14 << 3) | WIRE_VARINT:
        span.droppedLinksCount = r.uint32();
        break;
      case (15 << 3) | WIRE_LEN: {
        const [s, e] = r.span();
        span.status = readStatus(buf, s, e);
        break;
      }
      case (16 << 3) | WIRE_I32:
        span.flags = r.fixed32();
        break;
      default:
        r.skip(tag & 7);
        span.unknown.push(buf.subarray(fieldStart, r.pos));
    }
  }
  if (hasAttributes) span.attributes = readKeyValues(buf, start, end, 9);
  if (span.traceId.length !== 16) {
    throw new OtlpDecodeError(`${where}: trace_id must be 16 bytes, got ${span.traceId.length}`);
  }
  if (span.spanId.length !== 8) {
    throw new OtlpDecodeError(`${where}: span_id must be 8 bytes, got ${span.spanId.length}`);
  }
  if (span.parentSpanId.length !== 0 && span.parentSpanId.length !== 8) {
    throw new OtlpDecodeError(
      `${where}: parent_span_id must be empty or 8 bytes, got ${span.parentSpanId.length}`,
    );
  }
  return span;
}

function readStatus(buf: Buffer, start: number, end: number): { code: number; message: string } {
  const r = new WireReader(buf, start, end);
  const status = { code: 0, message: '' };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === ((2 << 3) | WIRE_LEN)) status.message = r.string();
    else if (tag === ((3 << 3) | WIRE_VARINT)) status.code = r.uint32();
    else r.skip(tag & 7);
  }
  return status;
}

// ExportTraceServiceRequest (protobuf) → TraceBatch. One pass over the request: spans are decoded
// field by field but keep a view of their original bytes, so unchanged spans are re-sent verbatim.
// Field numbers: opentelemetry/proto/{collector/trace,trace,resource,common}/v1 (OTLP 1.x).
import { readKeyValues } from './any-value-proto.ts';
import { OtlpDecodeError } from './decode-error.ts';
import type { ResourceSpans, Scope, ScopeSpans, Span, TraceBatch } from './model.ts';
import { WIRE_LEN, WIRE_VARINT, WireError, WireReader } from './wire.ts';
import { WireSpan } from './wire-span.ts';

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
  const span = new WireSpan(new WireReader(buf, start, end), start, end);
  const [traceId, spanId, parent] = span.idLengths();
  if (traceId !== 16)
    throw new OtlpDecodeError(`${where}: trace_id must be 16 bytes, got ${Math.max(0, traceId)}`);
  if (spanId !== 8)
    throw new OtlpDecodeError(`${where}: span_id must be 8 bytes, got ${Math.max(0, spanId)}`);
  if (parent !== 0 && parent !== 8) {
    throw new OtlpDecodeError(`${where}: parent_span_id must be empty or 8 bytes, got ${parent}`);
  }
  return span;
}

// ExportTraceServiceRequest (protobuf) → TraceBatch. One pass over the request: spans are decoded
// field by field but keep a view of their original bytes, so unchanged spans are re-sent verbatim.
// Field numbers: opentelemetry/proto/{collector/trace,trace,resource,common}/v1 (OTLP 1.x).
import { readKeyValues } from './any-value-proto.ts';
import { OtlpDecodeError } from './decode-error.ts';
import { checkIds, checkKoderAttributes } from './limits.ts';
import {
  KEY_KODER,
  type ResourceSpans,
  type Scope,
  type ScopeSpans,
  type Span,
  type TraceBatch,
} from './model.ts';
import { INVALID } from './validate-fast.ts';
import { checkWire, explainWire, RESOURCE, SCOPE, SPAN } from './validate-wire.ts';
import { WIRE_LEN, WIRE_VARINT, WireError, WireReader } from './wire.ts';
import { WireSpan } from './wire-span.ts';

/**
 * Skips a field this level does not read. Fields 1..known are the message's own (all LEN here): one
 * with another wire type is malformed, as Go's protobuf decoders (Tempo, the Collector) would say.
 */
function skipOther(r: WireReader, tag: number, known: number, where: string): void {
  const num = tag >>> 3;
  if (num >= 1 && num <= known)
    throw new OtlpDecodeError(`${where}: field ${num} has wire type ${tag & 7}, expected ${WIRE_LEN}`);
  r.skip(tag & 7);
}

export function decodeTraceRequest(buf: Buffer): TraceBatch {
  const r = new WireReader(buf);
  const resourceSpans: ResourceSpans[] = [];
  try {
    while (!r.done) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | WIRE_LEN)) {
        const [s, e] = r.span();
        resourceSpans.push(readResourceSpans(buf, s, e, resourceSpans.length));
      } else skipOther(r, tag, 1, 'request');
    }
  } catch (err) {
    if (err instanceof WireError) throw new OtlpDecodeError(`malformed protobuf: ${err.message}`);
    throw err;
  }
  return { resourceSpans };
}

function readResourceSpans(buf: Buffer, start: number, end: number, index: number): ResourceSpans {
  const where = `resource_spans[${index}]`;
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
        readResource(buf, s, e, out, `${where}.resource`);
        break;
      }
      case (2 << 3) | WIRE_LEN: {
        const [s, e] = r.span();
        out.scopeSpans.push(readScopeSpans(buf, s, e, `${where}.scope_spans[${out.scopeSpans.length}]`));
        break;
      }
      case (3 << 3) | WIRE_LEN:
        out.schemaUrl = r.string();
        break;
      default:
        skipOther(r, tag, 3, where);
    }
  }
  return out;
}

function readResource(buf: Buffer, start: number, end: number, into: ResourceSpans, where: string): void {
  checkWire(buf, start, end, RESOURCE, where);
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

function readScope(buf: Buffer, start: number, end: number, where: string): Scope {
  checkWire(buf, start, end, SCOPE, where);
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
        out.scope = readScope(buf, s, e, `${where}.scope`);
        break;
      }
      case (2 << 3) | WIRE_LEN: {
        const s = r.payload(); // no tuple per span
        out.spans.push(readSpan(buf, s, r.pos, where, out.spans.length));
        break;
      }
      case (3 << 3) | WIRE_LEN:
        out.schemaUrl = r.string();
        break;
      default:
        skipOther(r, tag, 3, where);
    }
  }
  return out;
}

/**
 * The span at [start, end), scanned and validated in one pass; the `index`th span of the scope at
 * `scopeWhere`, which names it only when something is wrong (no string is built per span otherwise).
 */
export function readSpan(buf: Buffer, start: number, end: number, scopeWhere: string, index: number): Span {
  let span: WireSpan;
  try {
    span = new WireSpan(buf, start, end);
  } catch (err) {
    if (err !== INVALID && !(err instanceof WireError)) throw err;
    explainWire(buf, start, end, SPAN, `${scopeWhere}.spans[${index}]`, err);
  }
  if (!span.idsValid())
    checkIds(span.traceId, span.spanId, span.idLengths()[2], `${scopeWhere}.spans[${index}]`);
  if (span.keyClasses & KEY_KODER) checkKoderAttributes(span, `${scopeWhere}.spans[${index}]`);
  return span;
}

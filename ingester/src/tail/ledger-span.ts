// A ledger span written straight to its protobuf bytes. Every decided trace gets one, dropped traces
// included, so it is on the hot path of trace mode: its keys are fixed and encoded once
// (otlp/fixed-attributes.ts), and the span handed on is read back from those bytes (attributes decoded
// only if something looks at them), so it leaves as the bytes written here.
import { attributeSize, type FixedKey, type FixedValue, writeAttribute } from '../otlp/fixed-attributes.ts';
import { type Span, SpanKind } from '../otlp/model.ts';
import { size, WireWriter } from '../otlp/wire.ts';
import { WireSpan } from '../otlp/wire-span.ts';

export interface LedgerSpanFields {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  name: string;
  start: bigint;
  end: bigint;
  attributes: readonly (readonly [FixedKey, FixedValue])[];
}

/** The span (INTERNAL, sampled flag set, status unset) as its bytes, read back lazily. */
export function ledgerSpan(f: LedgerSpanFields): Span {
  let n =
    size.len(1, f.traceId.length) +
    size.len(2, f.spanId.length) +
    (f.parentSpanId.length ? size.len(4, f.parentSpanId.length) : 0) +
    size.string(5, f.name) +
    size.varint(6, SpanKind.INTERNAL) +
    2 * size.fixed64(7) +
    size.fixed32(16);
  for (const [k, v] of f.attributes) n += attributeSize(k, v);
  const w = new WireWriter(n);
  w.lenField(1, f.traceId);
  w.lenField(2, f.spanId);
  if (f.parentSpanId.length) w.lenField(4, f.parentSpanId);
  w.stringField(5, f.name);
  w.varintField(6, SpanKind.INTERNAL);
  w.fixed64Field(7, f.start);
  w.fixed64Field(8, f.end);
  for (const [k, v] of f.attributes) writeAttribute(w, k, v);
  w.fixed32Field(16, 1);
  const bytes = w.finish();
  return new WireSpan(bytes, 0, bytes.length);
}

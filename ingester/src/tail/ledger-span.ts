// A ledger span written straight to its protobuf bytes. Every decided trace gets one, dropped traces
// included, so it is on the hot path of trace mode: its keys are fixed and encoded once here, its values
// are written without building attribute objects, and the span handed on is read back from those bytes
// (attributes decoded only if something looks at them), so it leaves as the bytes written here.
import { type Span, SpanKind } from '../otlp/model.ts';
import { size, varintSize, WIRE_LEN, WireReader, WireWriter } from '../otlp/wire.ts';
import { WireSpan } from '../otlp/wire-span.ts';

/** An attribute key, its KeyValue.key field encoded once. */
export class FixedKey {
  readonly key: string;
  readonly field: Buffer;
  constructor(key: string) {
    this.key = key;
    const w = new WireWriter(size.string(1, key));
    w.stringField(1, key);
    this.field = w.finish();
  }
}

/** An attribute value: string, int (bigint), double (number), bool, or a list of strings. */
export type LedgerValue = string | bigint | number | boolean | readonly string[];

const stringValueSize = (s: string) => size.string(1, s);

/** The AnyValue message's size. */
function valueSize(v: LedgerValue): number {
  switch (typeof v) {
    case 'string':
      return stringValueSize(v);
    case 'bigint':
      return size.int64(3, v);
    case 'number':
      return size.fixed64(4);
    case 'boolean':
      return size.varint(2, v ? 1 : 0);
    default: {
      let n = 0;
      for (const s of v) n += size.len(1, stringValueSize(s));
      return size.len(5, n);
    }
  }
}

function writeValue(w: WireWriter, v: LedgerValue): void {
  switch (typeof v) {
    case 'string':
      w.stringField(1, v);
      return;
    case 'bigint':
      w.tag(3, 0);
      w.int64(v);
      return;
    case 'number':
      w.tag(4, 1);
      w.double(v);
      return;
    case 'boolean':
      w.varintField(2, v ? 1 : 0);
      return;
    default: {
      let n = 0;
      for (const s of v) n += size.len(1, stringValueSize(s));
      w.beginLen(5, n);
      for (const s of v) {
        w.beginLen(1, stringValueSize(s));
        w.stringField(1, s);
      }
    }
  }
}

export interface LedgerSpanFields {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  name: string;
  start: bigint;
  end: bigint;
  attributes: readonly (readonly [FixedKey, LedgerValue])[];
}

/** The span (INTERNAL, sampled flag set, status unset) as its bytes, read back lazily. */
export function ledgerSpan(f: LedgerSpanFields): Span {
  const valueSizes = f.attributes.map(([, v]) => valueSize(v));
  const kvSizes = f.attributes.map(([k], i) => k.field.length + size.len(2, valueSizes[i] as number));
  let n =
    size.len(1, f.traceId.length) +
    size.len(2, f.spanId.length) +
    (f.parentSpanId.length ? size.len(4, f.parentSpanId.length) : 0) +
    size.string(5, f.name) +
    size.varint(6, SpanKind.INTERNAL) +
    2 * size.fixed64(7) +
    size.fixed32(16);
  for (const kv of kvSizes) n += 1 + varintSize(kv) + kv; // field 9: a one-byte tag
  const w = new WireWriter(n);
  w.lenField(1, f.traceId);
  w.lenField(2, f.spanId);
  if (f.parentSpanId.length) w.lenField(4, f.parentSpanId);
  w.stringField(5, f.name);
  w.varintField(6, SpanKind.INTERNAL);
  w.fixed64Field(7, f.start);
  w.fixed64Field(8, f.end);
  f.attributes.forEach(([k, v], i) => {
    w.tag(9, WIRE_LEN);
    w.varint(kvSizes[i] as number);
    w.raw(k.field);
    w.beginLen(2, valueSizes[i] as number);
    writeValue(w, v);
  });
  w.fixed32Field(16, 1);
  const bytes = w.finish();
  return new WireSpan(new WireReader(bytes, 0, bytes.length), 0, bytes.length);
}

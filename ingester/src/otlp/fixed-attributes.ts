// Span attributes with fixed keys, written straight to protobuf: each key's KeyValue.key field is
// encoded once, values are written without building attribute objects. For the spans the ingester
// writes or stamps on the hot path of trace mode (tail/ledger-span.ts, tail/kept-batch.ts).
import { size, varintSize, WIRE_LEN, WireWriter } from './wire.ts';

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
export type FixedValue = string | bigint | number | boolean | readonly string[];

const stringValueSize = (s: string) => size.string(1, s);

/** An ArrayValue's body: its `values` (field 1), each a string AnyValue. */
function listBodySize(v: readonly string[]): number {
  let n = 0;
  for (const s of v) n += size.len(1, stringValueSize(s));
  return n;
}

/** The AnyValue message's size. */
function valueSize(v: FixedValue): number {
  switch (typeof v) {
    case 'string':
      return stringValueSize(v);
    case 'bigint':
      return size.int64(3, v);
    case 'number':
      return size.fixed64(4);
    case 'boolean':
      return size.varint(2, v ? 1 : 0);
    default:
      return size.len(5, listBodySize(v));
  }
}

function writeValue(w: WireWriter, v: FixedValue): void {
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
      w.beginLen(5, listBodySize(v));
      for (const s of v) {
        w.beginLen(1, stringValueSize(s));
        w.stringField(1, s);
      }
    }
  }
}

/** A span's attribute (field 9, a one-byte tag) with a fixed key: its size, then writing it. */
export function attributeSize(key: FixedKey, value: FixedValue): number {
  const kv = key.field.length + size.len(2, valueSize(value));
  return 1 + varintSize(kv) + kv;
}

export function writeAttribute(w: WireWriter, key: FixedKey, value: FixedValue): void {
  const vs = valueSize(value);
  w.tag(9, WIRE_LEN);
  w.varint(key.field.length + size.len(2, vs));
  w.raw(key.field);
  w.beginLen(2, vs);
  writeValue(w, value);
}

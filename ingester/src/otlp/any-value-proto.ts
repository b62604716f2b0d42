// AnyValue / KeyValue on the wire (opentelemetry/proto/common/v1/common.proto).
import type { AnyValue, Attribute } from './model.ts';
import { size, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireReader, type WireWriter } from './wire.ts';

export function readKeyValue(r: WireReader): Attribute {
  let key = '';
  let value: AnyValue = null;
  while (!r.done) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === WIRE_LEN) key = r.string();
    else if (field === 2 && (tag & 7) === WIRE_LEN) {
      const [s, e] = r.span();
      value = readAnyValue(new WireReader(r.buf, s, e));
    } else r.skip(tag & 7);
  }
  return { key, value };
}

export function readAnyValue(r: WireReader): AnyValue {
  let value: AnyValue = null;
  while (!r.done) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | WIRE_LEN:
        value = r.string();
        break;
      case (2 << 3) | WIRE_VARINT:
        value = r.uint32() !== 0;
        break;
      case (3 << 3) | WIRE_VARINT:
        value = r.int64();
        break;
      case (4 << 3) | WIRE_I64:
        value = r.double();
        break;
      case (5 << 3) | WIRE_LEN: {
        const [s, e] = r.span();
        const inner = new WireReader(r.buf, s, e);
        const values: AnyValue[] = [];
        while (!inner.done) {
          const t = inner.uint32();
          if (t === ((1 << 3) | WIRE_LEN)) {
            const [vs, ve] = inner.span();
            values.push(readAnyValue(new WireReader(r.buf, vs, ve)));
          } else inner.skip(t & 7);
        }
        value = values;
        break;
      }
      case (6 << 3) | WIRE_LEN: {
        const [s, e] = r.span();
        value = { kvlist: readKeyValues(r.buf, s, e, 1) };
        break;
      }
      case (7 << 3) | WIRE_LEN:
        value = r.bytes();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return value;
}

/** Reads the repeated KeyValue field `field` of the message in [start, end), ignoring other fields. */
export function readKeyValues(buf: Buffer, start: number, end: number, field: number): Attribute[] {
  const r = new WireReader(buf, start, end);
  const out: Attribute[] = [];
  while (!r.done) {
    const tag = r.uint32();
    if (tag === ((field << 3) | WIRE_LEN)) {
      const [s, e] = r.span();
      out.push(readKeyValue(new WireReader(buf, s, e)));
    } else r.skip(tag & 7);
  }
  return out;
}

function isKvList(v: AnyValue): v is { kvlist: Attribute[] } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function anyValueSize(v: AnyValue): number {
  switch (typeof v) {
    case 'string':
      return size.string(1, v);
    case 'boolean':
      return size.varint(2, v ? 1 : 0);
    case 'bigint':
      return size.int64(3, v);
    case 'number':
      return size.fixed64(4);
    default:
      if (v === null) return 0;
      if (v instanceof Uint8Array) return size.len(7, v.length);
      if (Array.isArray(v)) {
        let n = 0;
        for (const item of v) n += size.len(1, anyValueSize(item));
        return size.len(5, n);
      }
      return size.len(6, keyValuesSize(v.kvlist, 1));
  }
}

/** A KeyValue's size from its key and its value's already computed size. */
function keyValueSizeOf(key: string, valueSize: number): number {
  return size.string(1, key) + size.len(2, valueSize);
}

export function keyValueSize(a: Attribute): number {
  return keyValueSizeOf(a.key, anyValueSize(a.value));
}

export function keyValuesSize(attrs: readonly Attribute[], field: number): number {
  let n = 0;
  for (const a of attrs) n += size.len(field, keyValueSize(a));
  return n;
}

export function writeAnyValue(w: WireWriter, v: AnyValue): void {
  switch (typeof v) {
    case 'string':
      w.stringField(1, v);
      return;
    case 'boolean':
      w.tag(2, WIRE_VARINT);
      w.varint(v ? 1 : 0);
      return;
    case 'bigint':
      w.tag(3, WIRE_VARINT);
      w.int64(v);
      return;
    case 'number':
      w.tag(4, WIRE_I64);
      w.double(v);
      return;
    default:
      if (v === null) return;
      if (v instanceof Uint8Array) {
        w.lenField(7, v);
        return;
      }
      if (Array.isArray(v)) {
        const sizes = v.map(anyValueSize);
        let n = 0;
        for (const itemSize of sizes) n += size.len(1, itemSize);
        w.beginLen(5, n);
        for (let i = 0; i < v.length; i++) {
          w.beginLen(1, sizes[i] as number);
          writeAnyValue(w, v[i] as AnyValue);
        }
        return;
      }
      if (isKvList(v)) {
        w.beginLen(6, keyValuesSize(v.kvlist, 1));
        writeKeyValues(w, v.kvlist, 1);
      }
  }
}

export function writeKeyValues(w: WireWriter, attrs: readonly Attribute[], field: number): void {
  for (const a of attrs) {
    const valueSize = anyValueSize(a.value);
    w.beginLen(field, keyValueSizeOf(a.key, valueSize));
    w.stringField(1, a.key);
    w.beginLen(2, valueSize);
    writeAnyValue(w, a.value);
  }
}

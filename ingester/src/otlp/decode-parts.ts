// Decoders for the messages spans carry as bytes (Span.Event, Span.Link), for readers that need their
// content (the embedded store, tests); the ingest pipeline itself never opens them.
import { readKeyValues } from './any-value-proto.ts';
import type { EventFields, LinkFields } from './encode-parts.ts';
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireReader } from './wire.ts';

const EMPTY = new Uint8Array(0);

export function decodeEvent(bytes: Uint8Array): EventFields {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new WireReader(buf);
  const e: EventFields = { timeUnixNano: 0n, name: '', attributes: [], droppedAttributesCount: 0 };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_I64)) e.timeUnixNano = r.fixed64();
    else if (tag === ((2 << 3) | WIRE_LEN)) e.name = r.string();
    else if (tag === ((4 << 3) | WIRE_VARINT)) e.droppedAttributesCount = r.uint32();
    else r.skip(tag & 7);
  }
  e.attributes = readKeyValues(buf, 0, buf.length, 3);
  return e;
}

export function decodeLink(bytes: Uint8Array): LinkFields {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new WireReader(buf);
  const l: LinkFields = {
    traceId: EMPTY,
    spanId: EMPTY,
    traceState: '',
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
  };
  while (!r.done) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) l.traceId = r.bytes();
    else if (tag === ((2 << 3) | WIRE_LEN)) l.spanId = r.bytes();
    else if (tag === ((3 << 3) | WIRE_LEN)) l.traceState = r.string();
    else if (tag === ((5 << 3) | WIRE_VARINT)) l.droppedAttributesCount = r.uint32();
    else if (tag === ((6 << 3) | WIRE_I32)) l.flags = r.fixed32();
    else r.skip(tag & 7);
  }
  l.attributes = readKeyValues(buf, 0, buf.length, 4);
  return l;
}

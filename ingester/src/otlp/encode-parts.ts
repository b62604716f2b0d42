// Encoders for the messages the ingester keeps as bytes (InstrumentationScope, Span.Event, Span.Link),
// used when spans arrive as JSON so that every span carries them in one form.
import { keyValuesSize, writeKeyValues } from './any-value-proto.ts';
import type { Attribute } from './model.ts';
import { size, WireWriter } from './wire.ts';

export interface ScopeFields {
  name: string;
  version: string;
  attributes: Attribute[];
  droppedAttributesCount: number;
}

export function encodeScope(s: ScopeFields): Uint8Array {
  const n =
    (s.name ? size.string(1, s.name) : 0) +
    (s.version ? size.string(2, s.version) : 0) +
    keyValuesSize(s.attributes, 3) +
    (s.droppedAttributesCount ? size.varint(4, s.droppedAttributesCount) : 0);
  const w = new WireWriter(n);
  if (s.name) w.stringField(1, s.name);
  if (s.version) w.stringField(2, s.version);
  writeKeyValues(w, s.attributes, 3);
  if (s.droppedAttributesCount) w.varintField(4, s.droppedAttributesCount);
  return w.finish();
}

export interface EventFields {
  timeUnixNano: bigint;
  name: string;
  attributes: Attribute[];
  droppedAttributesCount: number;
}

export function encodeEvent(e: EventFields): Uint8Array {
  const n =
    (e.timeUnixNano ? size.fixed64(1) : 0) +
    (e.name ? size.string(2, e.name) : 0) +
    keyValuesSize(e.attributes, 3) +
    (e.droppedAttributesCount ? size.varint(4, e.droppedAttributesCount) : 0);
  const w = new WireWriter(n);
  if (e.timeUnixNano) w.fixed64Field(1, e.timeUnixNano);
  if (e.name) w.stringField(2, e.name);
  writeKeyValues(w, e.attributes, 3);
  if (e.droppedAttributesCount) w.varintField(4, e.droppedAttributesCount);
  return w.finish();
}

export interface LinkFields {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState: string;
  attributes: Attribute[];
  droppedAttributesCount: number;
  flags: number;
}

export function encodeLink(l: LinkFields): Uint8Array {
  const n =
    (l.traceId.length ? size.len(1, l.traceId.length) : 0) +
    (l.spanId.length ? size.len(2, l.spanId.length) : 0) +
    (l.traceState ? size.string(3, l.traceState) : 0) +
    keyValuesSize(l.attributes, 4) +
    (l.droppedAttributesCount ? size.varint(5, l.droppedAttributesCount) : 0) +
    (l.flags ? size.fixed32(6) : 0);
  const w = new WireWriter(n);
  if (l.traceId.length) w.lenField(1, l.traceId);
  if (l.spanId.length) w.lenField(2, l.spanId);
  if (l.traceState) w.stringField(3, l.traceState);
  writeKeyValues(w, l.attributes, 4);
  if (l.droppedAttributesCount) w.varintField(5, l.droppedAttributesCount);
  if (l.flags) w.fixed32Field(6, l.flags);
  return w.finish();
}

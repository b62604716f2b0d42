// TraceBatch → ExportTraceServiceRequest (protobuf). Spans that still hold their received bytes are
// copied as they are; changed spans are encoded from their fields. Sizes are computed first so the
// request is written into one buffer with no copying of intermediate messages.
import { keyValuesSize, writeKeyValues } from './any-value-proto.ts';
import type { Resource, ResourceSpans, Scope, ScopeSpans, Span, TraceBatch } from './model.ts';
import { size, WireWriter } from './wire.ts';

function statusSize(st: Span['status']): number {
  return (st.message ? size.string(2, st.message) : 0) + (st.code ? size.varint(3, st.code) : 0);
}

function sumLen(field: number, parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += size.len(field, p.length);
  return n;
}

function sumRaw(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

function spanSize(s: Span): number {
  const st = statusSize(s.status);
  return (
    (s.traceId.length ? size.len(1, s.traceId.length) : 0) +
    (s.spanId.length ? size.len(2, s.spanId.length) : 0) +
    (s.traceState ? size.string(3, s.traceState) : 0) +
    (s.parentSpanId.length ? size.len(4, s.parentSpanId.length) : 0) +
    (s.name ? size.string(5, s.name) : 0) +
    (s.kind ? size.varint(6, s.kind) : 0) +
    (s.startTimeUnixNano ? size.fixed64(7) : 0) +
    (s.endTimeUnixNano ? size.fixed64(8) : 0) +
    keyValuesSize(s.attributes, 9) +
    (s.droppedAttributesCount ? size.varint(10, s.droppedAttributesCount) : 0) +
    sumLen(11, s.events) +
    (s.droppedEventsCount ? size.varint(12, s.droppedEventsCount) : 0) +
    sumLen(13, s.links) +
    (s.droppedLinksCount ? size.varint(14, s.droppedLinksCount) : 0) +
    (st ? size.len(15, st) : 0) +
    (s.flags ? size.fixed32(16) : 0) +
    sumRaw(s.unknown)
  );
}

/** The span's encoding: the bytes it arrived in when unchanged, else freshly encoded (and kept). */
export function encodeSpan(s: Span): Uint8Array {
  if (s.raw) return s.raw;
  const w = new WireWriter(spanSize(s));
  if (s.traceId.length) w.lenField(1, s.traceId);
  if (s.spanId.length) w.lenField(2, s.spanId);
  if (s.traceState) w.stringField(3, s.traceState);
  if (s.parentSpanId.length) w.lenField(4, s.parentSpanId);
  if (s.name) w.stringField(5, s.name);
  if (s.kind) w.varintField(6, s.kind);
  if (s.startTimeUnixNano) w.fixed64Field(7, s.startTimeUnixNano);
  if (s.endTimeUnixNano) w.fixed64Field(8, s.endTimeUnixNano);
  writeKeyValues(w, s.attributes, 9);
  if (s.droppedAttributesCount) w.varintField(10, s.droppedAttributesCount);
  for (const e of s.events) w.lenField(11, e);
  if (s.droppedEventsCount) w.varintField(12, s.droppedEventsCount);
  for (const l of s.links) w.lenField(13, l);
  if (s.droppedLinksCount) w.varintField(14, s.droppedLinksCount);
  const st = statusSize(s.status);
  if (st) {
    w.beginLen(15, st);
    if (s.status.message) w.stringField(2, s.status.message);
    if (s.status.code) w.varintField(3, s.status.code);
  }
  if (s.flags) w.fixed32Field(16, s.flags);
  for (const u of s.unknown) w.raw(u);
  s.raw = w.finish();
  return s.raw;
}

function resourceSize(r: Resource): number {
  return (
    keyValuesSize(r.attributes, 1) +
    (r.droppedAttributesCount ? size.varint(2, r.droppedAttributesCount) : 0) +
    sumRaw(r.unknown)
  );
}

function scopeSize(sc: Scope): number {
  if (sc.raw) return sc.raw.length;
  return (sc.name ? size.string(1, sc.name) : 0) + (sc.version ? size.string(2, sc.version) : 0);
}

function scopeSpansSize(ss: ScopeSpans, spans: Uint8Array[]): number {
  return (
    size.len(1, scopeSize(ss.scope)) + sumLen(2, spans) + (ss.schemaUrl ? size.string(3, ss.schemaUrl) : 0)
  );
}

/** Encodes changed spans (kept on the span) and works out every length of the request. */
function planRequest(batch: TraceBatch) {
  const plan = batch.resourceSpans.map((rs: ResourceSpans) => {
    const scopes = rs.scopeSpans.map((ss) => {
      const spans = ss.spans.map(encodeSpan);
      return { ss, spans, size: scopeSpansSize(ss, spans) };
    });
    const res = resourceSize(rs.resource);
    let n = size.len(1, res) + (rs.schemaUrl ? size.string(3, rs.schemaUrl) : 0);
    for (const s of scopes) n += size.len(2, s.size);
    return { rs, res, scopes, size: n };
  });
  let total = 0;
  for (const p of plan) total += size.len(1, p.size);
  return { plan, total };
}

/** The size of the batch's ExportTraceServiceRequest; spans are encoded once and keep their bytes. */
export function requestSize(batch: TraceBatch): number {
  return planRequest(batch).total;
}

export function encodeTraceRequest(batch: TraceBatch): Buffer {
  const { plan, total } = planRequest(batch);
  const w = new WireWriter(total);
  for (const p of plan) {
    w.beginLen(1, p.size);
    w.beginLen(1, p.res);
    writeKeyValues(w, p.rs.resource.attributes, 1);
    if (p.rs.resource.droppedAttributesCount) w.varintField(2, p.rs.resource.droppedAttributesCount);
    for (const u of p.rs.resource.unknown) w.raw(u);
    for (const s of p.scopes) {
      w.beginLen(2, s.size);
      const sc = s.ss.scope;
      w.beginLen(1, scopeSize(sc));
      if (sc.raw) w.raw(sc.raw);
      else {
        if (sc.name) w.stringField(1, sc.name);
        if (sc.version) w.stringField(2, sc.version);
      }
      for (const span of s.spans) w.lenField(2, span);
      if (s.ss.schemaUrl) w.stringField(3, s.ss.schemaUrl);
    }
    if (p.rs.schemaUrl) w.stringField(3, p.rs.schemaUrl);
  }
  return w.finish();
}

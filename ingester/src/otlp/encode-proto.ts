// TraceBatch → ExportTraceServiceRequest (protobuf), as parts to be written one after another: the
// request's own fields (resources, scopes, lengths) freshly encoded into one buffer, changed spans
// encoded from their fields, and unchanged spans as views of the bytes they arrived in — a run of
// them, with the field headers between, is one view of the received request. So the log writes a
// request (writev) and the queue keeps it without a copy of the spans; an export joins its parts once.
import { keyValuesSize, writeKeyValues } from './any-value-proto.ts';
import type { Resource, ResourceSpans, Scope, Span, TraceBatch } from './model.ts';
import { size, varintSize, WIRE_LEN, WireWriter } from './wire.ts';
import { WireSpan } from './wire-span.ts';

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

/** Encodes changed spans (kept on the span) and works out every length of the request. */
function planRequest(batch: TraceBatch) {
  let spanBytes = 0;
  const plan = batch.resourceSpans.map((rs: ResourceSpans) => {
    const scopes = rs.scopeSpans.map((ss) => {
      let n = size.len(1, scopeSize(ss.scope)) + (ss.schemaUrl ? size.string(3, ss.schemaUrl) : 0);
      for (const span of ss.spans) {
        const length = span.unchangedLength ?? encodeSpan(span).length;
        n += size.len(2, length);
        spanBytes += length;
      }
      return { ss, size: n };
    });
    const res = resourceSize(rs.resource);
    let n = size.len(1, res) + (rs.schemaUrl ? size.string(3, rs.schemaUrl) : 0);
    for (const s of scopes) n += size.len(2, s.size);
    return { rs, res, scopes, size: n };
  });
  let total = 0;
  for (const p of plan) total += size.len(1, p.size);
  return { plan, total, spanBytes };
}

/** The size of the batch's ExportTraceServiceRequest; spans are encoded once and keep their bytes. */
export function requestSize(batch: TraceBatch): number {
  return planRequest(batch).total;
}

/** An encoded ExportTraceServiceRequest as parts to be written in order; `length` is their sum. */
export interface EncodedRequest {
  readonly parts: readonly Uint8Array[];
  readonly length: number;
}

/** A request that is already one buffer (read back from the log or a peer), as parts. */
export const encodedRequest = (bytes: Buffer): EncodedRequest => ({ parts: [bytes], length: bytes.length });

/**
 * Requests as one buffer (requests concatenated are one request): a lone part as it is, else copied
 * into the buffer `alloc` gives (a pooled one, say).
 */
export function joinRequests(
  requests: readonly EncodedRequest[],
  alloc: (length: number) => Buffer = Buffer.allocUnsafe,
): Buffer {
  const only = requests.length === 1 && requests[0]?.parts.length === 1 ? requests[0].parts[0] : undefined;
  if (only) return Buffer.isBuffer(only) ? only : Buffer.from(only.buffer, only.byteOffset, only.length);
  let length = 0;
  for (const r of requests) length += r.length;
  const out = alloc(length);
  let at = 0;
  for (const r of requests)
    for (const p of r.parts) {
      out.set(p, at);
      at += p.length;
    }
  return out;
}

/** Spans are field 2 of ScopeSpans: this tag byte, then the length as a varint. */
const SPAN_TAG = (2 << 3) | WIRE_LEN;

/** Whether the `n` bytes at `at` of `buf` are the header the encoder writes for a span of `length`. */
function headerAt(buf: Uint8Array, at: number, n: number, length: number): boolean {
  if (at < 0 || buf[at] !== SPAN_TAG) return false;
  let v = length;
  for (let i = 1; i < n; i++, v >>>= 7) if (buf[at + i] !== (i < n - 1 ? (v & 0x7f) | 0x80 : v)) return false;
  return true;
}

/**
 * Writes the request's own fields into one buffer and cuts it into parts around the spans. A span whose
 * received bytes are preceded by the very header the encoder would write is taken with its header, and
 * spans that follow one another in the received request make one run: one part, however many spans.
 */
class PartsWriter {
  readonly parts: Uint8Array[] = [];
  readonly w: WireWriter;
  /** Skeleton bytes before this are in parts already. */
  private from = 0;
  /** The open run of received bytes: [runStart, runEnd) of runBuffer. */
  private runBuffer: Buffer | undefined;
  private runStart = 0;
  private runEnd = 0;
  constructor(w: WireWriter) {
    this.w = w;
  }

  /**
   * A span as the bytes [start, end) of buf it arrived in. (Positions in the request, not a view of the
   * span: a typed array's `buffer` getter, read per span, cost more than the rest of this together.)
   */
  received(buf: Buffer, start: number, end: number): void {
    const length = end - start;
    const header = 1 + varintSize(length);
    const at = start - header;
    if (!headerAt(buf, at, header, length)) {
      this.bytes(buf.subarray(start, end));
      return;
    }
    if (this.runBuffer === buf && this.runEnd === at && this.w.pos === this.from) {
      this.runEnd = end;
      return;
    }
    this.endRun();
    this.cut();
    this.runBuffer = buf;
    this.runStart = at;
    this.runEnd = end;
  }

  /** A span as bytes of its own (encoded afresh), after the header written for it. */
  bytes(bytes: Uint8Array): void {
    this.endRun();
    this.w.beginLen(2, bytes.length);
    this.cut();
    this.parts.push(bytes);
  }

  /** Ends the open run and the fields written since, as parts in that order. */
  finish(): Uint8Array[] {
    this.endRun();
    this.cut();
    return this.parts;
  }

  private endRun(): void {
    if (this.runBuffer === undefined) return;
    this.parts.push(this.runBuffer.subarray(this.runStart, this.runEnd));
    this.runBuffer = undefined;
  }

  private cut(): void {
    if (this.w.pos > this.from) this.parts.push(this.w.buf.subarray(this.from, this.w.pos));
    this.from = this.w.pos;
  }
}

/**
 * Parts holding more than twice the request's bytes (spans kept from a large request whose other
 * spans were sampled out) are joined instead, so a queued request holds about what it counts.
 */
function compact(parts: Uint8Array[], length: number): Uint8Array[] {
  const held = new Set<ArrayBufferLike>();
  let heldBytes = 0;
  for (const p of parts) {
    if (held.has(p.buffer)) continue;
    held.add(p.buffer);
    heldBytes += p.buffer.byteLength;
  }
  return heldBytes > 2 * length + 65536 ? [Buffer.concat(parts, length)] : parts;
}

export function encodeTraceRequestParts(batch: TraceBatch): EncodedRequest {
  const { plan, total, spanBytes } = planRequest(batch);
  const w = new WireWriter(total - spanBytes);
  const out = new PartsWriter(w);
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
      for (const span of s.ss.spans) {
        // What planning took the length of: a WireSpan has unchangedLength exactly while unchanged.
        // (Asked the same way twice, through one helper, cost 4 ns a span more: an instanceof each.)
        if (span instanceof WireSpan && span.unchanged) out.received(span.buf, span.start, span.end);
        else out.bytes(encodeSpan(span));
      }
      if (s.ss.schemaUrl) w.stringField(3, s.ss.schemaUrl);
    }
    if (p.rs.schemaUrl) w.stringField(3, p.rs.schemaUrl);
  }
  const parts = out.finish();
  let length = 0;
  for (const part of parts) length += part.length;
  if (length !== total) throw new Error(`encoder size mismatch: wrote ${length} of ${total} bytes`);
  return { parts: compact(parts, length), length };
}

export function encodeTraceRequest(batch: TraceBatch): Buffer {
  return joinRequests([encodeTraceRequestParts(batch)]);
}

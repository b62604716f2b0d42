// A Span backed by the bytes it arrived in. Decoding it only records where each field lies; a field
// becomes a JS value (string, bigint, attribute list) the first time a stage reads it. A plain span
// that every stage passes through is therefore never turned into strings or numbers at all, which is
// what keeps the hot path cheap. Setting a field stores the new value; stages clear `raw` when they
// change a span, as with any Span.
import { readKeyValues } from './any-value-proto.ts';
import { MAX_ATTRIBUTES } from './limits.ts';
import { type Attribute, KEY_GENAI, KEY_KODER, type Span } from './model.ts';
import {
  checkEvent,
  checkKeyValue,
  checkLink,
  checkTime,
  INVALID,
  lenEnd,
  recorded,
  skipUnknown,
} from './validate-fast.ts';
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireReader } from './wire.ts';

const EMPTY = new Uint8Array(0);

function isZero(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i] !== 0) return false;
  return true;
}

export class WireSpan implements Span {
  raw: Uint8Array | null;
  flags = 0;
  kind = 0;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  unknown: Uint8Array[] = [];
  /** KEY_* bits of the attribute keys present as received. */
  keyClasses = 0;
  private readonly buf: Buffer;
  private readonly start: number;
  private readonly end: number;
  // Where each field lies ([start, end) of payloads, offsets of fixed64s); -1 when absent.
  private tid = -1;
  private tidEnd = -1;
  private sid = -1;
  private sidEnd = -1;
  private pid = -1;
  private pidEnd = -1;
  private ts = -1;
  private tsEnd = -1;
  private nm = -1;
  private nmEnd = -1;
  private t0 = -1;
  private t1 = -1;
  private hasAttributes = false;
  private hasEvents = false;
  private hasLinks = false;
  private stMsg = -1;
  private stMsgEnd = -1;
  private stCode = 0;
  /** The bytes `raw` was when scanned: attribute bounds hold only while it is still these. */
  private readonly received: Uint8Array;
  private bounds?: number[];
  // Values once read or set.
  private _traceId?: Uint8Array;
  private _spanId?: Uint8Array;
  private _parentSpanId?: Uint8Array;
  private _traceState?: string;
  private _name?: string;
  private _start?: bigint;
  private _end?: bigint;
  private _attributes?: Attribute[];
  private _events?: Uint8Array[];
  private _links?: Uint8Array[];
  private _status?: { code: number; message: string };

  /**
   * Scans and validates the Span message at [start, end) of r.buf (r is positioned at start) in one
   * pass: the top level here, what hangs under it with validate-fast.ts. Any problem throws INVALID or a
   * WireError, and the caller runs validate-wire.ts's walk to say what is wrong.
   */
  constructor(r: WireReader, start: number, end: number) {
    const buf = r.buf;
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.raw = buf.subarray(start, end);
    this.received = this.raw;
    recorded.length = 0;
    let attributes = 0;
    while (r.pos < end) {
      const fieldStart = r.pos;
      const tag = r.uint32();
      switch (tag) {
        case (1 << 3) | WIRE_LEN:
          this.tidEnd = lenEnd(r, end);
          this.tid = r.pos;
          r.pos = this.tidEnd;
          break;
        case (2 << 3) | WIRE_LEN:
          this.sidEnd = lenEnd(r, end);
          this.sid = r.pos;
          r.pos = this.sidEnd;
          break;
        case (3 << 3) | WIRE_LEN:
          this.tsEnd = lenEnd(r, end);
          this.ts = r.pos;
          r.pos = this.tsEnd;
          break;
        case (4 << 3) | WIRE_LEN:
          this.pidEnd = lenEnd(r, end);
          this.pid = r.pos;
          r.pos = this.pidEnd;
          break;
        case (5 << 3) | WIRE_LEN:
          this.nmEnd = lenEnd(r, end);
          this.nm = r.pos;
          r.pos = this.nmEnd;
          break;
        case (6 << 3) | WIRE_VARINT:
          this.kind = r.uint32();
          break;
        case (7 << 3) | WIRE_I64:
          this.t0 = r.pos;
          checkTime(r, end);
          break;
        case (8 << 3) | WIRE_I64:
          this.t1 = r.pos;
          checkTime(r, end);
          break;
        case (9 << 3) | WIRE_LEN: {
          this.hasAttributes = true;
          const e = lenEnd(r, end);
          if (++attributes > MAX_ATTRIBUTES) throw INVALID;
          this.keyClasses |= checkKeyValue(r, e, 0, true);
          break;
        }
        case (10 << 3) | WIRE_VARINT:
          this.droppedAttributesCount = r.uint32();
          break;
        case (11 << 3) | WIRE_LEN: {
          this.hasEvents = true;
          const e = lenEnd(r, end);
          checkEvent(r, e);
          break;
        }
        case (12 << 3) | WIRE_VARINT:
          this.droppedEventsCount = r.uint32();
          break;
        case (13 << 3) | WIRE_LEN: {
          this.hasLinks = true;
          const e = lenEnd(r, end);
          checkLink(r, e);
          break;
        }
        case (14 << 3) | WIRE_VARINT:
          this.droppedLinksCount = r.uint32();
          break;
        case (15 << 3) | WIRE_LEN: {
          const e = lenEnd(r, end);
          this.readStatus(r, e);
          break;
        }
        case (16 << 3) | WIRE_I32:
          this.flags = r.fixed32();
          break;
        default: {
          const num = tag >>> 3;
          if (num >= 1 && num <= 16) throw INVALID; // a known field with another wire type
          skipUnknown(r, tag & 7, end);
          this.unknown.push(buf.subarray(fieldStart, r.pos));
        }
      }
    }
    // Normalisation and usage read the attributes of GenAI and koder.* spans from these bounds.
    // (A plain array: a typed array's copy would get its own store off the heap, which costs far more.)
    if (this.keyClasses & (KEY_GENAI | KEY_KODER)) this.bounds = recorded.bounds.slice(0, recorded.length);
  }

  attributeBounds(): { buf: Buffer; bounds: readonly number[] } | undefined {
    return this.bounds && this.raw === this.received ? { buf: this.buf, bounds: this.bounds } : undefined;
  }

  /** The Status at [r.pos, e): message and code, validated; r.pos is e afterwards. */
  private readStatus(r: WireReader, e: number): void {
    while (r.pos < e) {
      const tag = r.uint32();
      if (tag === ((2 << 3) | WIRE_LEN)) {
        this.stMsgEnd = lenEnd(r, e);
        this.stMsg = r.pos;
        r.pos = this.stMsgEnd;
      } else if (tag === ((3 << 3) | WIRE_VARINT)) {
        this.stCode = r.uint32();
        if (r.pos > e) throw INVALID;
      } else {
        const num = tag >>> 3;
        if (num === 2 || num === 3) throw INVALID;
        skipUnknown(r, tag & 7, e);
      }
    }
  }

  /**
   * Whether the ids are as the OTLP specification wants them (trace 16 bytes, span 8, parent none or 8;
   * not all zero), read from the bytes; limits.ts's checkIds says what is wrong when they are not.
   */
  idsValid(): boolean {
    if (this._traceId || this._spanId || this._parentSpanId) return false; // set since: check the values
    const buf = this.buf;
    const parent = this.pidEnd - this.pid;
    return (
      this.tidEnd - this.tid === 16 &&
      this.sidEnd - this.sid === 8 &&
      (parent === 0 || parent === 8) &&
      !isZero(buf, this.tid, this.tidEnd) &&
      !isZero(buf, this.sid, this.sidEnd)
    );
  }

  /** Lengths of the ids as received, for validation without materialising them. */
  idLengths(): [trace: number, span: number, parent: number] {
    return [this.tidEnd - this.tid, this.sidEnd - this.sid, this.pidEnd - this.pid];
  }

  private bytesAt(s: number, e: number): Uint8Array {
    return s < 0 ? EMPTY : this.buf.subarray(s, e);
  }

  get traceId(): Uint8Array {
    this._traceId ??= this.bytesAt(this.tid, this.tidEnd);
    return this._traceId;
  }
  set traceId(v: Uint8Array) {
    this._traceId = v;
  }
  get spanId(): Uint8Array {
    this._spanId ??= this.bytesAt(this.sid, this.sidEnd);
    return this._spanId;
  }
  set spanId(v: Uint8Array) {
    this._spanId = v;
  }
  get parentSpanId(): Uint8Array {
    this._parentSpanId ??= this.bytesAt(this.pid, this.pidEnd);
    return this._parentSpanId;
  }
  set parentSpanId(v: Uint8Array) {
    this._parentSpanId = v;
  }
  /** Whether the span is a root, without materialising the parent id. */
  get isRoot(): boolean {
    return this._parentSpanId ? this._parentSpanId.length === 0 : this.pid < 0 || this.pidEnd === this.pid;
  }
  get traceState(): string {
    this._traceState ??= this.ts < 0 ? '' : this.buf.toString('utf8', this.ts, this.tsEnd);
    return this._traceState;
  }
  set traceState(v: string) {
    this._traceState = v;
  }
  get name(): string {
    this._name ??= this.nm < 0 ? '' : this.buf.toString('utf8', this.nm, this.nmEnd);
    return this._name;
  }
  set name(v: string) {
    this._name = v;
  }
  get startTimeUnixNano(): bigint {
    this._start ??= this.t0 < 0 ? 0n : this.buf.readBigUInt64LE(this.t0);
    return this._start;
  }
  set startTimeUnixNano(v: bigint) {
    this._start = v;
  }
  get endTimeUnixNano(): bigint {
    this._end ??= this.t1 < 0 ? 0n : this.buf.readBigUInt64LE(this.t1);
    return this._end;
  }
  set endTimeUnixNano(v: bigint) {
    this._end = v;
  }
  get attributes(): Attribute[] {
    this._attributes ??= this.hasAttributes ? readKeyValues(this.buf, this.start, this.end, 9) : [];
    return this._attributes;
  }
  set attributes(v: Attribute[]) {
    this._attributes = v;
  }
  get events(): Uint8Array[] {
    this._events ??= this.hasEvents ? this.repeated(11) : [];
    return this._events;
  }
  set events(v: Uint8Array[]) {
    this._events = v;
  }
  get links(): Uint8Array[] {
    this._links ??= this.hasLinks ? this.repeated(13) : [];
    return this._links;
  }
  set links(v: Uint8Array[]) {
    this._links = v;
  }
  get status(): { code: number; message: string } {
    this._status ??= {
      code: this.stCode,
      message: this.stMsg < 0 ? '' : this.buf.toString('utf8', this.stMsg, this.stMsgEnd),
    };
    return this._status;
  }
  set status(v: { code: number; message: string }) {
    this._status = v;
  }
  /** The status code without materialising the status object (hot path: error checks). */
  get statusCodeFast(): number {
    return this._status?.code ?? this.stCode;
  }

  private repeated(field: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    const want = (field << 3) | WIRE_LEN;
    const r = new WireReader(this.buf, this.start, this.end);
    while (!r.done) {
      const tag = r.uint32();
      if (tag === want) out.push(r.bytes());
      else r.skip(tag & 7);
    }
    return out;
  }
}

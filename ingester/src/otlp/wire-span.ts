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
  next,
  recorded,
  skipUnknown,
  tagAt,
  varint,
} from './validate-fast.ts';
import { WIRE_LEN, WireReader } from './wire.ts';

const EMPTY = new Uint8Array(0);
/** The unknown fields of almost every span: none. Frozen, so a push on it fails loudly. */
const NONE: Uint8Array[] = Object.freeze([]) as unknown as Uint8Array[];

function isZero(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Records where the attributes of the span's fields at [start, end), already checked, lie. */
function recordAttributes(buf: Buffer, start: number, end: number): void {
  recorded.length = 0;
  let pos = start;
  while (pos < end) {
    const tag = tagAt(buf, pos, end);
    if (tag === 0x4a) {
      // attributes (9, LEN)
      pos = lenEnd(buf, next, end);
      checkKeyValue(buf, next, pos, 0, true);
    } else pos = skipUnknown(buf, next, tag & 7, end);
  }
}

const HAS_ATTRIBUTES = 1;
const HAS_EVENTS = 2;
const HAS_LINKS = 4;

/** A WireSpan's fields once read (decoded from its bytes) or set. */
class Values {
  traceId: Uint8Array | undefined = undefined;
  spanId: Uint8Array | undefined = undefined;
  parentSpanId: Uint8Array | undefined = undefined;
  traceState: string | undefined = undefined;
  name: string | undefined = undefined;
  start: bigint | undefined = undefined;
  end: bigint | undefined = undefined;
  attributes: Attribute[] | undefined = undefined;
  events: Uint8Array[] | undefined = undefined;
  links: Uint8Array[] | undefined = undefined;
  status: { code: number; message: string } | undefined = undefined;
}

export class WireSpan implements Span {
  /**
   * What `raw` is: undefined while it is the received bytes and no stage has asked for them as a view
   * (most spans: the encoder takes them by their place in the request, so no view is made at all).
   */
  private rawBytes: Uint8Array | null | undefined = undefined;
  flags = 0;
  kind = 0;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  /** Fields of numbers OTLP does not define, as received; shared and empty (NONE) until one comes. */
  unknown: Uint8Array[] = NONE;
  /** KEY_* bits of the attribute keys present as received. */
  keyClasses = 0;
  /** The span arrived as the bytes [start, end) of buf. */
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
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
  /** Which of attributes, events and links the span has (HAS_* bits). */
  private has = 0;
  private stMsg = -1;
  private stMsgEnd = -1;
  private stCode = 0;
  /** The view of the received bytes, once made: `raw` is unchanged while it is still this. */
  private received: Uint8Array | undefined;
  private bounds?: number[];
  /** Fields once read or set; made on the first such access (a plain span passes without). */
  private values: Values | undefined = undefined;

  /**
   * Scans and validates the Span message at [start, end) of buf in one pass: the top level here, what
   * hangs under it with validate-fast.ts. Any problem throws INVALID or a WireError, and the caller
   * runs validate-wire.ts's walk to say what is wrong.
   */
  constructor(buf: Buffer, start: number, end: number) {
    this.buf = buf;
    this.start = start;
    this.end = end;
    let attributes = 0;
    let recording = false;
    let firstAttribute = -1;
    let pos = start;
    while (pos < end) {
      const fieldStart = pos;
      const tag = tagAt(buf, pos, end);
      pos = next;
      // Tags are literals, as in validate-fast.ts. Attributes first: most of a span's fields are those.
      if (tag === 0x4a) {
        // attributes (9, LEN)
        this.has |= HAS_ATTRIBUTES;
        if (firstAttribute < 0) firstAttribute = fieldStart;
        const e = lenEnd(buf, pos, end);
        if (++attributes > MAX_ATTRIBUTES) throw INVALID;
        const classes = checkKeyValue(buf, next, e, 0, recording);
        // Only the attributes of GenAI and koder.* spans are read from their bounds (normalisation,
        // usage): recorded from the first such key on, those before it caught up once.
        if (!recording && classes & (KEY_GENAI | KEY_KODER)) {
          recording = true;
          recordAttributes(buf, firstAttribute, e);
        }
        this.keyClasses |= classes;
        pos = e;
        continue;
      }
      switch (tag) {
        case 0x0a: // trace_id (1, LEN)
          this.tidEnd = pos = lenEnd(buf, pos, end);
          this.tid = next;
          break;
        case 0x12: // span_id (2, LEN)
          this.sidEnd = pos = lenEnd(buf, pos, end);
          this.sid = next;
          break;
        case 0x1a: // trace_state (3, LEN)
          this.tsEnd = pos = lenEnd(buf, pos, end);
          this.ts = next;
          break;
        case 0x22: // parent_span_id (4, LEN)
          this.pidEnd = pos = lenEnd(buf, pos, end);
          this.pid = next;
          break;
        case 0x2a: // name (5, LEN)
          this.nmEnd = pos = lenEnd(buf, pos, end);
          this.nm = next;
          break;
        case 0x30: // kind (6, VARINT)
          this.kind = varint(buf, pos, end);
          pos = next;
          break;
        case 0x39: // start_time_unix_nano (7, I64)
          this.t0 = pos;
          pos = checkTime(buf, pos, end);
          break;
        case 0x41: // end_time_unix_nano (8, I64)
          this.t1 = pos;
          pos = checkTime(buf, pos, end);
          break;
        case 0x50: // dropped_attributes_count (10, VARINT)
          this.droppedAttributesCount = varint(buf, pos, end);
          pos = next;
          break;
        case 0x5a: {
          // events (11, LEN)
          this.has |= HAS_EVENTS;
          const e = lenEnd(buf, pos, end);
          checkEvent(buf, next, e);
          pos = e;
          break;
        }
        case 0x60: // dropped_events_count (12, VARINT)
          this.droppedEventsCount = varint(buf, pos, end);
          pos = next;
          break;
        case 0x6a: {
          // links (13, LEN)
          this.has |= HAS_LINKS;
          const e = lenEnd(buf, pos, end);
          checkLink(buf, next, e);
          pos = e;
          break;
        }
        case 0x70: // dropped_links_count (14, VARINT)
          this.droppedLinksCount = varint(buf, pos, end);
          pos = next;
          break;
        case 0x7a: {
          // status (15, LEN)
          const e = lenEnd(buf, pos, end);
          this.readStatus(buf, next, e);
          pos = e;
          break;
        }
        case 0x85: // flags (16, I32)
          if (pos + 4 > end) throw INVALID;
          this.flags = buf.readUInt32LE(pos);
          pos += 4;
          break;
        default: {
          const num = tag >>> 3;
          if (num >= 1 && num <= 16) throw INVALID; // a known field with another wire type
          pos = skipUnknown(buf, pos, tag & 7, end);
          if (this.unknown === NONE) this.unknown = [];
          this.unknown.push(buf.subarray(fieldStart, pos));
        }
      }
    }
    // (A plain array: a typed array's copy would get its own store off the heap, which costs far more.)
    if (recording) this.bounds = recorded.bounds.slice(0, recorded.length);
  }

  get raw(): Uint8Array | null {
    if (this.rawBytes === undefined) {
      // A plain Uint8Array view: Buffer's subarray builds a FastBuffer through its subclass constructor.
      const { buf, start, end } = this;
      this.received = new Uint8Array(buf.buffer, buf.byteOffset + start, end - start);
      this.rawBytes = this.received;
    }
    return this.rawBytes;
  }
  set raw(v: Uint8Array | null) {
    this.rawBytes = v;
  }

  /** Whether `raw` is still the bytes the span arrived in (no view made to tell). */
  get unchanged(): boolean {
    return this.rawBytes === undefined || this.rawBytes === this.received;
  }

  /** The length of the received bytes while `raw` is still them. */
  get unchangedLength(): number | undefined {
    return this.unchanged ? this.end - this.start : undefined;
  }

  attributeBounds(): { buf: Buffer; bounds: readonly number[] } | undefined {
    return this.bounds && this.unchanged ? { buf: this.buf, bounds: this.bounds } : undefined;
  }

  /** The Status at [pos, e): message and code, validated. */
  private readStatus(buf: Buffer, pos: number, e: number): void {
    while (pos < e) {
      const tag = tagAt(buf, pos, e);
      pos = next;
      if (tag === 0x12) {
        // message (2, LEN)
        this.stMsgEnd = pos = lenEnd(buf, pos, e);
        this.stMsg = next;
      } else if (tag === 0x18) {
        // code (3, VARINT)
        this.stCode = varint(buf, pos, e);
        pos = next;
      } else {
        const num = tag >>> 3;
        if (num === 2 || num === 3) throw INVALID;
        pos = skipUnknown(buf, pos, tag & 7, e);
      }
    }
  }

  /**
   * Whether the ids are as the OTLP specification wants them (trace 16 bytes, span 8, parent none or 8;
   * not all zero), read from the bytes; limits.ts's checkIds says what is wrong when they are not.
   */
  idsValid(): boolean {
    const v = this.values;
    if (v && (v.traceId || v.spanId || v.parentSpanId)) return false; // read or set since: check the values
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

  private get v(): Values {
    this.values ??= new Values();
    return this.values;
  }

  get traceId(): Uint8Array {
    const v = this.v;
    v.traceId ??= this.bytesAt(this.tid, this.tidEnd);
    return v.traceId;
  }
  set traceId(x: Uint8Array) {
    this.v.traceId = x;
  }
  get spanId(): Uint8Array {
    const v = this.v;
    v.spanId ??= this.bytesAt(this.sid, this.sidEnd);
    return v.spanId;
  }
  set spanId(x: Uint8Array) {
    this.v.spanId = x;
  }
  get parentSpanId(): Uint8Array {
    const v = this.v;
    v.parentSpanId ??= this.bytesAt(this.pid, this.pidEnd);
    return v.parentSpanId;
  }
  set parentSpanId(x: Uint8Array) {
    this.v.parentSpanId = x;
  }
  /** Whether the span is a root, without materialising the parent id. */
  get isRoot(): boolean {
    const parent = this.values?.parentSpanId;
    return parent ? parent.length === 0 : this.pid < 0 || this.pidEnd === this.pid;
  }
  get traceState(): string {
    const v = this.v;
    v.traceState ??= this.ts < 0 ? '' : this.buf.toString('utf8', this.ts, this.tsEnd);
    return v.traceState;
  }
  set traceState(x: string) {
    this.v.traceState = x;
  }
  get name(): string {
    const v = this.v;
    v.name ??= this.nm < 0 ? '' : this.buf.toString('utf8', this.nm, this.nmEnd);
    return v.name;
  }
  set name(x: string) {
    this.v.name = x;
  }
  get startTimeUnixNano(): bigint {
    const v = this.v;
    v.start ??= this.t0 < 0 ? 0n : this.buf.readBigUInt64LE(this.t0);
    return v.start;
  }
  set startTimeUnixNano(x: bigint) {
    this.v.start = x;
  }
  get endTimeUnixNano(): bigint {
    const v = this.v;
    v.end ??= this.t1 < 0 ? 0n : this.buf.readBigUInt64LE(this.t1);
    return v.end;
  }
  set endTimeUnixNano(x: bigint) {
    this.v.end = x;
  }
  get attributes(): Attribute[] {
    const v = this.v;
    v.attributes ??= this.has & HAS_ATTRIBUTES ? readKeyValues(this.buf, this.start, this.end, 9) : [];
    return v.attributes;
  }
  set attributes(x: Attribute[]) {
    this.v.attributes = x;
  }
  get events(): Uint8Array[] {
    const v = this.v;
    v.events ??= this.has & HAS_EVENTS ? this.repeated(11) : [];
    return v.events;
  }
  set events(x: Uint8Array[]) {
    this.v.events = x;
  }
  get links(): Uint8Array[] {
    const v = this.v;
    v.links ??= this.has & HAS_LINKS ? this.repeated(13) : [];
    return v.links;
  }
  set links(x: Uint8Array[]) {
    this.v.links = x;
  }
  get status(): { code: number; message: string } {
    const v = this.v;
    v.status ??= {
      code: this.stCode,
      message: this.stMsg < 0 ? '' : this.buf.toString('utf8', this.stMsg, this.stMsgEnd),
    };
    return v.status;
  }
  set status(x: { code: number; message: string }) {
    this.v.status = x;
  }
  /** The status code without materialising the status object (hot path: error checks). */
  get statusCodeFast(): number {
    return this.values?.status?.code ?? this.stCode;
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

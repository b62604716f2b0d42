// The hot-path form of validate-wire.ts for what hangs under a span: KeyValue, AnyValue, ArrayValue,
// KeyValueList, Event, Link. The table-driven walk there reads a Field object per field and recurses
// through one generic function; here each message has its own function with its tags as constants,
// which is several times faster on the attribute-heavy spans the ingester exists for. WireSpan calls
// these while it scans a span's top level, so each byte of a span is looked at once.
//
// They must accept exactly what the table-driven walk accepts (validate-fast.test.ts compares the two
// on mutated requests). They say nothing about what is wrong: any problem throws INVALID (or the
// WireReader's WireError), and the caller runs the table-driven walk to explain it.
import { MAX_ATTRIBUTES, MAX_KEY_BYTES, MAX_VALUE_DEPTH } from './limits.ts';
import { GENAI_KEY_PREFIXES, KEY_ERROR_TYPE, KEY_GENAI, KEY_KODER } from './model.ts';
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, type WireReader } from './wire.ts';

/** Thrown at the first problem; preallocated, since it carries nothing. */
export const INVALID = new Error('invalid OTLP protobuf (fast pass)');

/** Reads a length; the payload starts at r.pos and ends at the returned offset, within `end`. */
export function lenEnd(r: WireReader, end: number): number {
  const len = r.uint32();
  const e = r.pos + len;
  if (e > end) throw INVALID;
  return e;
}

/** Skips a field of a number the message does not define (unknown fields pass through). */
export function skipUnknown(r: WireReader, wire: number, end: number): void {
  switch (wire) {
    case WIRE_VARINT: {
      const buf = r.buf;
      let p = r.pos;
      while (true) {
        if (p >= end) throw INVALID;
        if ((buf[p++] as number) < 0x80) break;
      }
      r.pos = p;
      return;
    }
    case WIRE_I64:
      r.pos += 8;
      break;
    case WIRE_LEN:
      r.pos = lenEnd(r, end);
      return;
    case WIRE_I32:
      r.pos += 4;
      break;
    default:
      throw INVALID;
  }
  if (r.pos > end) throw INVALID;
}

/** Checks that the fixed64 nanoseconds at r.pos fit an int64 and moves past them. */
export function checkTime(r: WireReader, end: number): void {
  if (r.pos + 8 > end) throw INVALID;
  // Beyond 2^63 - 1 exactly when the top bit of the little-endian fixed64 is set.
  if ((r.buf[r.pos + 7] as number) >= 0x80) throw INVALID;
  r.pos += 8;
}

const bytes = (s: string) => Buffer.from(s, 'latin1');
/** The GenAI prefixes by their first byte, so a key is compared with at most the one or two that can match. */
const GENAI_BY_FIRST_BYTE: (Buffer[] | undefined)[] = [];
for (const p of GENAI_KEY_PREFIXES.map(bytes)) {
  const first = p[0] as number;
  GENAI_BY_FIRST_BYTE[first] = [...(GENAI_BY_FIRST_BYTE[first] ?? []), p];
}
const KODER = bytes('koder.');
const ERROR_TYPE = bytes('error.type');

function hasPrefix(buf: Buffer, start: number, end: number, prefix: Buffer): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}

/** Classifies an attribute key by its bytes (no string is made): GenAI, error.type, koder.*. */
export function keyClass(buf: Buffer, s: number, e: number): number {
  if (s >= e) return 0;
  const first = buf[s] as number;
  const genai = GENAI_BY_FIRST_BYTE[first];
  if (genai !== undefined) {
    for (const p of genai) if (hasPrefix(buf, s, e, p)) return KEY_GENAI;
    return 0;
  }
  switch (first) {
    case 0x65: // e
      return e - s === ERROR_TYPE.length && hasPrefix(buf, s, e, ERROR_TYPE) ? KEY_ERROR_TYPE : 0;
    case 0x6b: // k
      return hasPrefix(buf, s, e, KODER) ? KEY_KODER : 0;
    default:
      return 0;
  }
}

const KEY_TAG = (1 << 3) | WIRE_LEN;
const VALUE_TAG = (2 << 3) | WIRE_LEN;

/**
 * Where the span attributes checked with `record` lie, five numbers each: key start and end, value
 * start and end (-1 when absent; the last of each, as decoding takes) and the value's kind (the number
 * of its last field). So a span's attributes are read later without walking them again
 * (normalise/raw-attributes.ts). The scanning span resets `recorded.length`.
 */
export const recorded = { bounds: [] as number[], length: 0 };

/**
 * A KeyValue at [r.pos, end); r.pos is `end` afterwards. Returns the KEY_* classes of its key (of every
 * key field, should a sender repeat it: the last one wins when decoded, so none may hide). `record`:
 * add where it lies to `recorded`.
 */
export function checkKeyValue(r: WireReader, end: number, depth: number, record = false): number {
  let classes = 0;
  let keyStart = -1;
  let keyEnd = -1;
  let valueStart = -1;
  let valueEnd = -1;
  let kind = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === KEY_TAG) {
      const e = lenEnd(r, end);
      if (e - r.pos > MAX_KEY_BYTES) throw INVALID;
      classes |= keyClass(r.buf, r.pos, e);
      keyStart = r.pos;
      keyEnd = e;
      r.pos = e;
    } else if (tag === VALUE_TAG) {
      const e = lenEnd(r, end);
      valueStart = r.pos;
      valueEnd = e;
      kind = checkAnyValue(r, e, depth);
    } else {
      const num = tag >>> 3;
      if (num === 1 || num === 2) throw INVALID; // a known field with another wire type
      skipUnknown(r, tag & 7, end);
    }
  }
  if (record) {
    const { bounds } = recorded;
    const at = recorded.length;
    bounds[at] = keyStart;
    bounds[at + 1] = keyEnd;
    bounds[at + 2] = valueStart;
    bounds[at + 3] = valueEnd;
    bounds[at + 4] = kind;
    recorded.length = at + 5;
  }
  return classes;
}

/**
 * An AnyValue at [r.pos, end); its arrays and lists are one level deeper than `depth`. Returns the
 * number of its last field: which value it holds (0 if none).
 */
function checkAnyValue(r: WireReader, end: number, depth: number): number {
  let kind = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    kind = tag >>> 3;
    switch (tag) {
      case (1 << 3) | WIRE_LEN: // string_value
      case (7 << 3) | WIRE_LEN: // bytes_value
        r.pos = lenEnd(r, end);
        break;
      case (2 << 3) | WIRE_VARINT: // bool_value
      case (3 << 3) | WIRE_VARINT: // int_value
        skipUnknown(r, WIRE_VARINT, end);
        break;
      case (4 << 3) | WIRE_I64: // double_value
        r.pos += 8;
        if (r.pos > end) throw INVALID;
        break;
      case (5 << 3) | WIRE_LEN: {
        const e = lenEnd(r, end);
        if (depth + 1 > MAX_VALUE_DEPTH) throw INVALID;
        checkArrayValue(r, e, depth + 1);
        break;
      }
      case (6 << 3) | WIRE_LEN: {
        const e = lenEnd(r, end);
        if (depth + 1 > MAX_VALUE_DEPTH) throw INVALID;
        checkKeyValueList(r, e, depth + 1);
        break;
      }
      default: {
        const num = tag >>> 3;
        if (num >= 1 && num <= 7) throw INVALID;
        skipUnknown(r, tag & 7, end);
      }
    }
  }
  return kind;
}

function checkArrayValue(r: WireReader, end: number, depth: number): void {
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const e = lenEnd(r, end);
      checkAnyValue(r, e, depth);
    } else if (tag >>> 3 === 1) throw INVALID;
    else skipUnknown(r, tag & 7, end);
  }
}

function checkKeyValueList(r: WireReader, end: number, depth: number): void {
  let entries = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const e = lenEnd(r, end);
      if (++entries > MAX_ATTRIBUTES) throw INVALID;
      checkKeyValue(r, e, depth);
    } else if (tag >>> 3 === 1) throw INVALID;
    else skipUnknown(r, tag & 7, end);
  }
}

/** A Span.Event at [r.pos, end). */
export function checkEvent(r: WireReader, end: number): void {
  let attributes = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | WIRE_I64: // time_unix_nano
        checkTime(r, end);
        break;
      case (2 << 3) | WIRE_LEN: // name
        r.pos = lenEnd(r, end);
        break;
      case (3 << 3) | WIRE_LEN: {
        const e = lenEnd(r, end);
        if (++attributes > MAX_ATTRIBUTES) throw INVALID;
        checkKeyValue(r, e, 0);
        break;
      }
      case (4 << 3) | WIRE_VARINT: // dropped_attributes_count
        skipUnknown(r, WIRE_VARINT, end);
        break;
      default: {
        const num = tag >>> 3;
        if (num >= 1 && num <= 4) throw INVALID;
        skipUnknown(r, tag & 7, end);
      }
    }
  }
}

/** A Span.Link at [r.pos, end): ids of their exact lengths. */
export function checkLink(r: WireReader, end: number): void {
  let attributes = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | WIRE_LEN: {
        const e = lenEnd(r, end);
        if (e - r.pos !== 16) throw INVALID;
        r.pos = e;
        break;
      }
      case (2 << 3) | WIRE_LEN: {
        const e = lenEnd(r, end);
        if (e - r.pos !== 8) throw INVALID;
        r.pos = e;
        break;
      }
      case (3 << 3) | WIRE_LEN: // trace_state
        r.pos = lenEnd(r, end);
        break;
      case (4 << 3) | WIRE_LEN: {
        const e = lenEnd(r, end);
        if (++attributes > MAX_ATTRIBUTES) throw INVALID;
        checkKeyValue(r, e, 0);
        break;
      }
      case (5 << 3) | WIRE_VARINT: // dropped_attributes_count
        skipUnknown(r, WIRE_VARINT, end);
        break;
      case (6 << 3) | WIRE_I32: // flags
        r.pos += 4;
        if (r.pos > end) throw INVALID;
        break;
      default: {
        const num = tag >>> 3;
        if (num >= 1 && num <= 6) throw INVALID;
        skipUnknown(r, tag & 7, end);
      }
    }
  }
}

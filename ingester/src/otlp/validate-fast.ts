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
import { varint32, varintEnd, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './wire.ts';

/** Thrown at the first problem; preallocated, since it carries nothing. */
export const INVALID = new Error('invalid OTLP protobuf (fast pass)');

// Every function here reads `buf` from a position it is given, bounded by the `end` of the message
// being read, and keeps its position in a local: no reader object is loaded and stored per byte. Where
// a read has two results, the second (the position after a varint, a payload's start) is left in
// `next`, a register of this module, so nothing is allocated for it.

/** Where the last length or tag read by this module ended: a payload's start after lenEnd. */
export let next = 0;

/** varint32 (wire.ts) with its end in `next`. */
export function varint(buf: Buffer, pos: number, end: number): number {
  const v = varint32(buf, pos, end);
  next = varintEnd;
  return v;
}

/** Reads a length at pos; the payload starts at `next` and ends at the returned offset, within `end`. */
export function lenEnd(buf: Buffer, pos: number, end: number): number {
  // Lengths of one byte (most fields) and two (up to 16 KiB: prompts, completions) are read here.
  let len = pos < end ? (buf[pos] as number) : 0x80;
  if (len < 0x80) next = pos + 1;
  else if (pos + 1 < end && (buf[pos + 1] as number) < 0x80) {
    len = (len & 0x7f) | ((buf[pos + 1] as number) << 7);
    next = pos + 2;
  } else len = varint(buf, pos, end);
  const e = next + len;
  if (e > end) throw INVALID;
  return e;
}

/** Skips a field of a number the message does not define (unknown fields pass through); returns its end. */
export function skipUnknown(buf: Buffer, pos: number, wire: number, end: number): number {
  switch (wire) {
    case WIRE_VARINT:
      while (true) {
        if (pos >= end) throw INVALID;
        if ((buf[pos++] as number) < 0x80) return pos;
      }
    case WIRE_I64:
      pos += 8;
      break;
    case WIRE_LEN:
      return lenEnd(buf, pos, end);
    case WIRE_I32:
      pos += 4;
      break;
    default:
      throw INVALID;
  }
  if (pos > end) throw INVALID;
  return pos;
}

/** Checks that the fixed64 nanoseconds at pos fit an int64; returns the position after them. */
export function checkTime(buf: Buffer, pos: number, end: number): number {
  if (pos + 8 > end) throw INVALID;
  // Beyond 2^63 - 1 exactly when the top bit of the little-endian fixed64 is set.
  if ((buf[pos + 7] as number) >= 0x80) throw INVALID;
  return pos + 8;
}

// Prefixes as plain arrays of byte values: indexed in a loop with no typed-array length getter (this
// runs for every attribute key).
const bytes = (s: string): number[] => [...Buffer.from(s, 'latin1')];
/** The GenAI prefixes by their first byte, so a key is compared with at most the one or two that can match. */
const GENAI_BY_FIRST_BYTE: (number[][] | undefined)[] = [];
for (const p of GENAI_KEY_PREFIXES.map(bytes)) {
  const first = p[0] as number;
  GENAI_BY_FIRST_BYTE[first] = [...(GENAI_BY_FIRST_BYTE[first] ?? []), p];
}
const KODER = bytes('koder.');
const ERROR_TYPE = bytes('error.type');

/** Whether [start, end) of buf begins with `prefix`; its first byte is known to match. */
function hasPrefix(buf: Buffer, start: number, end: number, prefix: readonly number[]): boolean {
  const n = prefix.length;
  if (end - start < n) return false;
  for (let i = 1; i < n; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}

/** Classifies an attribute key by its bytes (no string is made): GenAI, error.type, koder.*. */
export function keyClass(buf: Buffer, s: number, e: number): number {
  if (s >= e) return 0;
  const first = buf[s] as number;
  const genai = GENAI_BY_FIRST_BYTE[first];
  if (genai !== undefined) {
    for (let i = 0; i < genai.length; i++) if (hasPrefix(buf, s, e, genai[i] as number[])) return KEY_GENAI;
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

// Tags are literals, field number << 3 | wire type, named beside them: V8 makes a switch over literal
// cases a jump table, measurably faster here than cases it must compute.
const KEY_TAG = 0x0a; // key (1, LEN)
const VALUE_TAG = 0x12; // value (2, LEN)

/**
 * Where the span attributes checked with `record` lie, five numbers each: key start and end, value
 * start and end (-1 when absent; the last of each, as decoding takes) and the value's kind (the number
 * of its last field). So a span's attributes are read later without walking them again
 * (normalise/raw-attributes.ts). WireSpan's recordAttributes resets `recorded.length`.
 */
export const recorded = { bounds: [] as number[], length: 0 };

/** The tag at pos (pos < end); `next` is after it. Almost every tag is one byte; Span.flags's, two. */
export function tagAt(buf: Buffer, pos: number, end: number): number {
  const b = buf[pos] as number;
  if (b < 0x80) {
    next = pos + 1;
    return b;
  }
  if (pos + 1 < end && (buf[pos + 1] as number) < 0x80) {
    next = pos + 2;
    return (b & 0x7f) | ((buf[pos + 1] as number) << 7);
  }
  return varint(buf, pos, end);
}

/**
 * The KeyValue at [pos, end). Returns the KEY_* classes of its key (of every key field, should a
 * sender repeat it: the last one wins when decoded, so none may hide). `record`: add where it lies to
 * `recorded`.
 */
export function checkKeyValue(buf: Buffer, pos: number, end: number, depth: number, record = false): number {
  let classes = 0;
  let keyStart = -1;
  let keyEnd = -1;
  let valueStart = -1;
  let valueEnd = -1;
  let kind = 0;
  while (pos < end) {
    const tag = tagAt(buf, pos, end);
    pos = next;
    if (tag === KEY_TAG) {
      const e = lenEnd(buf, pos, end);
      pos = next;
      if (e - pos > MAX_KEY_BYTES) throw INVALID;
      classes |= keyClass(buf, pos, e);
      keyStart = pos;
      keyEnd = e;
      pos = e;
    } else if (tag === VALUE_TAG) {
      const e = lenEnd(buf, pos, end);
      valueStart = next;
      valueEnd = e;
      kind = oneScalar(buf, valueStart, e);
      if (kind === 0) kind = checkAnyValue(buf, valueStart, e, depth);
      pos = e;
    } else {
      const num = tag >>> 3;
      if (num === 1 || num === 2) throw INVALID; // a known field with another wire type
      pos = skipUnknown(buf, pos, tag & 7, end);
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
 * The kind of the AnyValue at [pos, end) when it is a lone string or int field, as most attribute
 * values are; else 0, and checkAnyValue reads it. Spares a call per attribute.
 */
function oneScalar(buf: Buffer, pos: number, end: number): number {
  if (pos >= end) return 0;
  const tag = buf[pos] as number;
  if (tag === 0x0a) return lenEnd(buf, pos + 1, end) === end ? 1 : 0; // string_value (1, LEN)
  if (tag === 0x18) return skipUnknown(buf, pos + 1, WIRE_VARINT, end) === end ? 3 : 0; // int_value (3, VARINT)
  return 0;
}

/**
 * The AnyValue at [pos, end); its arrays and lists are one level deeper than `depth`. Returns the
 * number of its last field: which value it holds (0 if none).
 */
function checkAnyValue(buf: Buffer, pos: number, end: number, depth: number): number {
  let kind = 0;
  while (pos < end) {
    const tag = tagAt(buf, pos, end);
    pos = next;
    kind = tag >>> 3;
    switch (tag) {
      case 0x0a: // string_value (1, LEN)
      case 0x3a: // bytes_value (7, LEN)
        pos = lenEnd(buf, pos, end);
        break;
      case 0x10: // bool_value (2, VARINT)
      case 0x18: // int_value (3, VARINT)
        pos = skipUnknown(buf, pos, WIRE_VARINT, end);
        break;
      case 0x21: // double_value (4, I64)
        pos += 8;
        if (pos > end) throw INVALID;
        break;
      case 0x2a: {
        // array_value (5, LEN)
        const e = lenEnd(buf, pos, end);
        if (depth + 1 > MAX_VALUE_DEPTH) throw INVALID;
        checkArrayValue(buf, next, e, depth + 1);
        pos = e;
        break;
      }
      case 0x32: {
        // kvlist_value (6, LEN)
        const e = lenEnd(buf, pos, end);
        if (depth + 1 > MAX_VALUE_DEPTH) throw INVALID;
        checkKeyValueList(buf, next, e, depth + 1);
        pos = e;
        break;
      }
      default: {
        const num = tag >>> 3;
        if (num >= 1 && num <= 7) throw INVALID;
        pos = skipUnknown(buf, pos, tag & 7, end);
      }
    }
  }
  return kind;
}

function checkArrayValue(buf: Buffer, pos: number, end: number, depth: number): void {
  while (pos < end) {
    const tag = tagAt(buf, pos, end);
    pos = next;
    if (tag === 0x0a) {
      // values (1, LEN)
      const e = lenEnd(buf, pos, end);
      checkAnyValue(buf, next, e, depth);
      pos = e;
    } else if (tag >>> 3 === 1) throw INVALID;
    else pos = skipUnknown(buf, pos, tag & 7, end);
  }
}

function checkKeyValueList(buf: Buffer, pos: number, end: number, depth: number): void {
  let entries = 0;
  while (pos < end) {
    const tag = tagAt(buf, pos, end);
    pos = next;
    if (tag === 0x0a) {
      // values (1, LEN)
      const e = lenEnd(buf, pos, end);
      if (++entries > MAX_ATTRIBUTES) throw INVALID;
      checkKeyValue(buf, next, e, depth);
      pos = e;
    } else if (tag >>> 3 === 1) throw INVALID;
    else pos = skipUnknown(buf, pos, tag & 7, end);
  }
}

/** The Span.Event at [pos, end). */
export function checkEvent(buf: Buffer, pos: number, end: number): void {
  let attributes = 0;
  while (pos < end) {
    const tag = tagAt(buf, pos, end);
    pos = next;
    switch (tag) {
      case 0x09: // time_unix_nano (1, I64)
        pos = checkTime(buf, pos, end);
        break;
      case 0x12: // name (2, LEN)
        pos = lenEnd(buf, pos, end);
        break;
      case 0x1a: {
        // attributes (3, LEN)
        const e = lenEnd(buf, pos, end);
        if (++attributes > MAX_ATTRIBUTES) throw INVALID;
        checkKeyValue(buf, next, e, 0);
        pos = e;
        break;
      }
      case 0x20: // dropped_attributes_count (4, VARINT)
        pos = skipUnknown(buf, pos, WIRE_VARINT, end);
        break;
      default: {
        const num = tag >>> 3;
        if (num >= 1 && num <= 4) throw INVALID;
        pos = skipUnknown(buf, pos, tag & 7, end);
      }
    }
  }
}

/** The Span.Link at [pos, end): ids of their exact lengths. */
export function checkLink(buf: Buffer, pos: number, end: number): void {
  let attributes = 0;
  while (pos < end) {
    const tag = tagAt(buf, pos, end);
    pos = next;
    switch (tag) {
      case 0x0a: {
        // trace_id (1, LEN)
        const e = lenEnd(buf, pos, end);
        if (e - next !== 16) throw INVALID;
        pos = e;
        break;
      }
      case 0x12: {
        // span_id (2, LEN)
        const e = lenEnd(buf, pos, end);
        if (e - next !== 8) throw INVALID;
        pos = e;
        break;
      }
      case 0x1a: // trace_state (3, LEN)
        pos = lenEnd(buf, pos, end);
        break;
      case 0x22: {
        // attributes (4, LEN)
        const e = lenEnd(buf, pos, end);
        if (++attributes > MAX_ATTRIBUTES) throw INVALID;
        checkKeyValue(buf, next, e, 0);
        pos = e;
        break;
      }
      case 0x28: // dropped_attributes_count (5, VARINT)
        pos = skipUnknown(buf, pos, WIRE_VARINT, end);
        break;
      case 0x35: // flags (6, I32)
        pos += 4;
        if (pos > end) throw INVALID;
        break;
      default: {
        const num = tag >>> 3;
        if (num >= 1 && num <= 6) throw INVALID;
        pos = skipUnknown(buf, pos, tag & 7, end);
      }
    }
  }
}

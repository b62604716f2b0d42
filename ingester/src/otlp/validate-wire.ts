// Checks, without decoding values, that the parts of a protobuf request the ingester passes on as bytes
// (a span's attributes, events, links and status; a scope; a resource's unknown fields) are well formed:
// every length inside its message, every known field with its declared wire type (as Go's protobuf
// decoders in Tempo and the Collector require), values nested no deeper than MAX_VALUE_DEPTH, attribute
// lists and keys within their limits, times within int64. Strings are skipped by length, so the cost is
// one pass over the field headers. The first problem found is thrown, naming its path.
import { OtlpDecodeError } from './decode-error.ts';
import { MAX_ATTRIBUTES, MAX_KEY_BYTES, MAX_TIME_NS, MAX_VALUE_DEPTH } from './limits.ts';
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireError, WireReader } from './wire.ts';

/** A field of a message: its wire type and, for LEN fields, how to check its payload. */
interface Field {
  name: string;
  wire: number;
  /** A nested message to walk. */
  message?: Message;
  /** Repeated: errors name the entry's index. */
  repeated?: boolean;
  /** Length a bytes field must have (ids). */
  bytes?: number;
  /** Most bytes a field may have (keys). */
  maxBytes?: number;
  /** A fixed64 holding nanoseconds. */
  time?: boolean;
  /** Entries of an attribute list (counted), or a container value (one nesting level deeper). */
  role?: 'attribute' | 'container';
}
/** Fields by number: an array, so finding a field is an indexed read. */
type Message = (Field | undefined)[];
const fields = (byNumber: Record<number, Field>): Message => Object.assign([], byNumber);

// Every field has every property, in one order: one object shape keeps the walk's property reads fast.
const f = (name: string, wire: number, more: Omit<Field, 'name' | 'wire'> = {}): Field => ({
  name,
  wire,
  message: more.message,
  repeated: more.repeated ?? false,
  bytes: more.bytes,
  maxBytes: more.maxBytes,
  time: more.time ?? false,
  role: more.role,
});

// opentelemetry/proto/common/v1/common.proto
const ANY_VALUE: Message = [];
const KEY_VALUE: Message = fields({
  1: f('key', WIRE_LEN, { maxBytes: MAX_KEY_BYTES }),
  2: f('value', WIRE_LEN, { message: ANY_VALUE }),
});
const ARRAY_VALUE: Message = fields({ 1: f('values', WIRE_LEN, { message: ANY_VALUE, repeated: true }) });
const KEY_VALUE_LIST: Message = fields({
  1: f('values', WIRE_LEN, { message: KEY_VALUE, repeated: true, role: 'attribute' }),
});
Object.assign(ANY_VALUE, {
  1: f('string_value', WIRE_LEN),
  2: f('bool_value', WIRE_VARINT),
  3: f('int_value', WIRE_VARINT),
  4: f('double_value', WIRE_I64),
  5: f('array_value', WIRE_LEN, { message: ARRAY_VALUE, role: 'container' }),
  6: f('kvlist_value', WIRE_LEN, { message: KEY_VALUE_LIST, role: 'container' }),
  7: f('bytes_value', WIRE_LEN),
});
const ATTRIBUTES = f('attributes', WIRE_LEN, { message: KEY_VALUE, repeated: true, role: 'attribute' });

// opentelemetry/proto/resource/v1/resource.proto (entity_refs, OTLP 1.8, passed through as framed)
export const RESOURCE: Message = fields({
  1: ATTRIBUTES,
  2: f('dropped_attributes_count', WIRE_VARINT),
  3: f('entity_refs', WIRE_LEN),
});
export const SCOPE: Message = fields({
  1: f('name', WIRE_LEN),
  2: f('version', WIRE_LEN),
  3: ATTRIBUTES,
  4: f('dropped_attributes_count', WIRE_VARINT),
});

// opentelemetry/proto/trace/v1/trace.proto
const EVENT: Message = fields({
  1: f('time_unix_nano', WIRE_I64, { time: true }),
  2: f('name', WIRE_LEN),
  3: ATTRIBUTES,
  4: f('dropped_attributes_count', WIRE_VARINT),
});
const LINK: Message = fields({
  1: f('trace_id', WIRE_LEN, { bytes: 16 }),
  2: f('span_id', WIRE_LEN, { bytes: 8 }),
  3: f('trace_state', WIRE_LEN),
  4: ATTRIBUTES,
  5: f('dropped_attributes_count', WIRE_VARINT),
  6: f('flags', WIRE_I32),
});
const STATUS: Message = fields({ 2: f('message', WIRE_LEN), 3: f('code', WIRE_VARINT) });
export const SPAN: Message = fields({
  1: f('trace_id', WIRE_LEN),
  2: f('span_id', WIRE_LEN),
  3: f('trace_state', WIRE_LEN),
  4: f('parent_span_id', WIRE_LEN),
  5: f('name', WIRE_LEN),
  6: f('kind', WIRE_VARINT),
  7: f('start_time_unix_nano', WIRE_I64, { time: true }),
  8: f('end_time_unix_nano', WIRE_I64, { time: true }),
  9: ATTRIBUTES,
  10: f('dropped_attributes_count', WIRE_VARINT),
  11: f('events', WIRE_LEN, { message: EVENT, repeated: true }),
  12: f('dropped_events_count', WIRE_VARINT),
  13: f('links', WIRE_LEN, { message: LINK, repeated: true }),
  14: f('dropped_links_count', WIRE_VARINT),
  15: f('status', WIRE_LEN, { message: STATUS }),
  16: f('flags', WIRE_I32),
});

/**
 * Where the walk is: the message's name, then each nested field entered with its entry index (-1 for
 * a singular field). Kept as values and turned into text only when a problem is reported: building
 * the text for every attribute walked cost a quarter of the hot path.
 */
interface Path {
  where: string;
  fields: Field[];
  indices: number[];
}

/** Thrown by the fast pass at the first problem; the walk is then run again to say where and why. */
const INVALID = new Error('invalid');

function fail(path: Path | undefined, field: Field | undefined, what: () => string): never {
  if (!path) throw INVALID;
  let at = path.where;
  path.fields.forEach((f, i) => {
    const index = path.indices[i] as number;
    at += index < 0 ? `.${f.name}` : `.${f.name}[${index}]`;
  });
  throw new OtlpDecodeError(`${at}${field ? `.${field.name}` : ''}: ${what()}`);
}

/**
 * Walks the message from r.pos to end (r is shared by every level; each level restores it). Without
 * a path it is the fast pass: nothing is recorded, nothing allocated, the first problem throws INVALID.
 */
function walk(r: WireReader, end: number, msg: Message, path: Path | undefined, depth: number): void {
  let counts: number[] | undefined; // with a path: entries seen per repeated field, for its index
  let attributes = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const num = tag >>> 3;
    const wire = tag & 7;
    const field = msg[num];
    if (!field) {
      r.skip(wire); // unknown fields are allowed and passed through
      continue;
    }
    if (wire !== field.wire)
      fail(path, field, () => `field ${num} has wire type ${wire}, expected ${field.wire}`);
    if (field.time) {
      if (r.pos + 8 > end) throw new WireError('truncated fixed64');
      // Beyond 2^63 - 1 exactly when the top bit of the little-endian fixed64 is set.
      if ((r.buf[r.pos + 7] as number) >= 0x80) {
        const ns = r.buf.readBigUInt64LE(r.pos);
        fail(path, field, () => `${ns} is beyond ${MAX_TIME_NS} ns (the year 2262)`);
      }
    }
    if (wire !== WIRE_LEN) {
      r.skip(wire);
      continue;
    }
    const s = r.payload(); // no tuple allocated per field: this runs for every attribute
    const e = r.pos;
    if (field.bytes !== undefined && e - s !== field.bytes)
      fail(path, field, () => `must be ${field.bytes} bytes, got ${e - s}`);
    if (field.maxBytes !== undefined && e - s > field.maxBytes)
      fail(path, field, () => `longer than ${field.maxBytes} bytes`);
    if (!field.message) continue;
    if (field.role === 'attribute' && ++attributes > MAX_ATTRIBUTES)
      fail(path, field, () => `more than ${MAX_ATTRIBUTES} attributes`);
    const d = field.role === 'container' ? depth + 1 : depth;
    if (path) {
      let index = -1;
      if (field.repeated) {
        counts ??= [];
        index = counts[num] ?? 0;
        counts[num] = index + 1;
      }
      path.fields.push(field);
      path.indices.push(index);
    }
    if (d > MAX_VALUE_DEPTH)
      fail(path, undefined, () => `values nested deeper than ${MAX_VALUE_DEPTH} levels`);
    r.pos = s;
    walk(r, e, field.message, path, d);
    r.pos = e;
    if (path) {
      path.fields.pop();
      path.indices.pop();
    }
  }
  if (r.pos !== end) throw new WireError('field runs beyond the end of its message');
}

/**
 * Checks the message at [start, end) of buf against `msg`; `where` names it in errors. Malformed
 * framing is reported as an OtlpDecodeError too.
 */
export function checkWire(buf: Buffer, start: number, end: number, msg: Message, where: string): void {
  try {
    walk(new WireReader(buf, start, end), end, msg, undefined, 0);
    return;
  } catch (err) {
    if (err !== INVALID && !(err instanceof WireError)) throw err;
  }
  explainWire(buf, start, end, msg, where);
}

/**
 * A fast pass found the message at [start, end) wrong: walks it again, this time keeping the path, to
 * throw an OtlpDecodeError that says where and what. `cause` (the fast pass's WireError, if any) is
 * reported should this walk find nothing: some framing only the fast pass reads (a 10-byte varint
 * where a number is read) is refused there.
 */
export function explainWire(
  buf: Buffer,
  start: number,
  end: number,
  msg: Message,
  where: string,
  cause?: unknown,
): never {
  try {
    walk(new WireReader(buf, start, end), end, msg, { where, fields: [], indices: [] }, 0);
  } catch (err) {
    if (err instanceof WireError) throw new OtlpDecodeError(`${where}: malformed protobuf: ${err.message}`);
    throw err;
  }
  const detail = cause instanceof WireError ? `: ${cause.message}` : '';
  throw new OtlpDecodeError(`${where}: malformed protobuf${detail}`);
}

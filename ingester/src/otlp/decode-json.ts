// OTLP/JSON ExportTraceServiceRequest → TraceBatch, following the OTLP JSON rules: trace and span ids
// are hex (not base64), enums are integers (names accepted too), 64-bit integers are decimal strings
// (numbers accepted), bytes values are base64, unknown fields are ignored. Field names are
// lowerCamelCase; the proto names (snake_case) are accepted as protobuf's JSON mapping requires.
import { OtlpDecodeError } from './decode-error.ts';
import { encodeEvent, encodeLink, encodeScope } from './encode-parts.ts';
import {
  checkAttributeCount,
  checkDepth,
  checkIds,
  checkKeyLength,
  checkKoderAttributes,
  checkTime,
  MAX_INT64,
  MIN_INT64,
} from './limits.ts';
import type { AnyValue, Attribute, ResourceSpans, ScopeSpans, Span } from './model.ts';

type Json = Record<string, unknown>;
const EMPTY = new Uint8Array(0);

function field(o: Json, camel: string, snake?: string): unknown {
  const v = o[camel];
  return v !== undefined || !snake ? v : o[snake];
}

function obj(v: unknown, where: string): Json {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new OtlpDecodeError(`${where}: expected an object`);
  return v as Json;
}

function arr(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${where}: expected an array`);
  return v;
}

function str(v: unknown, where: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new OtlpDecodeError(`${where}: expected a string`);
  return v;
}

function u32(v: unknown, where: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new OtlpDecodeError(`${where}: expected an unsigned 32-bit integer`);
  }
  return n;
}

function enumValue(v: unknown, names: Record<string, number>, where: string): number {
  // Own keys only: "constructor" or "toString" must not find Object.prototype's members.
  if (typeof v === 'string' && Object.hasOwn(names, v)) return names[v] as number;
  return u32(v, where);
}

const INT64 = /^-?\d+$/;

/** A decimal string (or, as the spec also allows, a JSON number) of at most 20 digits, as a bigint. */
function integer(v: unknown): bigint | undefined {
  if (typeof v === 'string' && v.length <= 21 && INT64.test(v)) return BigInt(v);
  // Numbers beyond 2^53 were already rounded by JSON.parse; the spec still asks us to accept them.
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return undefined;
}

function int64(v: unknown, where: string): bigint {
  if (v === undefined || v === null) return 0n;
  const n = integer(v);
  // Out of range is refused, never wrapped: 5,000 nines must not be stored as -1.
  if (n === undefined || n < MIN_INT64 || n > MAX_INT64)
    throw new OtlpDecodeError(`${where}: expected a signed 64-bit integer (decimal string or number)`);
  return n;
}

/** Nanoseconds since 1970 (fixed64 on the wire), within what storage keeps (int64). */
function timeNs(v: unknown, where: string): bigint {
  if (v === undefined || v === null) return 0n;
  const n = integer(v);
  if (n === undefined || n < 0n)
    throw new OtlpDecodeError(
      `${where}: expected nanoseconds as an unsigned integer (decimal string or number)`,
    );
  checkTime(n, where);
  return n;
}

const HEX = /^[0-9a-fA-F]*$/;

// OTLP/JSON ids are hex; Tempo's query API returns protobuf-JSON with base64 ids instead.
type IdEncoding = 'hex' | 'base64';

function decodeId(v: unknown, bytes: number, optional: boolean, ids: IdEncoding, where: string): Uint8Array {
  const s = str(v, where);
  if (s === '' && optional) return EMPTY;
  if (ids === 'base64') {
    const b = Buffer.from(s, 'base64');
    if (b.length !== bytes)
      throw new OtlpDecodeError(
        `${where}: expected ${bytes} bytes of base64, got ${JSON.stringify(s.slice(0, 64))}`,
      );
    return b;
  }
  if (s.length !== bytes * 2 || !HEX.test(s)) {
    throw new OtlpDecodeError(
      `${where}: expected ${bytes * 2} hex digits, got ${JSON.stringify(s.slice(0, 64))}`,
    );
  }
  return Buffer.from(s, 'hex');
}

function anyValue(v: unknown, where: string, depth: number): AnyValue {
  const o = obj(v, where);
  if ('stringValue' in o || 'string_value' in o) return str(field(o, 'stringValue', 'string_value'), where);
  if ('boolValue' in o || 'bool_value' in o) {
    const b = field(o, 'boolValue', 'bool_value');
    if (typeof b !== 'boolean') throw new OtlpDecodeError(`${where}.boolValue: expected a boolean`);
    return b;
  }
  if ('intValue' in o || 'int_value' in o)
    return int64(field(o, 'intValue', 'int_value'), `${where}.intValue`);
  if ('doubleValue' in o || 'double_value' in o) {
    const d = field(o, 'doubleValue', 'double_value');
    if (typeof d === 'number') return d;
    if (d === 'NaN' || d === 'Infinity' || d === '-Infinity') return Number(d);
    throw new OtlpDecodeError(`${where}.doubleValue: expected a number`);
  }
  if ('bytesValue' in o || 'bytes_value' in o)
    return Buffer.from(str(field(o, 'bytesValue', 'bytes_value'), where), 'base64');
  if ('arrayValue' in o || 'array_value' in o) {
    const values = arr(
      obj(field(o, 'arrayValue', 'array_value'), where).values,
      `${where}.arrayValue.values`,
    );
    checkDepth(depth + 1, `${where}.arrayValue`);
    return values.map((x, i) => anyValue(x, `${where}.arrayValue.values[${i}]`, depth + 1));
  }
  if ('kvlistValue' in o || 'kvlist_value' in o) {
    const values = obj(field(o, 'kvlistValue', 'kvlist_value'), where).values;
    checkDepth(depth + 1, `${where}.kvlistValue`);
    return { kvlist: attributes(values, `${where}.kvlistValue.values`, depth + 1) };
  }
  return null;
}

function attributes(v: unknown, where: string, depth = 0): Attribute[] {
  const list = arr(v, where);
  checkAttributeCount(list.length, where);
  return list.map((kv, i) => {
    const o = obj(kv, `${where}[${i}]`);
    const key = str(o.key, `${where}[${i}].key`);
    checkKeyLength(Buffer.byteLength(key), `${where}[${i}]`);
    return { key, value: anyValue(o.value, `${where}[${i}].value`, depth) };
  });
}

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

function span(v: unknown, ids: IdEncoding, where: string): Span {
  const o = obj(v, where);
  const status = obj(o.status, `${where}.status`);
  const droppedAttributes = field(o, 'droppedAttributesCount', 'dropped_attributes_count');
  const out: Span = {
    raw: null,
    traceId: decodeId(field(o, 'traceId', 'trace_id'), 16, false, ids, `${where}.traceId`),
    spanId: decodeId(field(o, 'spanId', 'span_id'), 8, false, ids, `${where}.spanId`),
    parentSpanId: decodeId(field(o, 'parentSpanId', 'parent_span_id'), 8, true, ids, `${where}.parentSpanId`),
    traceState: str(field(o, 'traceState', 'trace_state'), `${where}.traceState`),
    flags: u32(o.flags, `${where}.flags`),
    name: str(o.name, `${where}.name`),
    kind: enumValue(o.kind, SPAN_KINDS, `${where}.kind`),
    startTimeUnixNano: timeNs(
      field(o, 'startTimeUnixNano', 'start_time_unix_nano'),
      `${where}.startTimeUnixNano`,
    ),
    endTimeUnixNano: timeNs(field(o, 'endTimeUnixNano', 'end_time_unix_nano'), `${where}.endTimeUnixNano`),
    attributes: attributes(o.attributes, `${where}.attributes`),
    droppedAttributesCount: u32(droppedAttributes, `${where}.droppedAttributesCount`),
    events: arr(o.events, `${where}.events`).map((e, i) => {
      const ev = obj(e, `${where}.events[${i}]`);
      const w = `${where}.events[${i}]`;
      return encodeEvent({
        timeUnixNano: timeNs(field(ev, 'timeUnixNano', 'time_unix_nano'), `${w}.timeUnixNano`),
        name: str(ev.name, `${w}.name`),
        attributes: attributes(ev.attributes, `${w}.attributes`),
        droppedAttributesCount: u32(field(ev, 'droppedAttributesCount', 'dropped_attributes_count'), w),
      });
    }),
    droppedEventsCount: u32(
      field(o, 'droppedEventsCount', 'dropped_events_count'),
      `${where}.droppedEventsCount`,
    ),
    links: arr(o.links, `${where}.links`).map((l, i) => {
      const lk = obj(l, `${where}.links[${i}]`);
      const w = `${where}.links[${i}]`;
      return encodeLink({
        traceId: decodeId(field(lk, 'traceId', 'trace_id'), 16, false, ids, `${w}.traceId`),
        spanId: decodeId(field(lk, 'spanId', 'span_id'), 8, false, ids, `${w}.spanId`),
        traceState: str(field(lk, 'traceState', 'trace_state'), `${w}.traceState`),
        attributes: attributes(lk.attributes, `${w}.attributes`),
        droppedAttributesCount: u32(field(lk, 'droppedAttributesCount', 'dropped_attributes_count'), w),
        flags: u32(lk.flags, `${w}.flags`),
      });
    }),
    droppedLinksCount: u32(
      field(o, 'droppedLinksCount', 'dropped_links_count'),
      `${where}.droppedLinksCount`,
    ),
    status: {
      code: enumValue(status.code, STATUS_CODES, `${where}.status.code`),
      message: str(status.message, `${where}.status.message`),
    },
    unknown: [],
  };
  checkIds(out.traceId, out.spanId, out.parentSpanId.length, where);
  checkKoderAttributes(out, where);
  return out;
}

function scopeSpans(v: unknown, ids: IdEncoding, where: string): ScopeSpans {
  const o = obj(v, where);
  const sc = obj(o.scope, `${where}.scope`);
  const fields = {
    name: str(sc.name, `${where}.scope.name`),
    version: str(sc.version, `${where}.scope.version`),
    attributes: attributes(sc.attributes, `${where}.scope.attributes`),
    droppedAttributesCount: u32(field(sc, 'droppedAttributesCount', 'dropped_attributes_count'), where),
  };
  return {
    scope: { raw: encodeScope(fields), name: fields.name, version: fields.version },
    spans: arr(o.spans, `${where}.spans`).map((s, i) => span(s, ids, `${where}.spans[${i}]`)),
    schemaUrl: str(field(o, 'schemaUrl', 'schema_url'), `${where}.schemaUrl`),
  };
}

function resourceSpans(v: unknown, ids: IdEncoding, where: string): ResourceSpans {
  const o = obj(v, where);
  const res = obj(o.resource, `${where}.resource`);
  return {
    resource: {
      attributes: attributes(res.attributes, `${where}.resource.attributes`),
      droppedAttributesCount: u32(field(res, 'droppedAttributesCount', 'dropped_attributes_count'), where),
      unknown: [],
    },
    scopeSpans: arr(field(o, 'scopeSpans', 'scope_spans'), `${where}.scopeSpans`).map((s, i) =>
      scopeSpans(s, ids, `${where}.scopeSpans[${i}]`),
    ),
    schemaUrl: str(field(o, 'schemaUrl', 'schema_url'), `${where}.schemaUrl`),
  };
}

export function decodeTraceRequestJson(
  body: Buffer | string,
  opts: { ids?: IdEncoding } = {},
): { resourceSpans: ResourceSpans[] } {
  const ids = opts.ids ?? 'hex';
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (err) {
    throw new OtlpDecodeError(`malformed JSON: ${(err as Error).message}`);
  }
  return decodeTraceRequestValue(parsed, { ids });
}

/** The same for a request already parsed from JSON (a reader that got it inside a larger answer). */
export function decodeTraceRequestValue(
  parsed: unknown,
  opts: { ids?: IdEncoding } = {},
): { resourceSpans: ResourceSpans[] } {
  const ids = opts.ids ?? 'hex';
  const o = obj(parsed, 'request');
  const list = arr(field(o, 'resourceSpans', 'resource_spans'), 'resourceSpans');
  return { resourceSpans: list.map((rs, i) => resourceSpans(rs, ids, `resourceSpans[${i}]`)) };
}

// What a span must satisfy to be accepted, shared by the protobuf and JSON decoders: a span that passes
// is storable and exportable, so the ingester never acknowledges data that storage will refuse later.
// Each rule names the field it failed on (sent back as 400 / INVALID_ARGUMENT). docs/ingester.md lists
// these limits.
import { OtlpDecodeError } from './decode-error.ts';
import { type AnyValue, getAttribute, KEY_KODER, type Span, spanMayHaveKeys } from './model.ts';

/** Array and key/value-list values nested deeper than this are refused (stores and JSON readers have limits too). */
export const MAX_VALUE_DEPTH = 64;
/** Attributes in one list (a resource's, scope's, span's, event's or link's). */
export const MAX_ATTRIBUTES = 4096;
/** Bytes in one attribute key. */
export const MAX_KEY_BYTES = 1024;
/** Times are nanoseconds since 1970 that must fit a signed 64-bit integer (until the year 2262). */
export const MAX_TIME_NS = 2n ** 63n - 1n;
export const MIN_INT64 = -(2n ** 63n);
export const MAX_INT64 = 2n ** 63n - 1n;

/** The rating a rating span carries, in [0, 1] (docs/query.md). */
export const RATING_SCORE = 'koder.rating.score';

export function checkTime(v: bigint, where: string): void {
  if (v > MAX_TIME_NS)
    throw new OtlpDecodeError(`${where}: ${v} is beyond ${MAX_TIME_NS} ns (the year 2262); send nanoseconds`);
}

export function checkKeyLength(bytes: number, where: string): void {
  if (bytes > MAX_KEY_BYTES) throw new OtlpDecodeError(`${where}.key: longer than ${MAX_KEY_BYTES} bytes`);
}

export function checkAttributeCount(n: number, where: string): void {
  if (n > MAX_ATTRIBUTES) throw new OtlpDecodeError(`${where}: more than ${MAX_ATTRIBUTES} attributes`);
}

export function checkDepth(depth: number, where: string): void {
  if (depth > MAX_VALUE_DEPTH)
    throw new OtlpDecodeError(`${where}: values nested deeper than ${MAX_VALUE_DEPTH} levels`);
}

function isZero(id: Uint8Array): boolean {
  for (const b of id) if (b !== 0) return false;
  return true;
}

/** Trace and span ids: the right length and not all zero (the OTLP specification calls those invalid). */
export function checkIds(traceId: Uint8Array, spanId: Uint8Array, parent: number, where: string): void {
  if (traceId.length !== 16)
    throw new OtlpDecodeError(`${where}.trace_id: must be 16 bytes, got ${traceId.length}`);
  if (spanId.length !== 8)
    throw new OtlpDecodeError(`${where}.span_id: must be 8 bytes, got ${spanId.length}`);
  if (parent !== 0 && parent !== 8)
    throw new OtlpDecodeError(`${where}.parent_span_id: must be empty or 8 bytes, got ${parent}`);
  if (isZero(traceId))
    throw new OtlpDecodeError(`${where}.trace_id: all zero, which is not a valid trace id`);
  if (isZero(spanId)) throw new OtlpDecodeError(`${where}.span_id: all zero, which is not a valid span id`);
}

function ratingScore(v: AnyValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/**
 * The attributes Koder Trace itself gives meaning to (a rating's score) must hold what they mean. Spans
 * with no koder.* key are not opened (the wire scan knows).
 */
export function checkKoderAttributes(span: Span, where: string): void {
  if (!spanMayHaveKeys(span, KEY_KODER)) return;
  const v = getAttribute(span.attributes, RATING_SCORE);
  if (v === undefined) return;
  const score = ratingScore(v);
  if (score === undefined || !(score >= 0 && score <= 1))
    throw new OtlpDecodeError(
      `${where}.attributes[${RATING_SCORE}]: a rating score must be a number from 0 to 1`,
    );
}

// A span as the embedded store keeps it: ids as hex, times in nanoseconds, attributes as JSON, and
// the GenAI fields the query API filters and sums pulled into their own columns.

import type { AnyValue, Attribute, Span, TraceBatch } from '@koder-trace/ingester/otlp';
import { decodeEvent, decodeLink } from '@koder-trace/ingester/otlp';
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_KODER_PROMPT_ID,
  ATTR_KODER_PROMPT_VERSION,
  ATTR_KODER_RATING_SCORE,
  ATTR_KODER_REQUEST_ID,
  ATTR_KODER_SAMPLING_ADJUSTED_COUNT,
} from '@koder-trace/ingester/semconv';
import type { GenAiFields, SpanRow } from '../model/span.ts';
import { DEFAULT_USER_ATTRIBUTES, userIdOf } from '../model/user-id.ts';
import { liftGenAi, spanMembers } from './span-view.ts';

/**
 * AnyValue as plain JSON: ints as numbers when exact (else strings), doubles that JSON cannot hold
 * (NaN, ±Infinity) as strings, bytes as base64, kvlists as objects.
 */
export function jsonValue(v: AnyValue): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v && typeof v === 'object') return attributesObject(v.kvlist);
  return v;
}

export function attributesObject(attrs: readonly Attribute[]): Record<string, unknown> {
  // No prototype: keys such as "__proto__" or "toString" are stored as the data they are.
  const out: Record<string, unknown> = Object.create(null);
  for (const a of attrs) out[a.key] = jsonValue(a.value);
  return out;
}

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? null : String(v));
const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

// GenAI content attributes arrive as JSON text; stored parsed, so reading a trace parses once.
const JSON_ATTRIBUTES = [
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
];

export function spanRow(
  tenant: string,
  resource: Record<string, unknown>,
  span: Span,
  userKeys: readonly string[] = DEFAULT_USER_ATTRIBUTES,
): SpanRow {
  const a = attributesObject(span.attributes);
  for (const k of JSON_ATTRIBUTES) {
    const v = a[k];
    if (typeof v !== 'string') continue;
    try {
      a[k] = JSON.parse(v);
    } catch {
      // not JSON: kept as text
    }
  }
  const isError = span.status.code === 2 || a['error.type'] !== undefined;
  const genAi: GenAiFields = {
    operation: text(a[ATTR_GEN_AI_OPERATION_NAME]),
    provider: text(a[ATTR_GEN_AI_PROVIDER_NAME]),
    request_model: text(a[ATTR_GEN_AI_REQUEST_MODEL]),
    response_model: text(a[ATTR_GEN_AI_RESPONSE_MODEL]),
    input_tokens: count(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS]),
    output_tokens: count(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]),
    cache_read_tokens: count(a[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]),
    cache_creation_tokens: count(a[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]),
    reasoning_tokens: count(a[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]),
    prompt_id: text(a[ATTR_KODER_PROMPT_ID]),
    prompt_version: text(a[ATTR_KODER_PROMPT_VERSION]),
    conversation_id: text(a[ATTR_GEN_AI_CONVERSATION_ID]),
  };
  const genAiView = liftGenAi(genAi, a);
  const row: SpanRow = {
    ...genAi,
    tenant,
    trace_id: hex(span.traceId),
    span_id: hex(span.spanId),
    parent_span_id: hex(span.parentSpanId),
    name: span.name,
    kind: span.kind,
    service: text(resource['service.name']) ?? '',
    start_ns: span.startTimeUnixNano,
    end_ns: span.endTimeUnixNano,
    duration_ns:
      span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n,
    status_code: span.status.code,
    status_message: span.status.message,
    trace_state: span.traceState,
    attributes: JSON.stringify(a),
    resource: JSON.stringify(resource),
    events: JSON.stringify(
      span.events.map((e) => {
        const ev = decodeEvent(e);
        return {
          name: ev.name,
          timeUnixNano: ev.timeUnixNano.toString(),
          attributes: attributesObject(ev.attributes),
        };
      }),
    ),
    links: JSON.stringify(
      span.links.map((l) => {
        const lk = decodeLink(l);
        return {
          traceId: hex(lk.traceId),
          spanId: hex(lk.spanId),
          attributes: attributesObject(lk.attributes),
        };
      }),
    ),
    view: null,
    request_id: text(a[ATTR_KODER_REQUEST_ID]),
    user_id: userIdOf(a, resource, userKeys),
    adjusted_count: count(a[ATTR_KODER_SAMPLING_ADJUSTED_COUNT]) || 1,
    is_error: isError ? 1 : 0,
    rating: Number.isFinite(a[ATTR_KODER_RATING_SCORE]) ? (a[ATTR_KODER_RATING_SCORE] as number) : null,
    rollup: 0,
  };
  row.view = spanMembers(row, genAiView);
  return row;
}

/** Every span of a batch as a row, each with its resource's attributes. */
/** The batch's spans as rows; `userKeys`: the attributes read as the user id (model/user-id.ts). */
export function* batchRows(
  tenant: string,
  batch: TraceBatch,
  userKeys: readonly string[] = DEFAULT_USER_ATTRIBUTES,
): Generator<SpanRow> {
  for (const rs of batch.resourceSpans) {
    const resource = attributesObject(rs.resource.attributes);
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans) yield spanRow(tenant, resource, span, userKeys);
  }
}

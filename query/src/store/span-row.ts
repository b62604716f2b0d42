// A span as the embedded store keeps it: ids as hex, times in nanoseconds, attributes as JSON, and
// the GenAI fields the query API filters and sums pulled into their own columns.

import type { AnyValue, Attribute, Span, TraceBatch } from '@koder-trace/ingester/otlp';
import { decodeEvent, decodeLink } from '@koder-trace/ingester/otlp';
import type { GenAiFields, SpanRow } from '../model/span.ts';
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
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.definitions',
];

export function spanRow(tenant: string, resource: Record<string, unknown>, span: Span): SpanRow {
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
    operation: text(a['gen_ai.operation.name']),
    provider: text(a['gen_ai.provider.name']),
    request_model: text(a['gen_ai.request.model']),
    response_model: text(a['gen_ai.response.model']),
    input_tokens: count(a['gen_ai.usage.input_tokens']),
    output_tokens: count(a['gen_ai.usage.output_tokens']),
    cache_read_tokens: count(a['gen_ai.usage.cache_read.input_tokens']),
    cache_creation_tokens: count(a['gen_ai.usage.cache_creation.input_tokens']),
    reasoning_tokens: count(a['gen_ai.usage.reasoning.output_tokens']),
    prompt_id: text(a['koder.prompt.id']),
    prompt_version: text(a['koder.prompt.version']),
    conversation_id: text(a['gen_ai.conversation.id']),
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
    request_id: text(a['koder.request_id']),
    adjusted_count: count(a['koder.sampling.adjusted_count']) || 1,
    is_error: isError ? 1 : 0,
    rating: Number.isFinite(a['koder.rating.score']) ? (a['koder.rating.score'] as number) : null,
    rollup: 0,
  };
  row.view = spanMembers(row, genAiView);
  return row;
}

/** Every span of a batch as a row, each with its resource's attributes. */
export function* batchRows(tenant: string, batch: TraceBatch): Generator<SpanRow> {
  for (const rs of batch.resourceSpans) {
    const resource = attributesObject(rs.resource.attributes);
    for (const ss of rs.scopeSpans) for (const span of ss.spans) yield spanRow(tenant, resource, span);
  }
}

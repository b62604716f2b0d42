// A TraceBatch (the ingester's model) as OTLP/JSON, for writing batches the ingester builds itself
// (its usage ledger spans) to the Tempo stand-in, whose write side takes JSON.
import type { AnyValue, Attribute, TraceBatch } from '@koder-trace/ingester/otlp';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function value(v: AnyValue): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'bigint') return { intValue: String(v) };
  if (typeof v === 'number') return { doubleValue: v };
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(value) } };
  if (v && typeof v === 'object') return { kvlistValue: { values: attributes(v.kvlist) } };
  return {};
}

const attributes = (list: readonly Attribute[]) => list.map((a) => ({ key: a.key, value: value(a.value) }));

export function batchJson(batch: TraceBatch): string {
  return JSON.stringify({
    resourceSpans: batch.resourceSpans.map((rs) => ({
      resource: { attributes: attributes(rs.resource.attributes) },
      scopeSpans: rs.scopeSpans.map((ss) => ({
        scope: { name: ss.scope.name, version: ss.scope.version },
        spans: ss.spans.map((s) => ({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          ...(s.parentSpanId.length ? { parentSpanId: hex(s.parentSpanId) } : {}),
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: String(s.startTimeUnixNano),
          endTimeUnixNano: String(s.endTimeUnixNano),
          attributes: attributes(s.attributes),
        })),
      })),
    })),
  });
}

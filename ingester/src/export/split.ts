// Cuts a batch into batches whose export requests stay under a byte limit (a receiver's message cap:
// Tempo's OTLP/gRPC receiver refuses messages over 4 MiB). Spans are never cut: a span larger than the
// limit travels alone, and the sink decides what storage says of it. Each part repeats the resource
// and scope its spans belong to.
import { encodeSpan, requestSize } from '../otlp/encode-proto.ts';
import type { ResourceSpans, ScopeSpans, TraceBatch } from '../otlp/model.ts';
import { size } from '../otlp/wire.ts';

/**
 * Bytes a part spends on one resource and scope with no spans; each span then adds its own field. The
 * slack covers length prefixes that grow as spans are added (three nested messages, five bytes each).
 */
function overhead(rs: ResourceSpans, ss: ScopeSpans): number {
  const empty = { resource: rs.resource, scopeSpans: [{ ...ss, spans: [] }], schemaUrl: rs.schemaUrl };
  return requestSize({ resourceSpans: [empty] }) + 15;
}

export function splitBatch(batch: TraceBatch, maxBytes: number): TraceBatch[] {
  const parts: TraceBatch[] = [];
  let current: TraceBatch = { resourceSpans: [] };
  let used = 0;
  const flush = () => {
    if (current.resourceSpans.length) parts.push(current);
    current = { resourceSpans: [] };
    used = 0;
  };
  for (const rs of batch.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      const head = overhead(rs, ss);
      let target: ScopeSpans | undefined;
      for (const span of ss.spans) {
        const bytes = size.len(2, encodeSpan(span).length);
        if (target && used + bytes > maxBytes) {
          flush();
          target = undefined;
        }
        if (!target) {
          if (used > 0 && used + head + bytes > maxBytes) flush();
          target = { scope: ss.scope, spans: [], schemaUrl: ss.schemaUrl };
          current.resourceSpans.push({
            resource: rs.resource,
            scopeSpans: [target],
            schemaUrl: rs.schemaUrl,
          });
          used += head;
        }
        target.spans.push(span);
        used += bytes;
      }
    }
  }
  flush();
  return parts;
}

// A kept trace back into a batch for the export queue, every span stamped with the decision: the
// threshold in its `ot=th:` tracestate (when there is one to record), its adjusted count and the rule.
// Spans of one resource and scope that came in one request go out together again.
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { encodeTraceRequest } from '../otlp/encode-proto.ts';
import { type ResourceSpans, type Span, setAttribute, type TraceBatch } from '../otlp/model.ts';
import { ADJUSTED_COUNT_ATTRIBUTE, RULE_ATTRIBUTE } from '../sample/sampler.ts';
import { adjustedCount, encodeThreshold } from '../sample/threshold.ts';
import { formatTraceState, parseTraceState } from '../sample/tracestate.ts';
import type { SpanGroup } from './trace-buffer.ts';

export interface Stamp {
  threshold: bigint;
  rule: string;
}

/** Records the trace's decision on one kept span. */
export function stampSpan(span: Span, stamp: Stamp): void {
  const state = parseTraceState(span.traceState);
  // th:0 says "kept at 100%"; it is written only when the threshold is above 0 or one arrived.
  if (stamp.threshold > 0n || state.th !== undefined) {
    const th = encodeThreshold(stamp.threshold);
    if (state.th !== th) {
      state.th = th;
      span.traceState = formatTraceState(state);
      span.raw = null;
    }
  }
  if (setAttribute(span.attributes, ADJUSTED_COUNT_ATTRIBUTE, adjustedCount(stamp.threshold)))
    span.raw = null;
  if (setAttribute(span.attributes, RULE_ATTRIBUTE, stamp.rule)) span.raw = null;
}

/** Stamps every span of a batch in place (late spans of a kept trace). */
export function stampBatch(batch: TraceBatch, stamp: Stamp): void {
  for (const rs of batch.resourceSpans)
    for (const ss of rs.scopeSpans) for (const span of ss.spans) stampSpan(span, stamp);
}

/**
 * The kept trace as a batch of decoded, stamped spans. The buffered bytes are framed into one export
 * request and decoded as any request is (checked again, so nothing unchecked reaches storage).
 */
export function keptBatch(groups: readonly SpanGroup[], stamp: Stamp): TraceBatch {
  const batch = decodeTraceRequest(encodeTraceRequest(bufferedBatch(groups)));
  stampBatch(batch, stamp);
  return batch;
}

/**
 * The buffered spans as a batch to encode (forward to another replica): spans stand for their bytes
 * only — only `raw` is read when a span is encoded unchanged — so the batch is good for encoding only.
 */
export function bufferedBatch(groups: readonly SpanGroup[]): TraceBatch {
  const byResource = new Map<SpanGroup['resource'], ResourceSpans>();
  for (const g of groups) {
    let rs = byResource.get(g.resource);
    if (!rs) {
      rs = { resource: g.resource, scopeSpans: [], schemaUrl: g.resourceSchemaUrl };
      byResource.set(g.resource, rs);
    }
    const spans = g.spans.map((raw) => ({ raw }) as unknown as Span);
    const same = rs.scopeSpans.find((ss) => ss.scope === g.scope);
    if (same) same.spans.push(...spans);
    else rs.scopeSpans.push({ scope: g.scope, spans, schemaUrl: g.scopeSchemaUrl });
  }
  return { resourceSpans: [...byResource.values()] };
}

// A kept trace back into a batch for the export queue, every span stamped with the decision: the
// threshold in its `ot=th:` tracestate (when there is one to record), its adjusted count and the rule.
// Spans of one resource and scope that came in one request go out together again.
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { encodeTraceRequest } from '../otlp/encode-proto.ts';
import { attributeSize, FixedKey, writeAttribute } from '../otlp/fixed-attributes.ts';
import { type ResourceSpans, type Span, setAttribute, type TraceBatch } from '../otlp/model.ts';
import { size, WIRE_LEN, WireReader, WireWriter } from '../otlp/wire.ts';
import { ADJUSTED_COUNT_ATTRIBUTE, RULE_ATTRIBUTE } from '../sample/sampler.ts';
import { adjustedCount, encodeThreshold } from '../sample/threshold.ts';
import { formatTraceState, parseTraceState } from '../sample/tracestate.ts';
import type { SpanGroup } from './trace-buffer.ts';

export interface Stamp {
  threshold: bigint;
  rule: string;
}

/**
 * The tracestate that records the stamp's threshold, or undefined when `traceState` already does.
 * th:0 says "kept at 100%"; it is written only when the threshold is above 0 or one arrived.
 */
function stampedTraceState(traceState: string, stamp: Stamp): string | undefined {
  const state = parseTraceState(traceState);
  if (stamp.threshold === 0n && state.th === undefined) return undefined;
  const th = encodeThreshold(stamp.threshold);
  if (state.th === th) return undefined;
  state.th = th;
  return formatTraceState(state);
}

/** Records the trace's decision on one kept span. */
export function stampSpan(span: Span, stamp: Stamp): void {
  const traceState = stampedTraceState(span.traceState, stamp);
  if (traceState !== undefined) {
    span.traceState = traceState;
    span.raw = null;
  }
  if (setAttribute(span.attributes, ADJUSTED_COUNT_ATTRIBUTE, adjustedCount(stamp.threshold)))
    span.raw = null;
  if (setAttribute(span.attributes, RULE_ATTRIBUTE, stamp.rule)) span.raw = null;
}

const ADJUSTED = new FixedKey(ADJUSTED_COUNT_ATTRIBUTE);
const RULE = new FixedKey(RULE_ATTRIBUTE);
const TRACE_STATE_TAG = (3 << 3) | WIRE_LEN;
const ATTRIBUTE_TAG = (9 << 3) | WIRE_LEN;

/**
 * A buffered span's bytes with the stamp added, without decoding the span: its tracestate field
 * replaced when the threshold changes it, the adjusted count and rule appended as attributes
 * (protobuf readers take fields in any order). Undefined when the span already carries one of those
 * keys — it is then stamped decoded, which replaces the value. Message content is never decoded.
 */
export function stampBytes(bytes: Uint8Array, stamp: Stamp): Buffer | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new WireReader(buf);
  let tsField: [number, number] | undefined;
  let traceState = '';
  while (!r.done) {
    const at = r.pos;
    const tag = r.uint32();
    if (tag === TRACE_STATE_TAG) {
      traceState = r.string();
      tsField = [at, r.pos];
    } else if (tag === ATTRIBUTE_TAG) {
      const [start, end] = r.span();
      if (keyIs(buf, start, end, ADJUSTED) || keyIs(buf, start, end, RULE)) return undefined;
    } else r.skip(tag & 7);
  }
  const newState = stampedTraceState(traceState, stamp);
  const count = adjustedCount(stamp.threshold);
  let n = buf.length + attributeSize(ADJUSTED, count) + attributeSize(RULE, stamp.rule);
  if (newState !== undefined) n += size.string(3, newState) - (tsField ? tsField[1] - tsField[0] : 0);
  const w = new WireWriter(n);
  if (newState !== undefined && tsField) {
    w.raw(buf.subarray(0, tsField[0]));
    w.raw(buf.subarray(tsField[1]));
  } else w.raw(buf);
  if (newState !== undefined) w.stringField(3, newState);
  writeAttribute(w, ADJUSTED, count);
  writeAttribute(w, RULE, stamp.rule);
  return w.finish();
}

/** Whether the KeyValue at [start, end) has the key. */
function keyIs(buf: Buffer, start: number, end: number, key: FixedKey): boolean {
  // A KeyValue written by an SDK starts with its key; one that does not is compared the long way.
  const f = key.field;
  if (end - start >= f.length && buf[start] === f[0])
    return buf.compare(f, 0, f.length, start, start + f.length) === 0;
  const r = new WireReader(buf, start, end);
  while (!r.done) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) return r.string() === key.key;
    r.skip(tag & 7);
  }
  return false;
}

/** Stamps every span of a batch in place (late spans of a kept trace). */
export function stampBatch(batch: TraceBatch, stamp: Stamp): void {
  for (const rs of batch.resourceSpans)
    for (const ss of rs.scopeSpans) for (const span of ss.spans) stampSpan(span, stamp);
}

/**
 * The kept trace as a batch of stamped spans: each stamped in its bytes (stampBytes), or, when one
 * already carries a stamp key, the whole trace decoded and stamped. Either way the bytes are framed
 * into one export request and decoded as any request is (checked again, so nothing unchecked reaches
 * storage; attributes stay undecoded until something reads them).
 */
export function keptBatch(groups: readonly SpanGroup[], stamp: Stamp): TraceBatch {
  const stamped = groups.map((g) => {
    const spans = g.spans.map((b) => stampBytes(b, stamp));
    return spans.every((b) => b !== undefined) ? { ...g, spans } : undefined;
  });
  if (stamped.every((g) => g !== undefined))
    return decodeTraceRequest(encodeTraceRequest(bufferedBatch(stamped)));
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

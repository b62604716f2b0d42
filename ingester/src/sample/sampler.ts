// The sampling stage: decides each span with consistent probability sampling and marks kept spans.
// A kept span sampled at p < 1 gets the raised threshold in its `ot=th:` tracestate (a threshold is
// only ever raised, per the spec's equalizing rule) and its adjusted count (1/p) as an attribute.
// Spans kept at p = 1 with no threshold to record are left untouched, bytes and all.
import { type Span, setAttribute, type TraceBatch } from '../otlp/model.ts';
import { type CompiledPolicy, isError, isRating } from './policy.ts';
import { adjustedCount, decodeThreshold, encodeThreshold, traceIdRandomness } from './threshold.ts';
import { formatTraceState, type OtState, parseTraceState } from './tracestate.ts';

export const ADJUSTED_COUNT_ATTRIBUTE = 'koder.sampling.adjusted_count';
export const RULE_ATTRIBUTE = 'koder.sampling.rule';

export interface SamplingOutcome {
  kept: number;
  dropped: number;
  /** Spans kept only because they are errors. */
  keptErrors: number;
}

export type Decision =
  | { keep: false }
  | {
      keep: true;
      threshold: bigint;
      rule: string;
      forError: boolean;
      /** The span's parsed tracestate (undefined when it had none), for mark() to update. */
      state: OtState | undefined;
    };

/** Decides one span: pure, the same on every replica for the same span. */
export function decide(span: Span, resource: Span['attributes'], policy: CompiledPolicy): Decision {
  const choice = policy.choose(span, resource);
  const ours = choice.threshold;
  const state = span.traceState ? parseTraceState(span.traceState) : undefined;
  const incoming = state?.th !== undefined ? decodeThreshold(state.th) : undefined;
  const threshold = incoming !== undefined && incoming > ours ? incoming : ours;
  const rv = state?.rv !== undefined && /^[0-9a-f]{14}$/.test(state.rv) ? BigInt(`0x${state.rv}`) : undefined;
  const randomness = rv ?? traceIdRandomness(span.traceId);
  if (randomness >= threshold) return { keep: true, threshold, rule: choice.rule, forError: false, state };
  if (policy.keepErrors && isError(span)) {
    // Kept outside the probability scheme: its threshold stays what it was before this stage.
    return { keep: true, threshold: incoming ?? 0n, rule: 'keep-errors', forError: true, state };
  }
  if (isRating(span)) {
    return { keep: true, threshold: incoming ?? 0n, rule: 'keep-ratings', forError: false, state };
  }
  return { keep: false };
}

/** Records the decision on a kept span; `parsed` is decide()'s parse of its tracestate (updated here). */
function mark(span: Span, threshold: bigint, rule: string, parsed: OtState | undefined): void {
  const state = parsed ?? parseTraceState('');
  const th = encodeThreshold(threshold);
  if (state.th !== th) {
    state.th = th;
    span.traceState = formatTraceState(state);
    span.raw = null;
  }
  if (setAttribute(span.attributes, ADJUSTED_COUNT_ATTRIBUTE, adjustedCount(threshold))) span.raw = null;
  if (setAttribute(span.attributes, RULE_ATTRIBUTE, rule)) span.raw = null;
}

/** Samples a batch in place: dropped spans are removed, kept ones marked. */
export function sampleBatch(batch: TraceBatch, policy: CompiledPolicy): SamplingOutcome {
  const outcome: SamplingOutcome = { kept: 0, dropped: 0, keptErrors: 0 };
  for (const rs of batch.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      if (policy.keepsAll) {
        outcome.kept += ss.spans.length;
        continue;
      }
      const kept: Span[] = [];
      for (const span of ss.spans) {
        const d = decide(span, rs.resource.attributes, policy);
        if (!d.keep) {
          outcome.dropped++;
          continue;
        }
        outcome.kept++;
        if (d.forError) outcome.keptErrors++;
        if (d.threshold > 0n) mark(span, d.threshold, d.rule, d.state);
        kept.push(span);
      }
      ss.spans = kept;
    }
    rs.scopeSpans = rs.scopeSpans.filter((ss) => ss.spans.length > 0);
  }
  batch.resourceSpans = batch.resourceSpans.filter((rs) => rs.scopeSpans.length > 0);
  return outcome;
}

// The decision for a whole trace (SamplingPolicy mode `trace`), pure. What the decision needs is
// gathered span by span as spans arrive (TraceFacts), so deciding costs nothing per span later and the
// same spans give the same decision on every replica, whatever order or batches they came in:
//   - any error span (when keepErrors), any rating span, or any span whose rule keeps everything
//     (probability 1) keeps the whole trace;
//   - otherwise the trace is sampled at the probability of the highest-priority rule any of its spans
//     matched (rules in policy order; the default last), with the consistent threshold of the spec:
//     randomness from the trace id (or `rv`), threshold only ever raised from what arrived (`th`).
import { getAttribute, KEY_GENAI, type Span, spanIsRoot, spanMayHaveKeys } from '../otlp/model.ts';
import { type CompiledPolicy, isError, isRating } from '../sample/policy.ts';
import { decodeThreshold, traceIdRandomness } from '../sample/threshold.ts';
import { parseTraceState } from '../sample/tracestate.ts';

export interface TraceFacts {
  spans: number;
  errors: number;
  ratings: number;
  /** A span matched a rule of probability 1 (its name), or undefined. */
  keepRule: string | undefined;
  /** The highest-priority rule any span matched: its place, name and threshold. */
  priority: number;
  rule: string;
  threshold: bigint;
  /** The largest threshold that arrived in a span's `ot=th:` (upstream sampling), if any. */
  incoming: bigint | undefined;
  /** `ot=rv:` randomness that arrived with a span, if any (it then replaces the trace id's). */
  rv: bigint | undefined;
  /** The root span arrived (it is exported when it ends). */
  rootSeen: boolean;
  /** The root span is an agent run: nothing of the run follows its end. */
  agentRoot: boolean;
}

export function emptyFacts(): TraceFacts {
  return {
    spans: 0,
    errors: 0,
    ratings: 0,
    keepRule: undefined,
    priority: Number.MAX_SAFE_INTEGER,
    rule: 'default',
    threshold: 0n,
    incoming: undefined,
    rv: undefined,
    rootSeen: false,
    agentRoot: false,
  };
}

const AGENT = 'invoke_agent';

function isAgentRun(span: Span): boolean {
  if (span.name === AGENT || span.name.startsWith(`${AGENT} `)) return true;
  return spanMayHaveKeys(span, KEY_GENAI) && getAttribute(span.attributes, 'gen_ai.operation.name') === AGENT;
}

/** Folds one span into its trace's facts. */
export function addSpanFacts(
  facts: TraceFacts,
  span: Span,
  resource: Span['attributes'],
  policy: CompiledPolicy,
): void {
  facts.spans++;
  if (isError(span)) facts.errors++;
  if (isRating(span)) facts.ratings++;
  const choice = policy.choose(span, resource);
  if (choice.probability === 1 && choice.rule !== 'default') facts.keepRule ??= choice.rule;
  if (choice.priority < facts.priority) {
    facts.priority = choice.priority;
    facts.rule = choice.rule;
    facts.threshold = choice.threshold;
  }
  if (span.traceState) {
    const state = parseTraceState(span.traceState);
    const th = state.th !== undefined ? decodeThreshold(state.th) : undefined;
    if (th !== undefined && (facts.incoming === undefined || th > facts.incoming)) facts.incoming = th;
    if (state.rv !== undefined && /^[0-9a-f]{14}$/.test(state.rv)) facts.rv ??= BigInt(`0x${state.rv}`);
  }
  if (spanIsRoot(span)) {
    facts.rootSeen = true;
    if (isAgentRun(span)) facts.agentRoot = true;
  }
}

export type KeepReason = 'error' | 'rating' | 'keep-rule' | 'probability';

export type TraceDecision =
  | { keep: false; threshold: bigint; rule: string }
  | { keep: true; threshold: bigint; rule: string; reason: KeepReason };

export function decideTrace(traceId: Uint8Array, facts: TraceFacts, policy: CompiledPolicy): TraceDecision {
  // Spans that matched no rule at all leave the default: the policy's, looked up now.
  const ours = facts.priority === Number.MAX_SAFE_INTEGER ? policy.defaultThreshold : facts.threshold;
  const incoming = facts.incoming;
  const threshold = incoming !== undefined && incoming > ours ? incoming : ours;
  const randomness = facts.rv ?? traceIdRandomness(traceId);
  if (randomness >= threshold) return { keep: true, threshold, rule: facts.rule, reason: 'probability' };
  // Kept outside the probability scheme: the threshold stays what arrived (adjusted count 1 if none).
  const kept = incoming ?? 0n;
  if (policy.keepErrors && facts.errors > 0)
    return { keep: true, threshold: kept, rule: 'keep-errors', reason: 'error' };
  if (facts.ratings > 0) return { keep: true, threshold: kept, rule: 'keep-ratings', reason: 'rating' };
  if (facts.keepRule !== undefined)
    return { keep: true, threshold: kept, rule: facts.keepRule, reason: 'keep-rule' };
  return { keep: false, threshold, rule: facts.rule };
}

// Decisions handed between replicas when trace ownership moves (a replica joins or leaves): the old
// owner sends what it decided for traces the new owner now has, so their late spans follow the
// decision there (a kept trace stays whole) instead of being decided again on their own. JSON on the
// peer channel; pure encode and a strict decode (a peer is trusted, but a bad message harms nothing).
import type { KeepReason, TraceDecision } from './decide-trace.ts';

export interface HandedDecision {
  tenant: string;
  /** The trace id, 32 hex digits. */
  traceId: string;
  decision: TraceDecision;
}

interface Wire {
  t: string;
  id: string;
  k: boolean;
  th: string;
  r: string;
  why?: KeepReason;
}

const REASONS: ReadonlySet<string> = new Set(['error', 'rating', 'keep-rule', 'probability']);
/** Decisions in one message at most (a decision cache's worth is sent in several). */
export const MAX_HANDED = 50_000;

export function encodeDecisions(items: readonly HandedDecision[]): Buffer {
  const wire: Wire[] = items.map(({ tenant, traceId, decision: d }) => ({
    t: tenant,
    id: traceId,
    k: d.keep,
    th: d.threshold.toString(16),
    r: d.rule,
    ...(d.keep ? { why: d.reason } : {}),
  }));
  return Buffer.from(JSON.stringify(wire));
}

/** The decisions in a message; throws with the reason when it is not one. */
export function decodeDecisions(body: Buffer): HandedDecision[] {
  const wire = JSON.parse(body.toString('utf8')) as unknown;
  if (!Array.isArray(wire) || wire.length > MAX_HANDED)
    throw new Error(`expected an array of at most ${MAX_HANDED} decisions`);
  return wire.map((w: Partial<Wire>, i) => {
    if (
      typeof w?.t !== 'string' ||
      typeof w.id !== 'string' ||
      !/^[0-9a-f]{32}$/.test(w.id) ||
      typeof w.k !== 'boolean' ||
      typeof w.th !== 'string' ||
      !/^[0-9a-f]{1,14}$/.test(w.th) ||
      typeof w.r !== 'string' ||
      (w.k && !REASONS.has(String(w.why)))
    )
      throw new Error(`decision ${i}: not a decision`);
    const threshold = BigInt(`0x${w.th}`);
    const decision: TraceDecision = w.k
      ? { keep: true, threshold, rule: w.r, reason: w.why as KeepReason }
      : { keep: false, threshold, rule: w.r };
    return { tenant: w.t, traceId: w.id, decision };
  });
}

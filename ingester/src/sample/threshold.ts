// OpenTelemetry consistent probability sampling (tracestate-probability-sampling.md): 56-bit
// randomness R from the `rv` sub-key of the `ot` tracestate entry or the trace id's low 56 bits, a
// rejection threshold T = (1 − p)·2^56, keep when R ≥ T. Every replica computes the same R and T for
// a trace, so decisions agree with no coordination, and a lower p keeps a subset of a higher one.

export const MAX_THRESHOLD = 1n << 56n; // T for p = 0: nothing is kept

/** T for probability p, rounded so that p = 1 gives 0 and p = 0 gives 2^56. */
export function thresholdFor(p: number): bigint {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`probability must be within [0, 1], got ${p}`);
  // T = 2^56 − round(p·2^56), as the Collector computes it: p·2^56 is exact in binary floating point,
  // whereas 1 − p is not (1 − 0.1 rounds), which would shift T in its last digits.
  return MAX_THRESHOLD - BigInt(Math.round(p * 2 ** 56));
}

/** The `th` encoding: 14 hex digits with trailing zeros removed ("0" for T = 0). */
export function encodeThreshold(t: bigint): string {
  if (t === 0n) return '0';
  return t.toString(16).padStart(14, '0').replace(/0+$/, '');
}

/** Parses a `th` value (1–14 hex digits, implicitly right-padded); undefined when invalid. */
export function decodeThreshold(s: string): bigint | undefined {
  if (!/^[0-9a-f]{1,14}$/.test(s)) return undefined;
  return BigInt(`0x${s.padEnd(14, '0')}`);
}

/** The low 56 bits of a 16-byte trace id. */
export function traceIdRandomness(traceId: Uint8Array): bigint {
  let r = 0n;
  for (let i = 9; i < 16; i++) r = (r << 8n) | BigInt(traceId[i] ?? 0);
  return r;
}

/** The adjusted count (1/p) a kept span represents under threshold T. */
export function adjustedCount(t: bigint): number {
  if (t >= MAX_THRESHOLD) return Number.POSITIVE_INFINITY;
  return Number(MAX_THRESHOLD) / Number(MAX_THRESHOLD - t);
}

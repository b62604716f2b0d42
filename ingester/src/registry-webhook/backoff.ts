// When a failed delivery is tried again: exponential back-off with full jitter (so a receiver that
// comes back is not hit by every replica's retries at once), capped, and never sooner than the
// receiver's own Retry-After.

export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

/**
 * Milliseconds to wait before attempt `attempt + 1`, after `attempt` (≥ 1) failed ones. `random` is in
 * [0, 1). A Retry-After the receiver sent (ms) is a floor, still capped by maxMs.
 */
export function retryDelayMs(
  attempt: number,
  s: BackoffSettings,
  random: number,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(s.maxMs, s.initialMs * 2 ** Math.min(attempt - 1, 30));
  // Full jitter, but at least half the step: retries still back off when random is small.
  const jittered = Math.round(ceiling / 2 + (random * ceiling) / 2);
  return Math.min(s.maxMs, Math.max(jittered, retryAfterMs ?? 0));
}

/** A Retry-After header (delta seconds or an HTTP date) in ms from `nowMs`; undefined if absent or bad. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** What an HTTP status means for a delivery: 2xx done; 408, 429 and 5xx retried; other 4xx permanent. */
export function outcomeOf(status: number): 'delivered' | 'retry' | 'permanent' {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'permanent';
}

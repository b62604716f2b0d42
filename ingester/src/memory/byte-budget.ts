// One budget for the bytes the ingester holds for clients: request bodies being read and processed,
// and spans waiting in the export queue. Past it, new work is refused with back-pressure (503 /
// UNAVAILABLE with a retry delay) instead of growing until the process is killed for memory.
// Export requests in flight are bounded apart (concurrency × maxBatchBytes), so the queue can always
// drain however full the budget is.

export interface ByteBudget {
  /** Whether n more bytes fit now (a check; nothing is taken). */
  fits(n: number): boolean;
  /** Takes n bytes if they fit; false when they do not (refuse the work). */
  tryTake(n: number): boolean;
  /** Takes n bytes whether or not they fit (data already accepted that must stay: replay, splits). */
  take(n: number): void;
  release(n: number): void;
  readonly used: number;
  readonly max: number;
}

export function createByteBudget(max: number, onChange: (used: number) => void = () => {}): ByteBudget {
  let used = 0;
  const fits = (n: number) => used + n <= max;
  return {
    fits,
    tryTake(n) {
      if (!fits(n)) return false;
      used += n;
      onChange(used);
      return true;
    },
    take(n) {
      used += n;
      onChange(used);
    },
    release(n) {
      used = Math.max(0, used - n);
      onChange(used);
    },
    get used() {
      return used;
    },
    max,
  };
}

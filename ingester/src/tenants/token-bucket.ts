// A token bucket: `rate` tokens per second up to `burst`. take(n) either takes n tokens or says how
// long until n would be available. The clock is passed in, so tests control time.
//
// A request of more spans than the burst could never find n tokens, so it used to be told to retry
// forever. It is admitted on credit instead: once the bucket is full it takes everything and goes
// into debt (tokens below zero), which the refill pays back before anything else passes. The rate
// still holds over time (at most burst + rate × t + one request's spans in any t seconds), nothing is
// refused that waiting cannot cure, and the client, which never chose the tenant's burst, loses no
// spans. (A permanent error would make OTel SDKs drop the batch.)

const EPSILON = 1e-6;

export class TokenBucket {
  private tokens: number;
  private last: number;
  rate: number;
  burst: number;

  constructor(rate: number, burst: number, nowMs: number) {
    this.rate = rate;
    this.burst = burst;
    this.tokens = burst;
    this.last = nowMs;
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.last) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.rate);
    this.last = nowMs;
  }

  /**
   * Takes n tokens and returns 0, or takes none and returns the wait in ms before n could be taken.
   * More than the burst is taken, on credit, from a full bucket; the wait asked for is always one after
   * which the same request passes (if nothing else takes tokens meanwhile).
   */
  take(n: number, nowMs: number): number {
    this.refill(nowMs);
    // (EPSILON: refills are sums of fractions; a wait computed to the ms must be enough.)
    if (n <= this.tokens + EPSILON || (n > this.burst && this.tokens + EPSILON >= this.burst)) {
      this.tokens -= n;
      return 0;
    }
    // Until n tokens are there, or, for more than the burst, until the bucket is full (debt paid).
    const missing = Math.min(n, this.burst) - this.tokens;
    return Math.max(1, Math.ceil((missing / this.rate) * 1000));
  }

  /** Returns n tokens taken for a request that was then refused (its client sends it again). */
  giveBack(n: number): void {
    this.tokens = Math.min(this.burst, this.tokens + n);
  }

  /** Changes the limits in place (config reload) without refilling: no free burst on reload. */
  reconfigure(rate: number, burst: number): void {
    this.rate = rate;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }
}

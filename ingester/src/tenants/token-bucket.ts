// A token bucket: `rate` tokens per second up to `burst`. take(n) either takes n tokens or says how
// long until n would be available. The clock is passed in, so tests control time.

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

  /** Takes n tokens and returns 0, or takes none and returns the wait in ms before n could be taken. */
  take(n: number, nowMs: number): number {
    this.refill(nowMs);
    if (n <= this.tokens) {
      this.tokens -= n;
      return 0;
    }
    // A request larger than the burst can never pass whole; ask for a wait of one full bucket.
    const missing = Math.min(n, this.burst) - this.tokens;
    return Math.max(1, Math.ceil((Math.max(missing, 0) / this.rate) * 1000));
  }

  /** Changes the limits in place (config reload) without refilling: no free burst on reload. */
  reconfigure(rate: number, burst: number): void {
    this.rate = rate;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }
}

// The tenant's span rate: a burst, then the rate, a wait that is always enough, and requests larger than
// the burst admitted on credit (never an endless retry hint), with the rate still kept over time.
import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.ts';

describe('token bucket', () => {
  it('allows the burst, then the rate, and says how long to wait', () => {
    const b = new TokenBucket(100, 50, 0);
    expect(b.take(50, 0)).toBe(0);
    expect(b.take(10, 0)).toBe(100); // 10 tokens at 100/s
    expect(b.take(10, 99)).toBe(1);
    expect(b.take(10, 100)).toBe(0);
  });

  it('takes back what a refused request was charged, up to the burst, a debt included', () => {
    const b = new TokenBucket(100, 50, 0);
    expect(b.take(30, 0)).toBe(0);
    b.giveBack(30);
    expect(b.take(50, 0)).toBe(0);
    b.giveBack(80); // more than was taken: never above the burst
    expect(b.take(50, 0)).toBe(0);
    expect(b.take(1, 0)).toBe(10);
    // A request on credit, refused after: its debt goes with it.
    expect(b.take(200, 1000)).toBe(0);
    b.giveBack(200);
    expect(b.take(50, 1000)).toBe(0);
  });

  it('admits a request larger than the burst once the bucket is full, on credit', () => {
    const b = new TokenBucket(100, 50, 0);
    expect(b.take(20, 0)).toBe(0);
    // 30 tokens left: the 200-span request waits until the bucket is full (20 tokens at 100/s)…
    expect(b.take(200, 0)).toBe(200);
    expect(b.take(200, 199)).toBe(1);
    // …and then passes, whatever its size.
    expect(b.take(200, 200)).toBe(0);
    // The debt (150 tokens) is paid back before anything else passes: 1 span waits 1.51 s.
    expect(b.take(1, 200)).toBe(1510);
    expect(b.take(1, 1709)).toBeGreaterThan(0);
    expect(b.take(1, 1711)).toBe(0);
  });

  it('keeps the rate over time with requests larger than the burst', () => {
    const rate = 1000;
    const b = new TokenBucket(rate, 100, 0);
    let now = 0;
    let admitted = 0;
    // A client sending 2,500-span requests as fast as the hints allow, for 60 s.
    while (now < 60_000) {
      const wait = b.take(2500, now);
      if (wait === 0) admitted += 2500;
      now += Math.max(wait, 1);
    }
    // Never more than the burst + rate × t + one request; and not starved either.
    expect(admitted).toBeLessThanOrEqual(100 + rate * 60 + 2500);
    expect(admitted).toBeGreaterThanOrEqual(rate * 60 - 2500);
  });

  it('never asks for a wait the same request could not pass after', () => {
    for (const n of [1, 49, 50, 51, 500, 10_000]) {
      const b = new TokenBucket(100, 50, 0);
      b.take(37, 0);
      const wait = b.take(n, 0);
      if (wait > 0) expect(b.take(n, wait)).toBe(0);
    }
  });

  it('keeps the debt through a reload and adds no tokens', () => {
    const b = new TokenBucket(100, 50, 0);
    expect(b.take(80, 0)).toBe(0);
    b.reconfigure(100, 10);
    expect(b.take(10, 0)).toBe(400); // 30 owed + 10 wanted, at 100/s
  });
});

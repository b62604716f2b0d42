import { describe, expect, it } from 'vitest';
import { createBufferPool, joinInto, POISON_BYTE } from './buffer-pool.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('buffer pool', () => {
  it('hands out at least the bytes asked for, at most a class step (~19 %) and a page more', () => {
    const pool = createBufferPool({ maxBytes: 16 * MiB, keepBytes: 0 });
    for (const n of [64 * KiB, 64 * KiB + 1, 100_000, 895_204, MiB, 3 * MiB + 7, 16 * MiB]) {
      const lease = pool.take(n);
      expect(lease.bytes.length).toBe(n);
      const capacity = lease.bytes.buffer.byteLength;
      expect(capacity).toBeGreaterThanOrEqual(n);
      expect(capacity).toBeLessThanOrEqual(n * 2 ** 0.25 + 4096);
      lease.release();
    }
  });

  it('gives a returned buffer out again, and only once its last holder lets go', () => {
    const pool = createBufferPool({ maxBytes: 16 * MiB, keepBytes: 64 * MiB });
    const first = pool.take(900_000);
    first.hold(); // a queued item
    first.release(); // the request handler
    expect(pool.leaseOf(first.bytes.buffer)).toBe(first);
    expect(pool.take(900_000).bytes.buffer).not.toBe(first.bytes.buffer);
    first.release(); // the item leaves
    expect(pool.leaseOf(first.bytes.buffer)).toBeUndefined();
    const again = pool.take(1_000_000); // the same class (1 MiB)
    expect(again.bytes.buffer).toBe(first.bytes.buffer);
    // A lease once returned stays returned: its stale release cannot give away the new holder's bytes.
    first.release();
    first.hold();
    expect(pool.leaseOf(again.bytes.buffer)).toBe(again);
  });

  it('keeps at most keepBytes for reuse, and counts what is out and what is kept', () => {
    const pool = createBufferPool({ maxBytes: 16 * MiB, keepBytes: 2 * MiB });
    const leases = [pool.take(MiB), pool.take(MiB), pool.take(MiB)];
    expect(pool.taken).toBeGreaterThanOrEqual(3 * MiB);
    for (const l of leases) l.release();
    expect(pool.taken).toBe(0);
    expect(pool.kept).toBeLessThanOrEqual(2 * MiB);
    expect(pool.kept).toBeGreaterThanOrEqual(MiB);
  });

  it('leaves buffers outside its classes to the collector', () => {
    const pool = createBufferPool({ maxBytes: MiB, keepBytes: 64 * MiB });
    for (const n of [100, 32 * KiB, 2 * MiB]) {
      const lease = pool.take(n);
      expect(lease.bytes.length).toBe(n);
      expect(pool.leaseOf(lease.bytes.buffer)).toBeUndefined();
      lease.release();
    }
    expect(pool.taken + pool.kept).toBe(0);
  });

  it('poisons a returned buffer when asked, kept or not, so that a read after release shows', () => {
    for (const keepBytes of [MiB, 0]) {
      const pool = createBufferPool({ maxBytes: MiB, keepBytes, poison: true });
      const lease = joinInto(pool, [Buffer.alloc(70_000, 1), Buffer.alloc(30_000, 2)], 100_000);
      expect(lease.bytes[69_999]).toBe(1);
      expect(lease.bytes[70_000]).toBe(2);
      const view = lease.bytes.subarray(10, 20);
      lease.release();
      expect([...view]).toEqual(new Array(10).fill(POISON_BYTE));
    }
  });
});

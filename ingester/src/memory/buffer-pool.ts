// Large buffers handed out again instead of allocated per request. V8 counts memory allocated outside
// its heap since the last full collection towards the next one, however briefly that memory lives.
// With a fresh ArrayBuffer for every request body and every export request, forwarding 10,000 LLM
// spans/s collected in full three to six times a second (28 % of a core); with both taken from here
// (and heap-growth.ts), twice in 20 s (13 %).
//
// A lease counts its holders: the request being handled, and each queued item whose bytes view it.
// The last to let go returns the buffer. Sizes come in classes a quarter power of two apart, so a
// buffer is at most ~19 % larger than asked for; buffers smaller than the least class or larger than
// the largest are ordinary ones, left to the collector.

export interface Lease {
  /** The bytes asked for: a view of the pooled buffer, contents undefined until written. */
  readonly bytes: Buffer;
  /** One more holder. */
  hold(): void;
  /** A holder lets go; the last returns the buffer. Once returned, further calls do nothing. */
  release(): void;
}

export interface BufferPool {
  take(n: number): Lease;
  /** The lease a pooled buffer is out on (views' `.buffer`), if it is one of ours and taken. */
  leaseOf(buffer: ArrayBufferLike): Lease | undefined;
  /** Bytes out on leases and bytes kept for reuse. */
  readonly taken: number;
  readonly kept: number;
}

export interface BufferPoolOptions {
  /** The least class (smaller requests gain little: they die young and are freed by scavenges). */
  minBytes?: number;
  /** The largest class. */
  maxBytes: number;
  /** The most bytes kept for reuse; buffers returned past it are let go. */
  keepBytes: number;
  /** Fill returned buffers, so that bytes read after their release show (tests). */
  poison?: boolean;
}

const PAGE = 4096;
const STEPS = 4;

export const POISON_BYTE = 0xdb;

const unpooled = (n: number): Lease => ({ bytes: Buffer.allocUnsafe(n), hold() {}, release() {} });

export function createBufferPool(opts: BufferPoolOptions): BufferPool {
  const min = opts.minBytes ?? 64 * 1024;
  const sizeOf = (cls: number) => Math.ceil((min * 2 ** (cls / STEPS)) / PAGE) * PAGE;
  const classOf = (n: number) => {
    let cls = Math.max(0, Math.ceil(STEPS * Math.log2(n / min)));
    while (cls > 0 && sizeOf(cls - 1) >= n) cls--;
    while (sizeOf(cls) < n) cls++;
    return cls;
  };
  const free: Buffer[][] = [];
  const out = new Map<ArrayBufferLike, Lease>();
  let taken = 0;
  let kept = 0;

  function giveBack(whole: Buffer, cls: number): void {
    out.delete(whole.buffer);
    taken -= whole.length;
    if (opts.poison) whole.fill(POISON_BYTE);
    if (kept + whole.length > opts.keepBytes) return;
    const list = free[cls] ?? [];
    free[cls] = list;
    list.push(whole);
    kept += whole.length;
  }

  return {
    take(n) {
      if (n < min || n > opts.maxBytes) return unpooled(n);
      const cls = classOf(n);
      let whole = free[cls]?.pop();
      if (whole) kept -= whole.length;
      else whole = Buffer.allocUnsafeSlow(sizeOf(cls));
      taken += whole.length;
      let holders = 1;
      const lease: Lease = {
        bytes: whole.subarray(0, n),
        hold() {
          if (holders > 0) holders++;
        },
        release() {
          if (holders > 0 && --holders === 0) giveBack(whole as Buffer, cls);
        },
      };
      out.set(whole.buffer, lease);
      return lease;
    },
    leaseOf: (buffer) => out.get(buffer),
    get taken() {
      return taken;
    },
    get kept() {
      return kept;
    },
  };
}

/** Copies the parts into one leased buffer (the caller releases it when done with the bytes). */
export function joinInto(pool: BufferPool, parts: readonly Uint8Array[], length: number): Lease {
  const lease = pool.take(length);
  let at = 0;
  for (const p of parts) {
    lease.bytes.set(p, at);
    at += p.length;
  }
  return lease;
}

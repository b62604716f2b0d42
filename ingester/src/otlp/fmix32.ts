// MurmurHash3's 32-bit finaliser: spreads every input bit over the output. Used where ids are hashed
// (trace ownership between replicas, ledger span ids), so both use the same well-mixed function.
export function fmix32(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

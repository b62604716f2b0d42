// Bounded concurrency toward the API server: `fn` runs for every item, at most `limit` at a time.
// Every item runs even when some fail; the failures come back, in item order.
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<unknown[]> {
  const errors: { i: number; err: unknown }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        await fn(items[i] as T);
      } catch (err) {
        errors.push({ i, err });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return errors.sort((a, b) => a.i - b.i).map((e) => e.err);
}

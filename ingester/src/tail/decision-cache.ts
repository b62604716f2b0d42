// The decisions of recent traces, so that spans arriving after their trace was decided follow it (a
// kept trace stays whole; a dropped one stays dropped). Bounded in entries, oldest forgotten first;
// a span of a forgotten trace starts a new buffered trace and is decided again — the same way, unless
// the late spans themselves carry an error or a rating.
import type { TraceDecision } from './decide-trace.ts';

/** Bytes one entry takes (key string, decision object, map slot), held against the memory budget. */
export const DECISION_ENTRY_BYTES = 200;

export class DecisionCache {
  private readonly map = new Map<string, TraceDecision>();
  private readonly max: () => number;
  private readonly onSizeChange: (deltaEntries: number) => void;

  constructor(max: () => number, onSizeChange: (deltaEntries: number) => void = () => {}) {
    this.max = max;
    this.onSizeChange = onSizeChange;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): TraceDecision | undefined {
    return this.map.get(key);
  }

  set(key: string, decision: TraceDecision): void {
    const had = this.map.delete(key);
    this.map.set(key, decision);
    let delta = had ? 0 : 1;
    const max = this.max();
    while (this.map.size > max) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      delta--;
    }
    if (delta) this.onSizeChange(delta);
  }

  /** Every decision held, oldest first. */
  entries(): IterableIterator<[string, TraceDecision]> {
    return this.map.entries();
  }

  clear(): void {
    const n = this.map.size;
    this.map.clear();
    if (n) this.onSizeChange(-n);
  }
}

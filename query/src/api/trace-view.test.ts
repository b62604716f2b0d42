import { describe, expect, it } from 'vitest';
import { criticalPath } from './trace-view.ts';

const span = (span_id: string, parent_span_id: string, end: number, rating: number | null = null) => ({
  span_id,
  parent_span_id,
  end_ns: BigInt(end),
  rating,
});

describe('criticalPath', () => {
  it('follows, from the root, the child that finished last', () => {
    // root ─┬─ llm1 (ends 40) ── tool (ends 35)
    //       └─ llm2 (ends 90) ─┬─ a (ends 60)
    //                          └─ b (ends 85)
    const rows = [
      span('root', '', 100),
      span('llm1', 'root', 40),
      span('tool', 'llm1', 35),
      span('llm2', 'root', 90),
      span('a', 'llm2', 60),
      span('b', 'llm2', 85),
      span('rating', 'b', 500, 1), // a later rating is not work
    ];
    expect(criticalPath(rows)).toEqual(['root', 'llm2', 'b']);
  });

  it('is empty without a root and survives cycles', () => {
    expect(criticalPath([span('x', 'missing', 1)])).toEqual([]);
    expect(criticalPath([span('r', '', 2), span('c', 'r', 1)])).toEqual(['r', 'c']);
  });
});

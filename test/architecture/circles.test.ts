// No module imports itself back through a chain: a circle makes layers impossible to read or test alone.
import { describe, expect, it } from 'vitest';
import { circles, graph } from './source-graph.ts';

describe('module graph', () => {
  it('has no circle', () => {
    expect(circles(graph())).toEqual([]);
  });
});

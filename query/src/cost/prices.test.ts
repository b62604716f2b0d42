import { describe, expect, it } from 'vitest';
import { callCost, DEFAULT_PRICES, priceFor } from './prices.ts';

describe('cost', () => {
  it('prices cached reads and cache writes at their own rates, inside the input count', () => {
    const sonnet = priceFor(DEFAULT_PRICES, 'anthropic', 'claude-sonnet-4-20250514');
    // 10,000 input tokens of which 8,000 cache reads and 1,000 cache writes; 500 output.
    const cost = callCost(sonnet, { input: 10_000, cacheRead: 8_000, cacheCreation: 1_000, output: 500 });
    // 1,000 × $3 + 8,000 × $0.30 + 1,000 × $3.75 + 500 × $15, per million.
    expect(cost).toBeCloseTo((1_000 * 3 + 8_000 * 0.3 + 1_000 * 3.75 + 500 * 15) / 1e6, 12);
  });

  it('does not charge reasoning tokens twice (they are part of output)', () => {
    const o1 = priceFor(DEFAULT_PRICES, 'openai', 'o1');
    expect(callCost(o1, { input: 1_000, cacheRead: 0, cacheCreation: 0, output: 2_000 })).toBeCloseTo(
      (1_000 * 15 + 2_000 * 60) / 1e6,
      12,
    );
  });

  it('matches dated model names by the longest prefix, within the provider', () => {
    expect(priceFor(DEFAULT_PRICES, 'openai', 'gpt-4o-mini-2024-07-18')).toBe(
      DEFAULT_PRICES['openai/gpt-4o-mini'],
    );
    expect(priceFor(DEFAULT_PRICES, 'openai', 'gpt-4o-2024-08-06')).toBe(DEFAULT_PRICES['openai/gpt-4o']);
    expect(priceFor(DEFAULT_PRICES, null, 'gpt-4o')).toBe(DEFAULT_PRICES['openai/gpt-4o']);
    expect(priceFor(DEFAULT_PRICES, 'anthropic', 'gpt-4o')).toBeUndefined();
    expect(callCost(undefined, { input: 1, output: 1, cacheRead: 0, cacheCreation: 0 })).toBeUndefined();
  });
});

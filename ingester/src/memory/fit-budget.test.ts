import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BUDGET_BYTES,
  fitBudget,
  limitNeeded,
  MIN_BUDGET_BYTES,
  RESERVE_BYTES,
} from './fit-budget.ts';

const MiB = 1024 * 1024;

describe('fitBudget', () => {
  it('takes the configured budget, or the default, when there is no container limit', () => {
    expect(fitBudget(undefined, undefined)).toEqual({ ok: true, maxBytes: DEFAULT_BUDGET_BYTES });
    expect(fitBudget(4096 * MiB, undefined)).toEqual({ ok: true, maxBytes: 4096 * MiB });
  });

  it("keeps the default under the chart's 1 GiB limit", () => {
    expect(fitBudget(undefined, 1024 * MiB)).toEqual({ ok: true, maxBytes: 256 * MiB });
    expect(limitNeeded(256 * MiB)).toBe(704 * MiB);
  });

  it('sizes an unset budget to what a smaller limit holds, in whole MiB', () => {
    const fitted = fitBudget(undefined, 512 * MiB);
    expect(fitted).toEqual({ ok: true, maxBytes: 102 * MiB });
    expect(limitNeeded(102 * MiB)).toBeLessThanOrEqual(512 * MiB);
    expect(limitNeeded(103 * MiB)).toBeGreaterThan(512 * MiB);
  });

  it('refuses a configured budget the limit cannot hold, saying what would', () => {
    expect(fitBudget(600 * MiB, 1024 * MiB)).toEqual({
      ok: false,
      error:
        "memory.maxBytes of 600 MiB needs a container memory limit of at least 1134 MiB (384 MiB + 1.25 × the budget), and this container's limit is 1024 MiB: lower memory.maxBytes or raise the limit",
    });
  });

  it('takes a configured budget exactly at what the limit holds, and refuses one byte over', () => {
    const limit = limitNeeded(300 * MiB);
    expect(fitBudget(300 * MiB, limit)).toEqual({ ok: true, maxBytes: 300 * MiB });
    expect(fitBudget(300 * MiB + 4, limit).ok).toBe(false);
  });

  it('refuses a limit too small for the smallest budget', () => {
    const fitted = fitBudget(undefined, RESERVE_BYTES + MIN_BUDGET_BYTES);
    expect(fitted).toEqual({
      ok: false,
      error:
        "this container's memory limit of 400 MiB is under the 404 MiB the ingester needs (384 MiB + 1.25 × the smallest budget, 16 MiB): raise the limit",
    });
    expect(fitBudget(undefined, limitNeeded(MIN_BUDGET_BYTES))).toEqual({
      ok: true,
      maxBytes: MIN_BUDGET_BYTES,
    });
  });
});

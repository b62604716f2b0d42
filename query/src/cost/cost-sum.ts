// A sum of call costs that stays honest about the calls it could not price: the known part in USD,
// and which provider/model pairs had no price. A sum with any unpriced call is partial; one with only
// unpriced calls is null, never $0.

import type { ModelUsage } from '../model/rows.ts';
import { countUnpriced } from './cost-metrics.ts';
import { type Pricer, unknownPrice } from './prices.ts';

export interface CostTotal {
  /** USD of the priced calls; null when there were calls and none could be priced. */
  costUsd: number | null;
  /** Some calls had no price: costUsd is a lower bound. */
  costPartial: boolean;
  /** Why: one "price unknown for provider/model" per pair without a price. */
  costUnknown: string[];
}

export class CostSum {
  private usd = 0;
  private priced = 0;
  private readonly unknown = new Set<string>();

  /** Adds one call: its cost, null when its model has no price, undefined when it is no model call. */
  add(cost: number | null | undefined, provider: string | null, model: string | null, weight = 1): void {
    if (cost === undefined) return;
    if (cost === null) {
      this.unknown.add(unknownPrice(provider, model ?? '(no model)'));
      countUnpriced(provider);
      return;
    }
    this.usd += weight * cost;
    this.priced++;
  }

  /** Adds another sum (the dashboard folds small groups into one). */
  merge(other: CostSum): void {
    this.usd += other.usd;
    this.priced += other.priced;
    for (const u of other.unknown) this.unknown.add(u);
  }

  total(): CostTotal {
    const partial = this.unknown.size > 0;
    return {
      costUsd: partial && this.priced === 0 ? null : this.usd,
      costPartial: partial,
      costUnknown: [...this.unknown].sort(),
    };
  }
}

/** The cost of one call's usage: undefined without a model, 0 without tokens, null without a price. */
export function usageCost(
  price: Pricer,
  provider: string | null,
  model: string | null,
  u: { input: number; output: number; cacheRead: number; cacheCreation: number; reasoning?: number },
): number | null | undefined {
  if (!model) return undefined;
  if (u.input <= 0 && u.output <= 0 && u.cacheRead <= 0 && u.cacheCreation <= 0) return 0;
  return price(provider, model, u) ?? null;
}

/** The cost of each trace of a search page, from its token use per model (counted spans only). */
export function traceCosts(price: Pricer, usage: readonly ModelUsage[]): Map<string, CostTotal> {
  const sums = new Map<string, CostSum>();
  for (const u of usage) {
    const sum = sums.get(u.trace_id) ?? new CostSum();
    sums.set(u.trace_id, sum);
    const c = usageCost(price, u.provider, u.model, {
      input: u.input_tokens,
      output: u.output_tokens,
      cacheRead: u.cache_read_tokens,
      cacheCreation: u.cache_creation_tokens,
      reasoning: u.reasoning_tokens ?? 0,
    });
    sum.add(c, u.provider, u.model);
  }
  return new Map([...sums].map(([id, s]) => [id, s.total()]));
}

/** A trace without model calls. */
export const NO_COST: CostTotal = { costUsd: 0, costPartial: false, costUnknown: [] };

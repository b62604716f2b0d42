// Model prices, in US dollars per million tokens, and the cost of a call. Following the OTel GenAI
// conventions, gen_ai.usage.input_tokens INCLUDES cached reads and cache writes, and
// output_tokens INCLUDES reasoning tokens; so cached and cache-write tokens are priced at their own
// rates and taken out of the plain input, and reasoning is not charged twice. Many tools add them on
// top instead, overstating cost.
import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';

export interface ModelPrice {
  input: number;
  output: number;
  /** Cached input read; defaults to the input price. */
  cacheRead?: number;
  /** Input written to the cache; defaults to the input price. */
  cacheWrite?: number;
}

export type PriceTable = Record<string, ModelPrice>;

/**
 * List prices at the time of writing (USD per 1M tokens), keyed "provider/model". Meant as a start:
 * override or extend with --prices FILE (same shape), since prices change.
 */
export const DEFAULT_PRICES: PriceTable = {
  'openai/gpt-4o': { input: 2.5, cacheRead: 1.25, output: 10 },
  'openai/gpt-4o-mini': { input: 0.15, cacheRead: 0.075, output: 0.6 },
  'openai/gpt-4.1': { input: 2, cacheRead: 0.5, output: 8 },
  'openai/gpt-4.1-mini': { input: 0.4, cacheRead: 0.1, output: 1.6 },
  'openai/o1': { input: 15, cacheRead: 7.5, output: 60 },
  'openai/o3-mini': { input: 1.1, cacheRead: 0.55, output: 4.4 },
  'anthropic/claude-opus-4': { input: 15, cacheRead: 1.5, cacheWrite: 18.75, output: 75 },
  'anthropic/claude-sonnet-4': { input: 3, cacheRead: 0.3, cacheWrite: 3.75, output: 15 },
  'anthropic/claude-3-5-sonnet': { input: 3, cacheRead: 0.3, cacheWrite: 3.75, output: 15 },
  'anthropic/claude-3-5-haiku': { input: 0.8, cacheRead: 0.08, cacheWrite: 1, output: 4 },
  'gcp.gemini/gemini-2.0-flash': { input: 0.1, cacheRead: 0.025, output: 0.4 },
  'gcp.gemini/gemini-1.5-pro': { input: 1.25, cacheRead: 0.3125, output: 5 },
};

export function loadPrices(file: string | undefined): PriceTable {
  if (!file) return DEFAULT_PRICES;
  const extra = yaml.load(readFileSync(file, 'utf8')) as PriceTable;
  return { ...DEFAULT_PRICES, ...extra };
}

export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
}

/**
 * The price for a model: "provider/model" or "model" exactly, else the longest key that prefixes it
 * (so "gpt-4o-2024-08-06" is priced as "gpt-4o").
 */
export function priceFor(
  table: PriceTable,
  provider: string | null,
  model: string | null,
): ModelPrice | undefined {
  if (!model) return undefined;
  const names = Object.keys(table);
  const candidates = [provider ? `${provider}/${model}` : undefined, model].filter((x): x is string => !!x);
  for (const c of candidates) if (table[c]) return table[c];
  let best: string | undefined;
  let bestLength = 0;
  for (const name of names) {
    const bare = name.includes('/') ? name.slice(name.indexOf('/') + 1) : name;
    const sameProvider = !provider || !name.includes('/') || name.startsWith(`${provider}/`);
    if (sameProvider && model.startsWith(bare) && bare.length > bestLength) {
      best = name;
      bestLength = bare.length;
    }
  }
  return best ? table[best] : undefined;
}

/** USD for one call; undefined when the model has no price. */
export function callCost(price: ModelPrice | undefined, u: Usage): number | undefined {
  if (!price) return undefined;
  const cached = Math.min(u.cacheRead, u.input);
  const written = Math.min(u.cacheCreation, u.input - cached);
  const plain = u.input - cached - written;
  const cost =
    plain * price.input +
    cached * (price.cacheRead ?? price.input) +
    written * (price.cacheWrite ?? price.input) +
    u.output * price.output;
  return cost / 1e6;
}

export type Pricer = (provider: string | null, model: string | null, u: Usage) => number | undefined;

/** Prices the calls of one answer: each provider/model pair is looked up in the table once. */
export function pricer(table: PriceTable): Pricer {
  const cache = new Map<string, ModelPrice | undefined>();
  return (provider, model, u) => {
    const key = `${provider ?? ''}/${model ?? ''}`;
    if (!cache.has(key)) cache.set(key, priceFor(table, provider, model));
    return callCost(cache.get(key), u);
  };
}

// Model prices, in US dollars per million tokens, and the cost of a call. The table is data: the dated
// prices.json shipped with the product, extended or overridden per installation by a file of the same
// shape (--prices). Following the OTel GenAI conventions, gen_ai.usage.input_tokens INCLUDES cached
// reads and cache writes, and output_tokens INCLUDES reasoning tokens; so cached and cache-write tokens
// are priced at their own rates and taken out of the plain input, and reasoning is not charged twice.
// A model the table does not know has no cost (null, "price unknown"), never $0.
import { readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';

export interface ModelPrice {
  input: number;
  output: number;
  /** Cached input read; defaults to the input price. */
  cacheRead?: number;
  /** Input written to the cache; defaults to the input price. */
  cacheWrite?: number;
  /** Reasoning output, where it is billed at another rate than output; defaults to the output price. */
  reasoning?: number;
  /** Batch API rates (kept for reference: spans do not say whether a call was batched). */
  batchInput?: number;
  batchOutput?: number;
  /**
   * The rates of a request whose input (cache included) is over `above` tokens: the whole request is
   * then billed at them (Gemini 2.5 Pro and 1.5 over 200k / 128k, Claude Sonnet 4 over 200k). Unset
   * rates default to the long-context input and output.
   */
  longContext?: LongContextPrice;
}

export interface LongContextPrice {
  above: number;
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
}

/** Prices keyed "provider/model" (provider as gen_ai.provider.name) or "model". */
export type PriceTable = Record<string, ModelPrice>;

export interface PriceFile {
  /** When the prices were taken from the providers' pages (YYYY-MM-DD); null when a file gives none. */
  date: string | null;
  models: PriceTable;
}

const FIELDS = new Set([
  'input',
  'output',
  'cacheRead',
  'cacheWrite',
  'reasoning',
  'batchInput',
  'batchOutput',
  'longContext',
]);
const LONG_FIELDS = new Set(['above', 'input', 'output', 'cacheRead', 'cacheWrite', 'reasoning']);

const isRate = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Checks a longContext entry; throws naming the field at fault. */
function checkLongContext(where: string, v: unknown): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`${where}: expected {above, input, output, ...}: tokens and USD per 1M tokens`);
  const lc = v as Record<string, unknown>;
  for (const [k, x] of Object.entries(lc)) {
    if (!LONG_FIELDS.has(k))
      throw new Error(`${where}: unknown field ${JSON.stringify(k)} (known: ${[...LONG_FIELDS].join(', ')})`);
    if (!isRate(x)) throw new Error(`${where}.${k}: expected a number ≥ 0, got ${JSON.stringify(x)}`);
  }
  if (lc.above === undefined || lc.input === undefined || lc.output === undefined)
    throw new Error(`${where}: above, input and output are required`);
}

/**
 * A price file's content, checked: `{date?, sources?, models: {...}}` or, as older versions read, a
 * bare map of "provider/model" to prices. Throws an Error naming the file and the entry at fault.
 */
export function parsePrices(text: string, source: string): PriceFile {
  let doc: unknown;
  try {
    doc = yaml.load(text); // YAML, and so JSON too
  } catch (err) {
    throw new Error(`${source}: not YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === undefined || doc === null) return { date: null, models: {} };
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new Error(`${source}: expected a map of "provider/model" to prices, or {date, models}`);
  const d = doc as Record<string, unknown>;
  const wrapped = 'models' in d;
  const models = (wrapped ? d.models : d) as unknown;
  if (typeof models !== 'object' || models === null || Array.isArray(models))
    throw new Error(`${source}: models: expected a map of "provider/model" to prices`);
  let date: string | null = null;
  if (wrapped && d.date !== undefined) {
    // js-yaml reads an unquoted 2025-09-30 as a Date
    const v = d.date instanceof Date ? d.date.toISOString().slice(0, 10) : d.date;
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v))
      throw new Error(`${source}: date: expected YYYY-MM-DD, got ${JSON.stringify(d.date)}`);
    date = v;
  }
  const out: PriceTable = Object.create(null);
  for (const [name, p] of Object.entries(models as Record<string, unknown>)) {
    if (typeof p !== 'object' || p === null || Array.isArray(p))
      throw new Error(`${source}: ${name}: expected {input, output, ...} in USD per 1M tokens`);
    const price = p as Record<string, unknown>;
    for (const [k, v] of Object.entries(price)) {
      if (k === 'longContext') {
        checkLongContext(`${source}: ${name}.longContext`, v);
        continue;
      }
      if (!FIELDS.has(k))
        throw new Error(
          `${source}: ${name}: unknown field ${JSON.stringify(k)} (known: ${[...FIELDS].join(', ')})`,
        );
      if (!isRate(v))
        throw new Error(
          `${source}: ${name}.${k}: expected a number ≥ 0 (USD per 1M tokens), got ${JSON.stringify(v)}`,
        );
    }
    if (price.input === undefined || price.output === undefined)
      throw new Error(`${source}: ${name}: input and output prices are required`);
    out[name] = price as unknown as ModelPrice;
  }
  return { date, models: out };
}

const SHIPPED = new URL('./prices.json', import.meta.url);
const shipped = parsePrices(readFileSync(SHIPPED, 'utf8'), 'prices.json');

/** The prices shipped with the product, and the date they were taken. */
export const DEFAULT_PRICES: PriceTable = shipped.models;
export const DEFAULT_PRICES_DATE = shipped.date;

/** The shipped prices with a file's entries over them (a file's entry replaces the shipped one). */
export function loadPrices(file: string | undefined): PriceTable {
  if (!file) return { ...DEFAULT_PRICES };
  return { ...DEFAULT_PRICES, ...parsePrices(readFileSync(file, 'utf8'), file).models };
}

export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  /** Part of output; priced apart only where the table gives a reasoning rate. */
  reasoning?: number;
}

/** Providers that serve other makers' models at those makers' list prices, looked up there next. */
const HOSTS: Record<string, string[]> = {
  'azure.ai.openai': ['openai'],
  'azure.ai.inference': ['openai', 'mistral_ai', 'cohere', 'deepseek'],
  'aws.bedrock': ['anthropic', 'mistral_ai', 'cohere', 'deepseek'],
  'gcp.vertex_ai': ['gcp.gemini', 'anthropic', 'mistral_ai'],
  'gcp.gen_ai': ['gcp.gemini', 'anthropic', 'mistral_ai'],
};

/**
 * The model id a price is kept under: without a path ("publishers/google/models/gemini-2.0-flash",
 * "models/…") or a Bedrock maker and region prefix ("us.anthropic.claude-…").
 */
function bareModel(model: string): string {
  const last = model.slice(model.lastIndexOf('/') + 1);
  return last.replace(/^(?:(?:us|eu|apac|global)\.)?(?:anthropic|meta|mistral|cohere|amazon|deepseek)\./, '');
}

/** What may follow a listed model's name in a dated id: dates, versions, "latest", "preview", "exp". */
const SUFFIX =
  /^(?:[-@_:.](?:\d{4}-\d{2}-\d{2}|\d{8}|\d{3,4}|v\d+(?::\d+)?|latest|preview(?:-\d{2}-\d{2,4})?|exp|\d{2}-\d{2}))*$/;

/**
 * The price for a model: "provider/model" or "model" exactly, else the entry the id extends by a date
 * or version suffix only ("gpt-4o-2024-08-06" is "gpt-4o"; "gpt-4o-mini" is not "gpt-4o"). A provider
 * that hosts others' models (Azure, Bedrock, Vertex AI) is looked up under those makers next.
 */
export function priceFor(
  table: PriceTable,
  provider: string | null,
  model: string | null,
): ModelPrice | undefined {
  if (!model) return undefined;
  const id = bareModel(model);
  const providers = provider ? [provider, ...(HOSTS[provider] ?? [])] : [null];
  for (const p of providers) {
    for (const m of id === model ? [model] : [model, id]) {
      const exact = table[p ? `${p}/${m}` : m] ?? table[m];
      if (exact) return exact;
    }
    let best: string | undefined;
    let bestLength = 0;
    for (const name of Object.keys(table)) {
      const slash = name.indexOf('/');
      const bare = slash >= 0 ? name.slice(slash + 1) : name;
      const sameProvider = !p || slash < 0 || name.slice(0, slash) === p;
      if (
        sameProvider &&
        bare.length > bestLength &&
        id.startsWith(bare) &&
        SUFFIX.test(id.slice(bare.length))
      ) {
        best = name;
        bestLength = bare.length;
      }
    }
    if (best) return table[best];
  }
  return undefined;
}

/**
 * USD for one call; undefined when the model has no price. A call whose input (cache included, as the
 * providers count it) is over the model's long-context threshold is billed wholly at those rates.
 */
export function callCost(model: ModelPrice | undefined, u: Usage): number | undefined {
  if (!model) return undefined;
  const lc = model.longContext;
  const price = lc && u.input > lc.above ? lc : model;
  const cached = Math.min(u.cacheRead, u.input);
  const written = Math.min(u.cacheCreation, u.input - cached);
  const plain = u.input - cached - written;
  const reasoning = price.reasoning === undefined ? 0 : Math.min(u.reasoning ?? 0, u.output);
  const cost =
    plain * price.input +
    cached * (price.cacheRead ?? price.input) +
    written * (price.cacheWrite ?? price.input) +
    (u.output - reasoning) * price.output +
    reasoning * (price.reasoning ?? price.output);
  return cost / 1e6;
}

/** What a call the table has no price for says instead of a cost. */
export const unknownPrice = (provider: string | null, model: string) =>
  `price unknown for ${provider ?? '(no provider)'}/${model}`;

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

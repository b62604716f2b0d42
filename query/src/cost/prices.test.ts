import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CostSum, traceCosts } from './cost-sum.ts';
import { followPrices } from './follow-prices.ts';
import { callCost, DEFAULT_PRICES, DEFAULT_PRICES_DATE, parsePrices, priceFor, pricer } from './prices.ts';

describe('cost', () => {
  it('prices cached reads and cache writes at their own rates, inside the input count', () => {
    const sonnet = priceFor(DEFAULT_PRICES, 'anthropic', 'claude-sonnet-4-20250514');
    // 10,000 input tokens of which 8,000 cache reads and 1,000 cache writes; 500 output.
    const cost = callCost(sonnet, { input: 10_000, cacheRead: 8_000, cacheCreation: 1_000, output: 500 });
    // 1,000 × $3 + 8,000 × $0.30 + 1,000 × $3.75 + 500 × $15, per million.
    expect(cost).toBeCloseTo((1_000 * 3 + 8_000 * 0.3 + 1_000 * 3.75 + 500 * 15) / 1e6, 12);
  });

  it('does not charge reasoning tokens twice (they are part of output), unless priced apart', () => {
    const o1 = priceFor(DEFAULT_PRICES, 'openai', 'o1');
    const u = { input: 1_000, cacheRead: 0, cacheCreation: 0, output: 2_000, reasoning: 1_500 };
    expect(callCost(o1, u)).toBeCloseTo((1_000 * 15 + 2_000 * 60) / 1e6, 12);
    // A table giving reasoning its own rate: 500 answer tokens at output, 1,500 at reasoning.
    expect(callCost({ input: 1, output: 2, reasoning: 4 }, u)).toBeCloseTo(
      (1_000 * 1 + 500 * 2 + 1_500 * 4) / 1e6,
      12,
    );
  });

  it('matches a dated or versioned id to the model it extends, and nothing else', () => {
    const p = DEFAULT_PRICES;
    expect(priceFor(p, 'openai', 'gpt-4o-mini-2024-07-18')).toBe(p['openai/gpt-4o-mini']);
    expect(priceFor(p, 'openai', 'gpt-4o-2024-08-06')).toBe(p['openai/gpt-4o']);
    expect(priceFor(p, 'gcp.gemini', 'gemini-2.0-flash-001')).toBe(p['gcp.gemini/gemini-2.0-flash']);
    expect(priceFor(p, 'anthropic', 'claude-3-5-sonnet-latest')).toBe(p['anthropic/claude-3-5-sonnet']);
    expect(priceFor(p, null, 'gpt-4o')).toBe(p['openai/gpt-4o']);
    // Another model is not priced as the one whose name it starts with.
    expect(priceFor({ 'openai/gpt-4o': { input: 1, output: 1 } }, 'openai', 'gpt-4o-mini')).toBeUndefined();
    expect(priceFor(p, 'openai', 'gpt-5.1')).toBeUndefined();
    expect(priceFor(p, 'openai', 'gpt-5-pro')).toBeUndefined();
    expect(priceFor(p, 'anthropic', 'gpt-4o')).toBeUndefined();
    expect(callCost(undefined, { input: 1, output: 1, cacheRead: 0, cacheCreation: 0 })).toBeUndefined();
  });

  it('bills a request over the long-context threshold wholly at the long-context rates', () => {
    const price = pricer(DEFAULT_PRICES);
    // Gemini 2.5 Pro: up to 200k input tokens $1.25 / $0.31 cached / $10 out; above, $2.50 / $0.625 / $15.
    const at = { input: 200_000, cacheRead: 50_000, cacheCreation: 0, output: 1_000 };
    expect(price('gcp.gemini', 'gemini-2.5-pro', at)).toBeCloseTo(
      (150_000 * 1.25 + 50_000 * 0.31 + 1_000 * 10) / 1e6,
      12,
    );
    const over = { ...at, input: 200_001 };
    expect(price('gcp.gemini', 'gemini-2.5-pro', over)).toBeCloseTo(
      (150_001 * 2.5 + 50_000 * 0.625 + 1_000 * 15) / 1e6,
      12,
    );
    // The same through Vertex AI, and Claude Sonnet 4 (1M context) with cache writes over 200k.
    expect(price('gcp.vertex_ai', 'publishers/google/models/gemini-2.5-pro', over)).toBe(
      price('gcp.gemini', 'gemini-2.5-pro', over),
    );
    const sonnet = { input: 300_000, cacheRead: 100_000, cacheCreation: 50_000, output: 2_000 };
    expect(price('anthropic', 'claude-sonnet-4-20250514', sonnet)).toBeCloseTo(
      (150_000 * 6 + 100_000 * 0.6 + 50_000 * 7.5 + 2_000 * 22.5) / 1e6,
      12,
    );
    // Models without a tier keep their one rate however long the prompt.
    expect(price('gcp.gemini', 'gemini-2.5-flash', over)).toBeCloseTo(
      (150_001 * 0.3 + 50_000 * 0.075 + 1_000 * 2.5) / 1e6,
      12,
    );
    // Unset long-context rates default to the long-context input and output.
    const lc = { input: 1, output: 2, cacheRead: 0.5, longContext: { above: 10, input: 3, output: 4 } };
    expect(callCost(lc, { input: 11, cacheRead: 5, cacheCreation: 0, output: 1 })).toBeCloseTo(
      (11 * 3 + 1 * 4) / 1e6,
      12,
    );
  });

  it("prices hosted models at their maker's list price: Bedrock, Vertex AI, Azure OpenAI", () => {
    const p = DEFAULT_PRICES;
    expect(priceFor(p, 'aws.bedrock', 'us.anthropic.claude-3-5-sonnet-20240620-v1:0')).toBe(
      p['anthropic/claude-3-5-sonnet'],
    );
    expect(priceFor(p, 'gcp.vertex_ai', 'claude-3-5-haiku@20241022')).toBe(p['anthropic/claude-3-5-haiku']);
    expect(priceFor(p, 'gcp.vertex_ai', 'publishers/google/models/gemini-2.5-flash')).toBe(
      p['gcp.gemini/gemini-2.5-flash'],
    );
    expect(priceFor(p, 'azure.ai.openai', 'gpt-4.1-mini')).toBe(p['openai/gpt-4.1-mini']);
  });
});

describe('the shipped price table', () => {
  it('is dated and covers the current models of the major providers', () => {
    expect(DEFAULT_PRICES_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const m of [
      'openai/gpt-5',
      'openai/gpt-5-mini',
      'openai/gpt-4.1',
      'openai/o3',
      'openai/text-embedding-3-small',
      'anthropic/claude-opus-4-1',
      'anthropic/claude-sonnet-4-5',
      'gcp.gemini/gemini-2.5-pro',
      'gcp.gemini/gemini-2.5-flash',
      'mistral_ai/mistral-large',
      'deepseek/deepseek-chat',
    ])
      expect(DEFAULT_PRICES[m], m).toBeDefined();
    // gpt-5 with 150k tokens is priced, not $0.
    expect(
      pricer(DEFAULT_PRICES)('openai', 'gpt-5', {
        input: 100_000,
        output: 50_000,
        cacheRead: 0,
        cacheCreation: 0,
      }),
    ).toBeCloseTo((100_000 * 1.25 + 50_000 * 10) / 1e6, 12);
  });

  it('refuses a price file with a clear reason', () => {
    expect(() => parsePrices('models: [1]', 'f.yaml')).toThrow(/f.yaml: models: expected a map/);
    expect(() => parsePrices('{"a/b": {"input": 1}}', 'f.json')).toThrow(/f.json: a\/b: input and output/);
    expect(() => parsePrices('a/b: {input: -1, output: 1}', 'f')).toThrow(
      /a\/b.input: expected a number ≥ 0/,
    );
    expect(() => parsePrices('a/b: {input: 1, output: 1, cached: 1}', 'f')).toThrow(/unknown field "cached"/);
    expect(() => parsePrices('date: yesterday\nmodels: {}', 'f')).toThrow(/date: expected YYYY-MM-DD/);
    expect(() => parsePrices('{', 'f')).toThrow(/f: not YAML or JSON/);
    expect(() => parsePrices('a/b: {input: 1, output: 1, longContext: {input: 2, output: 2}}', 'f')).toThrow(
      /a\/b.longContext: above, input and output are required/,
    );
    expect(() =>
      parsePrices('a/b: {input: 1, output: 1, longContext: {above: 9, input: 2, output: 2, batch: 1}}', 'f'),
    ).toThrow(/a\/b.longContext: unknown field "batch"/);
    expect(() =>
      parsePrices('a/b: {input: 1, output: 1, longContext: {above: 9, input: x, output: 2}}', 'f'),
    ).toThrow(/a\/b.longContext.input: expected a number ≥ 0/);
    expect(parsePrices('date: 2026-01-02\nmodels: {x/y: {input: 1, output: 2}}', 'f')).toEqual({
      date: '2026-01-02',
      models: { 'x/y': { input: 1, output: 2 } },
    });
  });
});

describe('an honest cost sum', () => {
  it('is partial with the reason when a call has no price, and null when no call has one', () => {
    const s = new CostSum();
    s.add(0.5, 'openai', 'gpt-4o');
    s.add(null, 'openai', 'gpt-9');
    expect(s.total()).toEqual({
      costUsd: 0.5,
      costPartial: true,
      costUnknown: ['price unknown for openai/gpt-9'],
    });
    const none = traceCosts(pricer(DEFAULT_PRICES), [
      {
        trace_id: 'a',
        provider: 'openai',
        model: 'gpt-9',
        input_tokens: 150_000,
        output_tokens: 0,
        cache_read_tokens: 0,
        cache_creation_tokens: 0,
      },
    ]);
    expect(none.get('a')).toEqual({
      costUsd: null,
      costPartial: true,
      costUnknown: ['price unknown for openai/gpt-9'],
    });
  });
});

describe('--prices FILE', () => {
  const quiet = { info() {}, error() {} };
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  async function until(check: () => boolean) {
    for (let i = 0; i < 60 && !check(); i++) await wait(50);
    return check();
  }

  it('is re-read when it changes, also when swapped the way a ConfigMap is; a bad edit keeps the prices in force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'koder-prices-'));
    try {
      // The ConfigMap layout: prices.yaml -> ..data/prices.yaml, ..data -> a timestamped directory.
      const v1 = join(dir, '..v1');
      const v2 = join(dir, '..v2');
      mkdirSync(v1);
      mkdirSync(v2);
      writeFileSync(join(v1, 'prices.yaml'), 'models: {"openai/gpt-9": {input: 1, output: 2}}\n');
      writeFileSync(join(v2, 'prices.yaml'), 'models: {"openai/gpt-9": {input: 3, output: 4}}\n');
      symlinkSync('..v1', join(dir, '..data'));
      symlinkSync('..data/prices.yaml', join(dir, 'prices.yaml'));
      const errors: string[] = [];
      const followed = followPrices(join(dir, 'prices.yaml'), {
        info() {},
        error: (o: { err: string }) => errors.push(o.err),
      } as never);
      try {
        expect(followed.table['openai/gpt-9']).toEqual({ input: 1, output: 2 });
        expect(followed.table['openai/gpt-4o']).toEqual(DEFAULT_PRICES['openai/gpt-4o']);
        // The atomic swap of ..data, as the kubelet does it.
        symlinkSync('..v2', join(dir, '..data_tmp'));
        renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
        expect(await until(() => followed.table['openai/gpt-9']?.input === 3)).toBe(true);
        // A bad edit: refused with the reason, the prices in force kept.
        const v3 = join(dir, '..v3');
        mkdirSync(v3);
        writeFileSync(join(v3, 'prices.yaml'), 'models: {"openai/gpt-9": {input: "x", output: 4}}\n');
        symlinkSync('..v3', join(dir, '..data_tmp'));
        renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
        expect(await until(() => errors.length > 0)).toBe(true);
        expect(errors[0]).toMatch(/openai\/gpt-9.input: expected a number/);
        expect(followed.table['openai/gpt-9']).toEqual({ input: 3, output: 4 });
      } finally {
        followed.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 15_000);

  it('that does not parse stops the start with the reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'koder-prices-'));
    try {
      writeFileSync(join(dir, 'p.yaml'), 'a/b: {input: 1}');
      expect(() => followPrices(join(dir, 'p.yaml'), quiet)).toThrow(
        /a\/b: input and output prices are required/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

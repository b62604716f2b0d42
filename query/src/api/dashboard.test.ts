import { markRollups } from '@koder-trace/ingester/usage-rollup';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES, pricer } from '../cost/prices.ts';
import type { DashboardPoint, Dimension } from '../model/dashboard-point.ts';
import { tracePoints } from '../model/dashboard-point.ts';
import type { SpanRow } from '../model/span.ts';
import { Dashboard, OTHER, parseDashboard } from './dashboard.ts';

const MS = 1_000_000n;
const price = pricer(DEFAULT_PRICES);

function point(p: Partial<DashboardPoint>): DashboardPoint {
  return {
    start_ns: 0n,
    duration_ns: 100n * MS,
    weight: 1,
    is_call: 1,
    is_error: 0,
    rating: null,
    provider: 'openai',
    model: 'gpt-4o',
    service: 'chat-api',
    prompt_id: null,
    prompt_version: null,
    user_id: null,
    input_tokens: 1000,
    output_tokens: 100,
    cache_read_tokens: 0,
    cache_creation_tokens: 0,
    reasoning_tokens: 0,
    ...p,
  };
}

const board = (over: Partial<{ buckets: number; top: number; by: Dimension }> = {}) =>
  new Dashboard({ by: 'model', buckets: 4, top: 8, startNs: 0n, endNs: 4000n * MS - 1n, ...over }, price);

describe('dashboard figures', () => {
  it('reweights sampled calls by their adjusted count', () => {
    const d = board();
    d.add(point({ weight: 1 }), 't');
    d.add(point({ weight: 4, is_error: 1 }), 't');
    const [g] = d.result().groups;
    expect(g?.calls).toBe(5);
    expect(g?.errorRate).toBeCloseTo(4 / 5);
    expect(g?.tokens.input).toBe(5000);
    expect(g?.costUsd).toBeGreaterThan(0);
    expect(d.result().estimated).toBe(true);
  });

  it('weighted latency quantiles within 1 %', () => {
    const d = board({ buckets: 1 });
    // 90 calls of 10 ms and 10 of 1000 ms, the slow ones weighted 10: by weight, 10 of 19 are slow.
    for (let i = 0; i < 90; i++) d.add(point({ duration_ns: 10n * MS }), 't');
    for (let i = 0; i < 10; i++) d.add(point({ duration_ns: 1000n * MS, weight: 10 }), 't');
    const [g] = d.result().groups;
    expect(g?.calls).toBe(190);
    expect(g?.latencyP50Ms).toBeGreaterThan(990);
    expect(g?.latencyP50Ms).toBeLessThan(1010);
    expect(g?.latencyP95Ms).toBeGreaterThan(990);
  });

  it('puts each point in its bucket, the range end in the last, nothing outside', () => {
    const d = board();
    d.add(point({ start_ns: 0n }), 't');
    d.add(point({ start_ns: 1500n * MS }), 't');
    d.add(point({ start_ns: 4000n * MS - 1n }), 't');
    d.add(point({ start_ns: 4000n * MS }), 't'); // after the end
    const r = d.result();
    expect(r.series.map((b) => b.groups[0]?.calls ?? 0)).toEqual([1, 1, 0, 1]);
    expect(r.groups[0]?.calls).toBe(3);
    expect(r.bucketMs).toBe(1000);
  });

  it('shows the largest groups and sums the rest as (other), in every bucket', () => {
    const d = board({ top: 2 });
    for (const [model, n] of [
      ['a', 5],
      ['b', 4],
      ['c', 2],
      ['d', 1],
    ] as const)
      for (let i = 0; i < n; i++) d.add(point({ model, start_ns: BigInt(i) * 700n * MS }), 't');
    const r = d.result();
    expect(r.groups.map((g) => [g.key, g.calls])).toEqual([
      ['a', 5],
      ['b', 4],
      [OTHER, 3],
    ]);
    // The first bucket (0–1 s) holds two calls of c and one of d.
    expect(r.series[0]?.groups.find((g) => g.key === OTHER)?.calls).toBe(3);
  });

  it('is honest about models without a price', () => {
    const d = board();
    d.add(point({ model: 'no-such-model', provider: 'acme' }), 't');
    const [g] = d.result().groups;
    expect(g?.costUsd).toBeNull();
    expect(g?.costUnknown).toEqual(['price unknown for acme/no-such-model']);
  });

  it('groups by end user, and calls of no known user as (none)', () => {
    const d = board({ by: 'user' });
    d.add(point({ user_id: 'ada' }), 't');
    d.add(point({ user_id: 'ada' }), 't');
    d.add(point({}), 't');
    expect(d.result().groups.map((g) => [g.key, g.calls])).toEqual([
      ['ada', 2],
      ['(none)', 1],
    ]);
  });

  it('groups by prompt version, and calls without a prompt as (none)', () => {
    const d = board({ by: 'promptVersion' });
    d.add(point({ prompt_id: 'support', prompt_version: 'v2' }), 't');
    d.add(point({}), 't');
    expect(
      d
        .result()
        .groups.map((g) => g.key)
        .sort(),
    ).toEqual(['(none)', 'support@v2']);
  });
});

describe('trace points', () => {
  const span = (s: Partial<SpanRow>): SpanRow =>
    ({
      parent_span_id: '',
      service: 'agent',
      start_ns: 10n * MS,
      duration_ns: 50n * MS,
      adjusted_count: 1,
      is_error: 0,
      rating: null,
      rollup: 0,
      operation: null,
      provider: 'openai',
      request_model: 'gpt-4o',
      response_model: null,
      prompt_id: null,
      prompt_version: null,
      input_tokens: 0,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_creation_tokens: 0,
      reasoning_tokens: 0,
      ...s,
    }) as SpanRow;

  it('counts an agent whose usage sums its calls once, and a rating with the call it rates', () => {
    const rows = [
      span({ span_id: 'agent', operation: 'invoke_agent', input_tokens: 300, output_tokens: 30 }),
      span({
        span_id: 'c1',
        parent_span_id: 'agent',
        operation: 'chat',
        input_tokens: 100,
        output_tokens: 10,
      }),
      span({
        span_id: 'c2',
        parent_span_id: 'agent',
        operation: 'chat',
        input_tokens: 200,
        output_tokens: 20,
        request_model: 'gpt-4o-mini',
      }),
      span({ span_id: 'r', parent_span_id: 'c2', rating: 0.5, service: 'feedback', request_model: null }),
    ];
    markRollups(rows);
    const points = tracePoints(rows, 0n, 1000n * MS);
    expect(points.map((p) => p.input_tokens).reduce((a, b) => a + b)).toBe(300);
    expect(points.filter((p) => p.is_call)).toHaveLength(2);
    const rating = points.find((p) => p.rating !== null);
    expect([rating?.model, rating?.service]).toEqual(['gpt-4o-mini', 'agent']);
  });
});

describe('parameters', () => {
  it('refuses an unknown dimension and out-of-range numbers, naming them', () => {
    expect(() => parseDashboard(new URLSearchParams('by=colour'))).toThrow(/^by: one of model, service/);
    expect(() => parseDashboard(new URLSearchParams('buckets=0'))).toThrow(/buckets/);
    expect(() => parseDashboard(new URLSearchParams('top=51'))).toThrow(/top/);
    expect(() => parseDashboard(new URLSearchParams('colour=red'))).toThrow(/colour/);
    expect(parseDashboard(new URLSearchParams(''))).toMatchObject({ by: 'model', buckets: 24, top: 8 });
  });
});

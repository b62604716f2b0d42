import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SamplingConfig } from '../config/schema.ts';
import type { Span, TraceBatch } from '../otlp/model.ts';
import { testSpan } from '../testing/spans.ts';
import { compilePolicy } from './policy.ts';
import { ADJUSTED_COUNT_ATTRIBUTE, decide, sampleBatch } from './sampler.ts';
import { decodeThreshold, encodeThreshold, MAX_THRESHOLD, thresholdFor } from './threshold.ts';

const span = (traceId: Uint8Array, over: Partial<Span> = {}): Span =>
  testSpan({ raw: new Uint8Array([1]), traceId, spanId: randomBytes(8), ...over });

const policy = (cfg: Partial<SamplingConfig>) =>
  compilePolicy({ defaultProbability: 1, keepErrors: true, rules: [], ...cfg });
const traceIdArb = fc.uint8Array({ minLength: 16, maxLength: 16 });
const probArb = fc.double({ min: 0, max: 1, noNaN: true });

describe('thresholds', () => {
  it.each([
    [1, '0'],
    [0.5, '8'],
    [0.25, 'c'],
    [0.1, 'e6666666666666'],
    [0.01, 'fd70a3d70a3d71'], // the spec's 'fd70a4' is the same threshold rounded to 6 digits
  ])('p=%d encodes as th:%s', (p, th) => {
    expect(encodeThreshold(thresholdFor(p))).toBe(th);
  });

  it('round-trips every threshold that can keep anything through its encoding', () => {
    fc.assert(
      fc.property(probArb, (p) => {
        const t = thresholdFor(p);
        if (t < MAX_THRESHOLD) expect(decodeThreshold(encodeThreshold(t))).toBe(t);
      }),
    );
  });
});

describe('consistent sampling', () => {
  it('gives the same decision for the same trace on independently built instances', () => {
    fc.assert(
      fc.property(traceIdArb, probArb, (id, p) => {
        const a = decide(span(id), [], policy({ defaultProbability: p }));
        const b = decide(span(Uint8Array.from(id)), [], policy({ defaultProbability: p }));
        expect(a.keep).toBe(b.keep);
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps, at a lower probability, a subset of what a higher one keeps', () => {
    fc.assert(
      fc.property(traceIdArb, probArb, probArb, (id, p1, p2) => {
        const [lo, hi] = p1 < p2 ? [p1, p2] : [p2, p1];
        if (decide(span(id), [], policy({ defaultProbability: lo })).keep) {
          expect(decide(span(id), [], policy({ defaultProbability: hi })).keep).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps a share of 100k random traces within 5 standard deviations of p', { timeout: 60_000 }, () => {
    const n = 100_000;
    const ids = randomBytes(16 * n);
    const s = span(ids.subarray(0, 16));
    for (const p of [0.01, 0.1, 0.5]) {
      const pol = policy({ defaultProbability: p });
      let kept = 0;
      for (let i = 0; i < n; i++) {
        s.traceId = ids.subarray(16 * i, 16 * i + 16);
        if (decide(s, [], pol).keep) kept++;
      }
      const sd = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(kept - n * p)).toBeLessThan(5 * sd);
    }
  });

  it('always keeps error spans (status ERROR or error.type), even at probability 0', () => {
    fc.assert(
      fc.property(traceIdArb, fc.boolean(), (id, byStatus) => {
        const s = byStatus
          ? span(id, { status: { code: 2, message: 'boom' } })
          : span(id, { attributes: [{ key: 'error.type', value: 'timeout' }] });
        expect(decide(s, [], policy({ defaultProbability: 0 })).keep).toBe(true);
      }),
    );
    expect(
      decide(
        span(randomBytes(16), { status: { code: 2, message: '' } }),
        [],
        policy({ defaultProbability: 0, keepErrors: false }),
      ).keep,
    ).toBe(false);
  });

  it('always keeps ratings, even at probability 0', () => {
    const rating = span(Buffer.alloc(16, 0), { attributes: [{ key: 'koder.rating.score', value: 0.75 }] });
    expect(decide(rating, [], policy({ defaultProbability: 0 })).keep).toBe(true);
  });

  it('uses rv from tracestate as randomness when present', () => {
    const id = Buffer.alloc(16, 0xff); // low bits say keep at any p
    const low = span(id, { traceState: 'ot=rv:00000000000001' });
    expect(decide(low, [], policy({ defaultProbability: 0.5 })).keep).toBe(false);
  });

  it('only ever raises an incoming threshold (equalizing)', () => {
    const id = Buffer.alloc(16, 0xff);
    // Upstream sampled at 25% (th:c); we sample at 50%: the recorded threshold stays c.
    const d = decide(span(id, { traceState: 'ot=th:c,vendor=x' }), [], policy({ defaultProbability: 0.5 }));
    expect(d.keep && encodeThreshold(d.threshold)).toBe('c');
    // Upstream at 50%, we at 25%: raised to c.
    const e = decide(span(id, { traceState: 'ot=th:8' }), [], policy({ defaultProbability: 0.25 }));
    expect(e.keep && encodeThreshold(e.threshold)).toBe('c');
  });
});

describe('sampleBatch', () => {
  const batchOf = (spans: Span[], service = 'api'): TraceBatch => ({
    resourceSpans: [
      {
        resource: {
          attributes: [{ key: 'service.name', value: service }],
          droppedAttributesCount: 0,
          unknown: [],
        },
        scopeSpans: [{ scope: { raw: null, name: '', version: '' }, spans, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  });

  it('leaves spans untouched when everything is kept at probability 1', () => {
    const spans = [span(randomBytes(16)), span(randomBytes(16))];
    const out = sampleBatch(batchOf(spans), policy({}));
    expect(out).toEqual({ kept: 2, dropped: 0, keptErrors: 0 });
    expect(spans.every((s) => s.raw !== null)).toBe(true);
  });

  it('applies the first matching rule and marks kept spans with th and adjusted count', () => {
    const keepId = Buffer.alloc(16, 0xff);
    const health = span(keepId, { name: 'GET /healthz', traceState: 'vendor=1' });
    const chat = span(keepId, {
      name: 'chat gpt-4o',
      attributes: [{ key: 'gen_ai.request.model', value: 'gpt-4o' }],
    });
    const pol = policy({
      defaultProbability: 0.5,
      rules: [
        { name: 'health', match: [{ field: 'name', op: 'prefix', value: 'GET /health' }], probability: 0.25 },
        { name: 'llm', match: [{ field: 'attribute.gen_ai.request.model', op: 'exists' }], probability: 1 },
      ],
    });
    const batch = batchOf([health, chat]);
    expect(sampleBatch(batch, pol)).toEqual({ kept: 2, dropped: 0, keptErrors: 0 });
    expect(health.traceState).toBe('ot=th:c,vendor=1');
    expect(health.attributes).toContainEqual({ key: ADJUSTED_COUNT_ATTRIBUTE, value: 4 });
    expect(health.raw).toBeNull();
    expect(chat.raw).not.toBeNull(); // probability 1: untouched
  });

  it('removes dropped spans and empty groups', () => {
    const dropId = Buffer.alloc(16, 0);
    const batch = batchOf([span(dropId), span(dropId)]);
    expect(sampleBatch(batch, policy({ defaultProbability: 0.5 }))).toEqual({
      kept: 0,
      dropped: 2,
      keptErrors: 0,
    });
    expect(batch.resourceSpans).toEqual([]);
  });
});

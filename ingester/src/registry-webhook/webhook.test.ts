import { describe, expect, it } from 'vitest';
import type { TraceBatch } from '../otlp/model.ts';
import { testSpan } from '../testing/spans.ts';
import { outcomeOf, parseRetryAfter, retryDelayMs } from './backoff.ts';
import { ratingPayloads } from './payload.ts';
import { signBody, verifySignature } from './signature.ts';

describe('webhook signature', () => {
  const body = '{"score":4}';
  it('verifies what it signs, and nothing else', () => {
    const h = signBody('s3cret', 1_700_000_000, body);
    expect(h).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature('s3cret', h, body, 1_700_000_010)).toBe(true);
    expect(verifySignature('other', h, body, 1_700_000_010)).toBe(false);
    expect(verifySignature('s3cret', h, '{"score":5}', 1_700_000_010)).toBe(false);
    expect(verifySignature('s3cret', h, body, 1_700_000_000 + 301)).toBe(false); // replayed late
    expect(verifySignature('s3cret', h.replace('t=1700000000', 't=1700000001'), body, 1_700_000_000)).toBe(
      false,
    );
    expect(verifySignature('s3cret', 'garbage', body, 1_700_000_000)).toBe(false);
    expect(verifySignature('s3cret', undefined, body, 1_700_000_000)).toBe(false);
  });
});

describe('retry back-off', () => {
  const s = { initialMs: 1000, maxMs: 60_000 };
  it('doubles per attempt within [step/2, step], capped, with Retry-After as a floor', () => {
    expect(retryDelayMs(1, s, 0)).toBe(500);
    expect(retryDelayMs(1, s, 0.999)).toBe(1000);
    expect(retryDelayMs(4, s, 0)).toBe(4000);
    expect(retryDelayMs(4, s, 0.9999)).toBe(8000);
    expect(retryDelayMs(30, s, 0.5)).toBe(45_000);
    expect(retryDelayMs(1, s, 0, 20_000)).toBe(20_000);
    expect(retryDelayMs(1, s, 0, 600_000)).toBe(60_000);
  });
  it('reads Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
  it('retries 408, 429 and 5xx; gives up on other 4xx', () => {
    expect([200, 204, 408, 429, 500, 503, 400, 401, 404, 410, 302].map(outcomeOf)).toEqual([
      'delivered',
      'delivered',
      'retry',
      'retry',
      'retry',
      'retry',
      'permanent',
      'permanent',
      'permanent',
      'permanent',
      'permanent',
    ]);
  });
});

describe('rating payloads', () => {
  const batchOf = (...spans: ReturnType<typeof testSpan>[]): TraceBatch => ({
    resourceSpans: [
      {
        resource: { attributes: [], droppedAttributesCount: 0, unknown: [] },
        scopeSpans: [{ scope: { raw: null, name: '', version: '' }, spans, schemaUrl: '' }],
        schemaUrl: '',
      },
    ] as TraceBatch['resourceSpans'],
  });
  it('names the rated span, prompt, score and comment of each rating span, and skips other spans', () => {
    const rating = testSpan({
      traceId: new Uint8Array(16).fill(0xab),
      spanId: new Uint8Array(8).fill(0x02),
      parentSpanId: new Uint8Array(8).fill(0x01),
      endTimeUnixNano: 1_700_000_000_123_000_000n,
      attributes: [
        { key: 'koder.rating.score', value: 0.9 },
        { key: 'koder.rating.comment', value: 'good' },
        { key: 'koder.rating.source', value: 'ui' },
        { key: 'koder.prompt.id', value: 'support-answer' },
        { key: 'koder.prompt.version', value: '7' },
      ],
    });
    const noScore = testSpan({ attributes: [{ key: 'koder.rating.score', value: 'high' }] });
    const plain = testSpan({ attributes: [{ key: 'gen_ai.operation.name', value: 'chat' }] });
    const [p, ...rest] = ratingPayloads('acme', batchOf(plain, rating, noScore));
    expect(rest).toEqual([]);
    expect(p).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      type: 'koder.rating',
      tenant: 'acme',
      trace_id: 'ab'.repeat(16),
      span_id: '01'.repeat(8),
      rating_span_id: '02'.repeat(8),
      prompt_id: 'support-answer',
      prompt_version: '7',
      score: 0.9,
      comment: 'good',
      source: 'ui',
      rated_at: '2023-11-14T22:13:20.123Z',
    });
    // The id is the same for the same rating span (idempotency), different for another tenant.
    expect(ratingPayloads('acme', batchOf(rating))[0]?.id).toBe(p?.id);
    expect(ratingPayloads('other', batchOf(rating))[0]?.id).not.toBe(p?.id);
  });
});

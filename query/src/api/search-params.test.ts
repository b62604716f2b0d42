import { describe, expect, it } from 'vitest';
import { BadRequest, INT64_MAX, MAX_DURATION_MS } from '../model/filter.ts';
import { OVERLAY_PARAMS, parseBuckets, parseRange, parseSearch } from './search-params.ts';

const search = (q: string) => parseSearch(new URLSearchParams(q));
const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (err instanceof BadRequest) return err.message;
    throw err;
  }
  throw new Error('expected a BadRequest');
};

describe('search parameters', () => {
  it('reads times as RFC 3339 (to the nanosecond), milliseconds or nanoseconds since the epoch', () => {
    expect(search('start=1700000000000').startNs).toBe(1_700_000_000_000_000_000n);
    expect(search('start=1700000000000000001').startNs).toBe(1_700_000_000_000_000_001n);
    expect(search('start=2023-11-14T22:13:20Z').startNs).toBe(1_700_000_000_000_000_000n);
    expect(search('start=2023-11-14T22:13:20.123456789Z').startNs).toBe(1_700_000_000_123_456_789n);
    expect(search('start=2023-11-14T23:13:20%2B01:00').startNs).toBe(1_700_000_000_000_000_000n);
    expect(search('start=2023-11-14').startNs).toBe(1_699_920_000_000_000_000n);
    expect(search(`end=${INT64_MAX}`).endNs).toBe(INT64_MAX);
    expect(search('end=0').endNs).toBe(0n);
  });

  // Each of these answered 500 before: the value reached SQLite outside int64, or as a non-finite number.
  const refused: [string, RegExp][] = [
    ['end=99999999999999999999', /^end: out of range/],
    ['start=99999999999999999999', /^start: out of range/],
    [`start=${INT64_MAX + 1n}`, /^start: out of range/],
    ['start=9999999999999', /^start: out of range/], // milliseconds past 2262
    ['start=2263-01-01T00:00:00Z', /^start: out of range/],
    ['start=1969-12-31T23:59:59Z', /^start: out of range/],
    ['start=-271821-04-20T00:00:00Z', /^start: expected RFC 3339/],
    ['start=-1', /^start: expected RFC 3339/],
    ['start=1e3', /^start: expected RFC 3339/],
    ['start=%205', /^start: expected RFC 3339/], // Date.parse would read " 5" as a date in 2001
    ['start=Tue%20March%205', /^start: expected RFC 3339/],
    ['start=2024-02-30T00:00:00Z', /^start: expected RFC 3339/], // not rolled over to March
    ['start=2024-01-01T00:00:00', /^start: expected RFC 3339/], // no offset: ambiguous
    ['start=2&end=1', /^start: later than end/],
    ['minDurationMs=1e308', /^minDurationMs: expected a number of milliseconds from 0 to 9223372036854/],
    ['minDurationMs=1e13', /^minDurationMs: expected/],
    ['minDurationMs=Infinity', /^minDurationMs: expected/],
    ['minDurationMs=NaN', /^minDurationMs: expected/],
    ['minDurationMs=-1', /^minDurationMs: expected/],
    ['minDurationMs=', /^minDurationMs: expected/],
    ['minDurationMs=0x10', /^minDurationMs: expected/],
    ['limit=0', /^limit: expected 1 to 1000, got "0"$/],
    ['limit=1001', /^limit: expected 1 to 1000/],
    ['limit=1e3', /^limit: expected 1 to 1000/],
    ['limit=99999999999999999999999', /^limit: expected 1 to 1000/],
    ['limit=-5', /^limit: expected 1 to 1000/],
    ['limit=', /^limit: expected 1 to 1000/],
    ['limit=5.5', /^limit: expected 1 to 1000/],
    ['minRating=1.5', /^minRating: expected a number from 0 to 1/],
    ['maxRating=-0.1', /^maxRating: expected a number from 0 to 1/],
    ['minRating=', /^minRating: expected a number from 0 to 1/],
    ['maxRating=0x1', /^maxRating: expected a number from 0 to 1/],
    ['minRating=0.8&maxRating=0.2', /^minRating: greater than maxRating/],
    ['error=yes', /^error: expected true or false/],
    ['sort=cost', /^sort: expected one of start,/],
    ['order=up', /^order: expected asc or desc/],
    ['attr=novalue', /^attr: expected key=value/],
    ['attr=a%00b%3Dx', /^attr: control characters/], // a NUL in a JSON path is a SQLite error
    [Array.from({ length: 33 }, (_, i) => `attr=k${i}%3Dv`).join('&'), /^attr: at most 32 filters, got 33/],
    ['service=a%0Ab', /^service: control characters/],
    ['cursor=not%20base64', /^cursor: not a cursor/],
    [`cursor=${'A'.repeat(5000)}`, /^cursor: not a cursor/],
    ['limit=5&limit=6', /^limit: given more than once/],
    ['servce=api', /^unknown parameter "servce": this endpoint takes start, end, service, /],
    ['buckets=4', /^unknown parameter "buckets"/],
  ];
  it.each(refused.map(([q, m]) => [q.length > 60 ? `${q.slice(0, 60)}…` : q, q, m] as const))(
    '%s → 400',
    (_name, q, message) => {
      expect(refusal(() => search(q))).toMatch(message);
    },
  );

  it('keeps values at the edges of their ranges', () => {
    expect(search(`minDurationMs=${MAX_DURATION_MS}`).minDurationMs).toBe(MAX_DURATION_MS);
    // Its nanoseconds, as the store computes them, still fit int64.
    expect(BigInt(Math.round(MAX_DURATION_MS * 1e6)) <= INT64_MAX).toBe(true);
    expect(search('minDurationMs=1.5e3&minRating=0&maxRating=1&limit=1000')).toMatchObject({
      minDurationMs: 1500,
      minRating: 0,
      maxRating: 1,
      limit: 1000,
    });
    expect(search('attr=a%3Db&attr=c%3D&service=&cursor=').attributes).toEqual([
      ['a', 'b'],
      ['c', ''],
    ]);
  });

  it('takes what the trace table of the UI sends', () => {
    const q = new URLSearchParams({
      service: 'support-agent',
      model: 'gpt-4o',
      minDurationMs: '1000',
      error: 'true',
      cursor: 'WyIxIiwiYWIiXQ',
      start: String(Date.now() - 3600_000),
      sort: 'duration',
      order: 'asc',
      limit: '50',
    });
    q.append('attr', 'gen_ai.agent.name=support');
    expect(parseSearch(q)).toMatchObject({ service: 'support-agent', limit: 50, ascending: true });
  });
});

describe('range and bucket parameters', () => {
  it('takes start and end only on the prompt list, and buckets too on the overlay', () => {
    expect(parseRange(new URLSearchParams('start=1&end=2'))).toEqual({
      startNs: 1_000_000n,
      endNs: 2_000_000n,
    });
    expect(refusal(() => parseRange(new URLSearchParams('limit=5')))).toBe(
      'unknown parameter "limit": this endpoint takes start, end',
    );
    const overlay = new URLSearchParams('start=1&buckets=48');
    expect(parseRange(overlay, OVERLAY_PARAMS)).toEqual({ startNs: 1_000_000n });
    expect(parseBuckets(overlay)).toBe(48);
    expect(parseBuckets(new URLSearchParams())).toBe(12);
    for (const b of ['0', '201', '1e2', '', 'x', '99999999999999999999'])
      expect(refusal(() => parseBuckets(new URLSearchParams({ buckets: b })))).toMatch(
        /^buckets: expected 1 to 200/,
      );
  });

  it('cuts a huge value short in its message', () => {
    const message = refusal(() => search(`start=${'x'.repeat(10_000)}`));
    expect(message.length).toBeLessThan(300);
  });
});

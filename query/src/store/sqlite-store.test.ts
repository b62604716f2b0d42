// The embedded store as a sink: a span it cannot store is handed back alone, the rest are stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTraceRequest, spanCount } from '@koder-trace/ingester/otlp';
import { attribute, request, span, str, traceId } from '@koder-trace/ingester/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'koder-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('embedded store as a sink', () => {
  it('stores what it can and refuses only the span it cannot store', async () => {
    const store = openEmbeddedStore(join(dir, 'a.db'));
    const trace = traceId();
    const batch = decodeTraceRequest(
      request([
        span({ trace, name: 'good-1' }),
        span({ trace, name: 'bad' }, attribute('__proto__', str('kept as data'))),
        span({ trace, name: 'good-2' }),
      ]),
    );
    // Bypasses the ingester's validation: a time the store's int64 columns cannot hold.
    const bad = batch.resourceSpans[0]?.scopeSpans[0]?.spans[1];
    if (!bad) throw new Error('no span');
    bad.startTimeUnixNano = 2n ** 64n - 1n;
    bad.raw = null;
    const result = await store.export('t', batch);
    expect(result.kind).toBe('success');
    if (result.kind !== 'success') return;
    expect(result.refused && spanCount(result.refused.batch)).toBe(1);
    expect(result.refused?.reason).toMatch(/embedded store/);
    const stored = store.spans('t', Buffer.from(trace).toString('hex'));
    expect(stored.map((r) => r.name).sort()).toEqual(['good-1', 'good-2']);
    await store.close();
  });

  it('keeps attribute keys such as __proto__ and toString as data', async () => {
    const store = openEmbeddedStore(join(dir, 'b.db'));
    const trace = traceId();
    const batch = decodeTraceRequest(
      request([span({ trace }, attribute('__proto__', str('a')), attribute('toString', str('b')))]),
    );
    expect((await store.export('t', batch)).kind).toBe('success');
    const [row] = store.spans('t', Buffer.from(trace).toString('hex'));
    expect(JSON.parse(row?.attributes ?? '{}')).toHaveProperty(['__proto__'], 'a');
    expect(JSON.parse(row?.attributes ?? '{}')).toHaveProperty('toString', 'b');
    await store.close();
  });
});

describe('embedded store search', () => {
  it('refuses a cursor whose sort value is beyond 64 bits, instead of failing', () => {
    const store = openEmbeddedStore(join(dir, 'c.db'));
    const cursor = Buffer.from(JSON.stringify(['99999999999999999999999', 'ab'])).toString('base64url');
    expect(() => store.search('t', { limit: 10, cursor })).toThrow(/cursor: not a cursor from this search/);
    void store.close();
  });
});

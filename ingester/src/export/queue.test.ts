// The export queue against scripted sinks: tenants isolated from each other's failures, permanent
// refusals dead-lettered and re-drivable, oversized batches split, byte and share limits kept.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createBufferPool, joinInto } from '../memory/buffer-pool.ts';
import { createByteBudget } from '../memory/byte-budget.ts';
import { createMetrics } from '../metrics.ts';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { type EncodedRequest, joinRequests, requestSize } from '../otlp/encode-proto.ts';
import { spanCount, type TraceBatch } from '../otlp/model.ts';
import { attribute, request, span, str } from '../testing/otlp-builder.ts';
import { createDeadLetter } from './dead-letter.ts';
import { createExportQueue } from './queue.ts';
import type { ExportResult, SpanSink } from './sink.ts';

const dir = mkdtempSync(join(tmpdir(), 'koder-queue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = {
  maxBatchSpans: 1000,
  maxBatchBytes: 64 * 1024,
  maxBatchDelayMs: 5,
  queueMaxSpans: 1000,
  retryInitialMs: 20,
  retryMaxMs: 100,
};
const log = pino({ level: 'silent' });
const llmBatch = (n: number, bytes = 2000): TraceBatch =>
  decodeTraceRequest(
    request(
      Array.from({ length: n }, () => span({}, attribute('gen_ai.input.messages', str('x'.repeat(bytes))))),
    ),
  );

/** A sink whose answer is scripted per call; it records what it stored. */
function scriptedSink(answer: (tenant: string, batch: TraceBatch) => ExportResult) {
  const stored = new Map<string, number>();
  const sizes: number[] = [];
  const sink: SpanSink = {
    async export(tenant, batch) {
      sizes.push(requestSize(batch));
      const r = answer(tenant, batch);
      if (r.kind === 'success') stored.set(tenant, (stored.get(tenant) ?? 0) + spanCount(batch));
      return r;
    },
    close: async () => {},
  };
  return { sink, stored, sizes };
}

const until = async (what: string, ok: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('export queue', () => {
  it("keeps delivering other tenants' spans while one tenant's batches keep failing", async () => {
    const { sink, stored } = scriptedSink((tenant) =>
      tenant === 'poisoned' ? { kind: 'retryable', reason: 'storage says no' } : { kind: 'success' },
    );
    const metrics = createMetrics();
    const q = createExportQueue({ sink, config, metrics, log });
    for (let i = 0; i < 8; i++) expect(q.offer('poisoned', llmBatch(5), 5)).toBe(true);
    for (let i = 0; i < 20; i++) {
      expect(q.offer('healthy', llmBatch(5), 5)).toBe(true);
      await new Promise((r) => setTimeout(r, 2));
    }
    await until('the healthy tenant delivered', () => stored.get('healthy') === 100);
    expect(stored.get('poisoned')).toBeUndefined();
    // The poisoned tenant may hold at most half of the queue; the healthy one is still admitted.
    expect(q.offer('poisoned', llmBatch(500), 500)).toBe(false);
    expect(q.offer('healthy', llmBatch(5), 5)).toBe(true);
    expect(q.retryAfterMs('poisoned')).toBeGreaterThanOrEqual(1000);
  });

  it('dead-letters a permanently refused batch, and re-drives it once storage takes it', async () => {
    let refuse = true;
    const { sink, stored } = scriptedSink(() =>
      refuse ? { kind: 'failure', reason: 'INVALID_ARGUMENT: no' } : { kind: 'success' },
    );
    const deadLetter = createDeadLetter(join(dir, 'dl'));
    const metrics = createMetrics();
    const q = createExportQueue({ sink, config, metrics, log, deadLetter });
    q.offer('a', llmBatch(3), 3);
    await until('the batch dead-lettered', () => deadLetter.list().length === 1);
    await until('the queue empty', () => q.depth === 0);
    expect(deadLetter.list()[0]).toMatchObject({ tenant: 'a', spans: 3, reason: 'INVALID_ARGUMENT: no' });
    refuse = false;
    expect(deadLetter.redrive((t, b, n) => q.offer(t, b, n))).toEqual({ batches: 1, spans: 3, left: 0 });
    await until('the re-driven spans stored', () => stored.get('a') === 3);
    expect(deadLetter.list()).toEqual([]);
  });

  it('hands back only the spans storage refused, and delivers the rest', async () => {
    const { sink } = scriptedSink((_t, batch) => ({
      kind: 'success',
      refused: { batch: { resourceSpans: batch.resourceSpans.slice(0, 1) }, reason: 'bad span' },
    }));
    const deadLetter = createDeadLetter(join(dir, 'partial'));
    const metrics = createMetrics();
    const q = createExportQueue({ sink, config, metrics, log, deadLetter });
    q.offer('a', llmBatch(1), 1);
    await until('the refused span dead-lettered', () => deadLetter.list().length === 1);
    expect(deadLetter.list()[0]).toMatchObject({ spans: 1, reason: 'bad span' });
  });

  it('splits a batch the receiver refuses as too large until the parts pass', async () => {
    const limit = 20 * 1024; // a receiver stricter than maxBatchBytes
    const { sink, stored, sizes } = scriptedSink((_t, batch) =>
      requestSize(batch) > limit
        ? { kind: 'tooLarge', reason: 'RESOURCE_EXHAUSTED: received message larger than max' }
        : { kind: 'success' },
    );
    const q = createExportQueue({ sink, config, metrics: createMetrics(), log });
    q.offer('a', llmBatch(40), 40);
    await until('every span delivered', () => stored.get('a') === 40);
    expect(sizes.some((s) => s > limit)).toBe(true);
    expect(q.depth).toBe(0);
  });

  it('never sends a request over maxBatchBytes, however large the request it took', async () => {
    const { sink, stored, sizes } = scriptedSink(() => ({ kind: 'success' }));
    const q = createExportQueue({ sink, config, metrics: createMetrics(), log });
    q.offer('a', llmBatch(200, 3000), 200);
    for (let i = 0; i < 10; i++) q.offer('a', llmBatch(10, 3000), 10);
    await until('every span delivered', () => stored.get('a') === 300);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(config.maxBatchBytes);
  });
});

describe('export queue and the memory budget', () => {
  it('refuses a reservation past the budget, and gives the bytes back when spans leave', async () => {
    let open = true;
    const { sink, stored } = scriptedSink(() =>
      open ? { kind: 'retryable', reason: 'down' } : { kind: 'success' },
    );
    const budget = createByteBudget(64 * 1024);
    const q = createExportQueue({
      sink,
      config,
      metrics: createMetrics(),
      log,
      budget,
      tenantCount: () => 1,
    });
    const batch = llmBatch(5); // about 10 KB
    let taken = 0;
    while (true) {
      const r = q.reserve('a', 5, requestSize(batch));
      if (!r) break;
      r.commit(llmBatch(5));
      taken++;
    }
    expect(taken).toBeGreaterThan(2);
    expect(budget.used).toBeLessThanOrEqual(budget.max);
    open = false;
    await until('everything delivered', () => stored.get('a') === taken * 5);
    expect(budget.used).toBe(0);
    expect(q.reserve('a', 5, requestSize(batch))).toBeDefined();
  });
});

describe('export queue and pooled request bodies', () => {
  const MiB = 1024 * 1024;
  /** Each span's bytes, in order. */
  const spansOf = (batches: readonly TraceBatch[]) =>
    batches.flatMap((b) =>
      b.resourceSpans.flatMap((rs) =>
        rs.scopeSpans.flatMap((ss) => ss.spans.map((sp) => Buffer.from(sp.raw ?? []))),
      ),
    );
  const received = request(
    Array.from({ length: 30 }, (_, i) =>
      span({}, attribute('gen_ai.input.messages', str(`${i}`.repeat(3000)))),
    ),
  );

  /**
   * Tenant `a`'s request as the HTTP receiver holds it (its bytes in a poisoned pool, its spans viewing
   * them), queued while tenant `b`'s exports take every slot; then the handler lets go of the body and
   * the pool hands the buffer's class out again. `b`'s exports finish when `open` is called.
   */
  function queueFromPool(store: (batch: TraceBatch) => void, maxBatchBytes: number, encoded: boolean) {
    let open = () => {};
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const take = async (tenant: string, batch: () => TraceBatch): Promise<ExportResult> => {
      if (tenant === 'b') await gate;
      else store(batch());
      return { kind: 'success' };
    };
    const sink: SpanSink = {
      export: (tenant, batch) => take(tenant, () => batch),
      ...(encoded
        ? {
            exportEncoded: (tenant: string, requests: readonly EncodedRequest[]) =>
              take(tenant, () => decodeTraceRequest(Buffer.from(joinRequests(requests)))),
          }
        : {}),
      close: async () => {},
    };
    const pool = createBufferPool({ maxBytes: 16 * MiB, keepBytes: 64 * MiB, poison: true });
    const q = createExportQueue({
      sink,
      config: { ...config, maxBatchBytes, maxBatchDelayMs: 0 },
      metrics: createMetrics(),
      log,
      pool,
    });
    for (let i = 0; i < 4; i++) q.offer('b', llmBatch(1), 1);
    const body = joinInto(pool, [received], received.length);
    const batch = decodeTraceRequest(body.bytes);
    q.reserve('a', 30, body.bytes.length)?.commit(batch, undefined, q.requestFor(batch, false));
    body.release();
    const next = pool.take(received.length);
    next.bytes.fill(0x20);
    open();
    return { pool, q, body, next };
  }

  it('keeps a body its queued spans view out of the pool until they are delivered', async () => {
    const sent: TraceBatch[] = [];
    const { pool, q, body, next } = queueFromPool((b) => sent.push(b), 4 * MiB, true);
    expect(next.bytes.buffer).not.toBe(body.bytes.buffer);
    await until('delivered', () => q.depth === 0);
    expect(spansOf(sent)).toEqual(spansOf([decodeTraceRequest(received)]));
    expect(pool.leaseOf(body.bytes.buffer)).toBeUndefined();
    next.release();
    expect(pool.taken).toBe(0);
  });

  it('holds the body for every part of a split request, and gives decoded batches copies', async () => {
    // A sink that keeps the batches it is given, as the embedded store does.
    const stored: TraceBatch[] = [];
    // Parts of 100 KiB: at least one views the body (a smaller part is copied when it is cut).
    const { pool, q, next } = queueFromPool((b) => stored.push(b), 100 * 1024, false);
    await until('delivered', () => q.depth === 0);
    expect(stored.length).toBeGreaterThan(1);
    next.release();
    // Every pooled buffer back in the pool (and poisoned there): what the sink kept is intact.
    expect(pool.taken).toBe(0);
    pool.take(received.length).bytes.fill(0x21);
    expect(spansOf(stored)).toEqual(spansOf([decodeTraceRequest(received)]));
  });
});

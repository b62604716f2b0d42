// The export queue against scripted sinks: tenants isolated from each other's failures, permanent
// refusals dead-lettered and re-drivable, oversized batches split, byte and share limits kept.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createByteBudget } from '../memory/byte-budget.ts';
import { createMetrics } from '../metrics.ts';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import { requestSize } from '../otlp/encode-proto.ts';
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

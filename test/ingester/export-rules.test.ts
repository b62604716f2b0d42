// Export by the OTLP rules, end to end: the real ingester exports to a gRPC receiver that answers each
// status code in turn. The retryable codes (and RESOURCE_EXHAUSTED with a RetryInfo) are retried until
// storage takes the batch, at the pace the receiver asks for; every other code is permanent and the
// batch goes to the dead-letter area at once (GET /dead-letter), never retried and never dropped.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { agentSpans, sdkProtobuf } from '@koder-trace/ingester/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GrpcCapture, startGrpcCapture } from '../harness/grpc-capture.ts';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { until } from '../harness/wait.ts';

const body = sdkProtobuf(await agentSpans('svc-export-rules')); // 4 spans

interface DeadLetters {
  batches: { tenant: string; spans: number; reason: string }[];
  spans: number;
}

const RETRYABLE = ['CANCELLED', 'DEADLINE_EXCEEDED', 'ABORTED', 'OUT_OF_RANGE', 'UNAVAILABLE', 'DATA_LOSS'];
const PERMANENT = [
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'FAILED_PRECONDITION',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAUTHENTICATED',
];
const code = (name: string) => status[name as keyof typeof status] as number;

describe('export by the OTLP rules', () => {
  let storage: GrpcCapture;
  let ing: RunningIngester;
  let deadLetterDir: string;
  beforeAll(async () => {
    storage = await startGrpcCapture();
    deadLetterDir = await mkdtemp(join(tmpdir(), 'koder-dead-letter-'));
    ing = await startIngesterProcess({
      auth: 'none',
      exporter: {
        endpoint: storage.endpoint,
        maxBatchDelayMs: 5,
        // Back-off 20, 40, 80 ms… in these tests; a RetryInfo delay (up to retryMaxMs) stands out.
        retryInitialMs: 20,
        retryMaxMs: 1000,
        deadLetterDir,
      },
    });
  });
  afterAll(async () => {
    await ing?.stop();
    await storage?.close();
    if (deadLetterDir) await rm(deadLetterDir, { recursive: true, force: true });
  });

  const send = async () => {
    const res = await fetch(`${ing.httpUrl}/v1/traces`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(res.status).toBe(200);
  };
  const deadLetters = async (): Promise<DeadLetters> =>
    (await (await fetch(`${ing.adminUrl}/dead-letter`)).json()) as DeadLetters;
  const attempts = (c: number) => storage.failures.filter((f) => f.code === c);
  const queueEmpty = async () => (await ing.metric('koder_ingester_queue_spans')) === 0;

  it.each(RETRYABLE)('retries a batch refused with %s until storage takes it', async (name) => {
    const before = { stored: storage.requests.length, dead: (await deadLetters()).spans };
    storage.failWith = code(name);
    await send();
    await until(`three attempts answered ${name}`, () => attempts(code(name)).length >= 3);
    storage.failWith = undefined;
    await until('storage to take the batch', () => storage.requests.length > before.stored);
    await until('the queue to empty', queueEmpty);
    expect((await deadLetters()).spans).toBe(before.dead);
  });

  it.each(PERMANENT)('dead-letters a batch refused with %s, without retrying it', async (name) => {
    const before = (await deadLetters()).batches.length;
    storage.failWith = code(name);
    await send();
    const added = await until(`the batch refused with ${name} in the dead-letter area`, async () => {
      const d = await deadLetters();
      return d.batches.length > before ? d.batches.slice(before) : undefined;
    });
    await until('the queue to empty', queueEmpty);
    expect(added).toEqual([
      expect.objectContaining({ tenant: 'default', spans: 4, reason: `${name}: storage unavailable (test)` }),
    ]);
    // With a 20 ms back-off a retry would have come by now.
    await new Promise((r) => setTimeout(r, 300));
    expect(attempts(code(name))).toHaveLength(1);
    storage.failWith = undefined;
  });

  it('dead-letters RESOURCE_EXHAUSTED without a RetryInfo (the receiver cannot recover)', async () => {
    const before = (await deadLetters()).batches.length;
    storage.failWith = status.RESOURCE_EXHAUSTED;
    await send();
    await until(
      'the batch in the dead-letter area',
      async () => (await deadLetters()).batches.length > before,
    );
    await until('the queue to empty', queueEmpty);
    expect((await deadLetters()).batches.at(-1)?.reason).toBe(
      'RESOURCE_EXHAUSTED: storage unavailable (test)',
    );
    expect(attempts(status.RESOURCE_EXHAUSTED)).toHaveLength(1);
    storage.failWith = undefined;
  });

  it('retries RESOURCE_EXHAUSTED with a RetryInfo, waiting as long as the receiver asks', async () => {
    const before = { stored: storage.requests.length, dead: (await deadLetters()).spans };
    storage.failWith = status.RESOURCE_EXHAUSTED;
    storage.failRetryAfterMs = 600; // far above the 20–80 ms back-off of three attempts
    await send();
    await until('three attempts', () => attempts(status.RESOURCE_EXHAUSTED).length >= 4, 10_000);
    storage.failWith = undefined;
    storage.failRetryAfterMs = undefined;
    await until('storage to take the batch', () => storage.requests.length > before.stored);
    await until('the queue to empty', queueEmpty);
    const at = attempts(status.RESOURCE_EXHAUSTED)
      .slice(1)
      .map((f) => f.at);
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    // The queue spreads retries ±20 % (jitter) around the delay asked for; the back-off alone is ≤ 96 ms.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(600 * 0.8 - 20);
    expect((await deadLetters()).spans).toBe(before.dead);
  });

  it('honours RetryInfo on UNAVAILABLE too', async () => {
    const before = storage.requests.length;
    const from = storage.failures.length;
    storage.failWith = status.UNAVAILABLE;
    storage.failRetryAfterMs = 500;
    await send();
    await until('three attempts', () => storage.failures.length - from >= 3, 10_000);
    storage.failWith = undefined;
    storage.failRetryAfterMs = undefined;
    await until('storage to take the batch', () => storage.requests.length > before);
    const at = storage.failures.slice(from).map((f) => f.at);
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(500 * 0.8 - 20);
  });

  it('counts what it dead-lettered and what it retried', async () => {
    const dead = await deadLetters();
    expect(dead.spans).toBe((PERMANENT.length + 1) * 4);
    expect(await ing.metric('koder_ingester_spans_dead_lettered_total', { tenant: 'default' })).toBe(
      dead.spans,
    );
    expect(
      await ing.metric('koder_ingester_export_retries_total', { tenant: 'default' }),
    ).toBeGreaterThanOrEqual(RETRYABLE.length * 3 + 6);
    expect(await ing.metric('koder_ingester_spans_export_failed_total', { tenant: 'default' })).toBe(0);
  });
});

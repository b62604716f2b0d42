// Nothing acknowledged is lost: the ingester with its write-ahead log is killed mid-load (SIGKILL,
// three times) and restarted on the same log; storage goes away under load and the ingester is
// stopped meanwhile. Every span a client got 200 for must reach storage; duplicates are counted.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { decodeTraceRequest } from '@koder-trace/ingester/otlp';
import { attribute, request, span, spanId, str } from '@koder-trace/ingester/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GrpcCapture, startGrpcCapture } from '../harness/grpc-capture.ts';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { postOtlp } from '../harness/otlp-raw.ts';
import { until } from '../harness/wait.ts';

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

/** Span ids storage received, with how often each arrived. */
function delivered(storage: GrpcCapture): Map<string, number> {
  const seen = new Map<string, number>();
  for (const r of storage.requests)
    for (const rs of decodeTraceRequest(r.bytes).resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans) seen.set(hex(s.spanId), (seen.get(hex(s.spanId)) ?? 0) + 1);
  return seen;
}

/** A request of 20 LLM-like spans (2 KB of prompt each) and their span ids. */
function llmRequest(): { body: Buffer; ids: string[] } {
  const ids = Array.from({ length: 20 }, () => spanId());
  const spans = ids.map((id) =>
    span({ span: id }, attribute('gen_ai.input.messages', str('x'.repeat(2000)))),
  );
  return { body: request(spans), ids: ids.map(hex) };
}

/** Senders posting 20 LLM-like spans per request until stopped; the span ids of every 200. */
function load(ing: RunningIngester, senders = 4) {
  const acknowledged = new Set<string>();
  let running = true;
  const loops = Array.from({ length: senders }, async () => {
    while (running) {
      const { body, ids } = llmRequest();
      const res = await postOtlp(ing.httpUrl, body, 'proto').catch(() => undefined);
      if (res?.status === 200) for (const id of ids) acknowledged.add(id);
      else await new Promise((r) => setTimeout(r, 20));
    }
  });
  return {
    acknowledged,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Mounts a 2 MiB tmpfs (root only): a disk that fills up. The reason when it cannot. */
function smallDisk(dir: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a small tmpfs here (${(err as Error).message.split('\n')[0]}): needs root`;
  }
}

describe('nothing acknowledged is lost (write-ahead log)', () => {
  let storage: GrpcCapture;
  let walDir: string;
  let ing: RunningIngester | undefined;
  const config = () => ({
    auth: 'none',
    exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 20, retryInitialMs: 50, retryMaxMs: 500 },
    defaultLimits: { spansPerSecond: 1e6, burst: 1e6 },
    wal: { dir: walDir },
    shutdownGraceMs: 500,
  });
  beforeAll(async () => {
    walDir = await mkdtemp(join(tmpdir(), 'koder-wal-'));
  });
  afterEach(async () => {
    await ing?.stop();
    ing = undefined;
    await storage?.close();
  });
  afterAll(async () => {
    await rm(walDir, { recursive: true, force: true });
  });

  it('survives three SIGKILLs mid-load: every acknowledged span is delivered after restarts', async () => {
    storage = await startGrpcCapture();
    const acknowledged = new Set<string>();
    for (let round = 0; round < 3; round++) {
      const running = await startIngesterProcess(config());
      const sending = load(running);
      await until(
        'some spans acknowledged',
        () => sending.acknowledged.size >= (400 * (round + 1)) / (round + 1),
      );
      await new Promise((r) => setTimeout(r, 200 + 150 * round));
      await running.process.kill();
      await sending.stop();
      for (const id of sending.acknowledged) acknowledged.add(id);
      await running.stop(); // removes its temp config; the log stays in walDir
    }
    ing = await startIngesterProcess(config());
    await until(
      'every acknowledged span delivered',
      () => {
        const seen = delivered(storage);
        const missing = [...acknowledged].filter((id) => !seen.has(id)).length;
        return missing === 0 ? true : undefined;
      },
      60_000,
    );
    const seen = delivered(storage);
    const duplicates = [...seen.values()].reduce((n, c) => n + c - 1, 0);
    console.log(
      `[durability] SIGKILL x3: acknowledged ${acknowledged.size}, delivered ${seen.size} distinct, lost 0, duplicates ${duplicates}`,
    );
    expect(await ing.metric('koder_ingester_wal_replayed_spans_total')).toBeGreaterThan(0);
  });

  it('pushes back while its disk is full, loses nothing, and recovers when space returns', async (ctx) => {
    const disk = await mkdtemp(join(tmpdir(), 'koder-full-'));
    const why = smallDisk(disk);
    if (why) {
      await rm(disk, { recursive: true, force: true });
      if (process.env.CI === 'true') throw new Error(why);
      ctx.skip(why);
    }
    try {
      storage = await startGrpcCapture();
      storage.failWith = status.UNAVAILABLE; // nothing leaves the log: it fills the disk
      ing = await startIngesterProcess({ ...config(), wal: { dir: join(disk, 'wal') } });
      const running = ing;
      const statuses: number[] = [];
      const acknowledged = new Set<string>();
      const send = async () => {
        const { body, ids } = llmRequest();
        const res = await postOtlp(running.httpUrl, body, 'proto');
        statuses.push(res.status);
        if (res.status === 200) for (const id of ids) acknowledged.add(id);
        return res;
      };
      await until('the disk to fill up (503 with a retry delay)', async () =>
        (await send()).status === 503 ? true : undefined,
      );
      const refused = await send();
      expect(refused.status).toBe(503);
      expect(refused.text).toMatch(/write-ahead log/);
      storage.failWith = undefined; // storage back: the log empties, space returns
      await until('ingest to resume', async () => ((await send()).status === 200 ? true : undefined), 30_000);
      await until('every acknowledged span delivered', () =>
        [...acknowledged].every((id) => delivered(storage).has(id)) ? true : undefined,
      );
      expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    } finally {
      await ing?.stop();
      ing = undefined;
      execFileSync('umount', [disk]);
      await rm(disk, { recursive: true, force: true });
    }
  }, 120_000);

  it('keeps what it acknowledged while storage is down, across a stop and a restart', async () => {
    storage = await startGrpcCapture();
    storage.failWith = status.UNAVAILABLE;
    const first = await startIngesterProcess(config());
    const sending = load(first, 2);
    await until('spans acknowledged while storage is down', () => sending.acknowledged.size >= 200);
    await sending.stop();
    await first.stop(); // SIGTERM: the grace passes, storage is still down
    expect(first.process.exitCode()).not.toBeNull();
    storage.failWith = undefined;
    ing = await startIngesterProcess(config());
    await until('every acknowledged span delivered', () =>
      [...sending.acknowledged].every((id) => delivered(storage).has(id)) ? true : undefined,
    );
  });
});

// Overload with LLM-sized spans: several times more than storage takes, against a small memory
// budget and the write-ahead log. Refusals must carry retry hints, memory must stay bounded, and every
// span acknowledged must reach storage once the load stops. Where a memory cgroup can be made, the
// ingester runs in one at the smallest limit its budget asks for (limitNeeded), with the budget left
// for it to fit to that limit, and must not be OOM-killed. `make soak` runs it for 60 s
// (KODER_OVERLOAD_SECONDS); `make test` for a few seconds.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { limitNeeded } from '@koder-trace/ingester/config';
import { decodeTraceRequest } from '@koder-trace/ingester/otlp';
import { attribute, request, span, spanId, str } from '@koder-trace/ingester/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GrpcCapture, startGrpcCapture } from '../harness/grpc-capture.ts';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { createMemoryCgroup, type MemoryCgroup } from '../harness/memory-cgroup.ts';
import { until } from '../harness/wait.ts';

const SECONDS = Number(process.env.KODER_OVERLOAD_SECONDS ?? 6);
const BUDGET = 64 * 1024 * 1024;
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const rssBytes = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

/** 256 LLM-sized spans (2 KB of input messages, 1 KB of output) and their ids. */
function llmRequest(): { body: Buffer; ids: string[] } {
  const ids = Array.from({ length: 256 }, () => spanId());
  const spans = ids.map((id) =>
    span(
      { span: id },
      attribute('gen_ai.operation.name', str('chat')),
      attribute('gen_ai.request.model', str('gpt-4o')),
      attribute('gen_ai.input.messages', str('i'.repeat(2048))),
      attribute('gen_ai.output.messages', str('o'.repeat(1024))),
    ),
  );
  return { body: request(spans), ids: ids.map(hex) };
}

describe('overload with LLM spans', () => {
  let storage: GrpcCapture;
  let ing: RunningIngester;
  let walDir: string;
  let cgroup: MemoryCgroup | undefined;
  beforeAll(async () => {
    walDir = await mkdtemp(join(tmpdir(), 'koder-overload-'));
    storage = await startGrpcCapture();
    const made = await createMemoryCgroup(limitNeeded(BUDGET));
    if ('reason' in made)
      console.warn(`[overload] no memory limit (${made.reason}): the budget is set instead`);
    else cgroup = made;
    ing = await startIngesterProcess(
      {
        auth: 'none',
        exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 20, retryInitialMs: 100, retryMaxMs: 1000 },
        defaultLimits: { spansPerSecond: 1e7, burst: 1e7 },
        ...(cgroup ? {} : { memory: { maxBytes: BUDGET } }),
        wal: { dir: walDir },
      },
      cgroup ? { wrap: cgroup.wrap } : {},
    );
  });
  afterAll(async () => {
    await ing?.stop();
    await cgroup?.remove();
    await storage?.close();
    await rm(walDir, { recursive: true, force: true });
  });

  it(`stays within its memory budget for ${SECONDS} s of overload and delivers all it acknowledged`, async () => {
    expect(await ing.metric('koder_ingester_memory_budget_bytes')).toBe(BUDGET);
    const pid = ing.process.pid as number;
    const idle = rssBytes(pid);
    // Storage takes a few batches a second at best: it is down every other half second.
    const flap = setInterval(() => {
      storage.failWith = storage.failWith === undefined ? 14 : undefined;
    }, 500);
    const acknowledged = new Set<string>();
    const refusals = { count: 0, withoutHint: 0 };
    let peak = idle;
    const end = Date.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        // Past the time only while nothing was refused yet: a busy machine may need longer to overload it.
        while (Date.now() < end || (refusals.count === 0 && Date.now() < end + 60_000)) {
          const { body, ids } = llmRequest();
          const res = await fetch(`${ing.httpUrl}/v1/traces`, {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/x-protobuf' },
          });
          await res.arrayBuffer();
          peak = Math.max(peak, rssBytes(pid));
          if (res.status === 200) for (const id of ids) acknowledged.add(id);
          else {
            expect([429, 503]).toContain(res.status);
            refusals.count++;
            if (!res.headers.get('retry-after')) refusals.withoutHint++;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      }),
    );
    clearInterval(flap);
    storage.failWith = undefined;
    const delivered = () => {
      const seen = new Set<string>();
      for (const r of storage.requests)
        for (const rs of decodeTraceRequest(r.bytes).resourceSpans)
          for (const ss of rs.scopeSpans) for (const s of ss.spans) seen.add(hex(s.spanId));
      return seen;
    };
    await until(
      'every acknowledged span delivered',
      () => {
        const seen = delivered();
        return [...acknowledged].every((id) => seen.has(id)) ? true : undefined;
      },
      60_000,
    );
    const figures = {
      seconds: SECONDS,
      acknowledged: acknowledged.size,
      refusals: refusals.count,
      idleRssMiB: Math.round(idle / 2 ** 20),
      peakRssMiB: Math.round(peak / 2 ** 20),
      budgetMiB: BUDGET / 2 ** 20,
      ...(cgroup
        ? { limitMiB: cgroup.limit / 2 ** 20, cgroupPeakMiB: Math.round(cgroup.peak() / 2 ** 20) }
        : {}),
    };
    console.log(`[overload] ${JSON.stringify(figures)}`);
    expect(refusals.count).toBeGreaterThan(0);
    expect(refusals.withoutHint).toBe(0);
    // The budget bounds bodies and queued spans; the heap also holds what requests are decoded into
    // and garbage not yet collected, so the bar is a loose idle + 8 × budget (RSS on a shared machine is noisy) — far below the 2 GB once seen
    // at 20k LLM spans/s, and what docs/reliability.md reports.
    expect(peak - idle).toBeLessThan(8 * BUDGET);
    if (cgroup) {
      expect(cgroup.oomKills()).toBe(0);
      expect(ing.process.exitCode()).toBeUndefined();
    }
  }, 180_000);
});

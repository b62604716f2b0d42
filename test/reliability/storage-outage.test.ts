// Storage goes away under steady load and comes back: the ingester keeps acknowledging into its
// write-ahead log while it has room, pushes clients back (429/503 with Retry-After) once its memory
// budget is spent, and after recovery delivers every span it acknowledged. Storage here is a real
// OTLP/gRPC server that is shut down for the outage (its port refuses connections) and started again
// on the same port. Clients behave like OTLP SDKs: a refused request is retried after the hint, with
// the same spans. Everything is counted by span id: acknowledged, delivered, lost, duplicated.
// `make soak` runs a 60 s outage (KODER_OUTAGE_SECONDS); `make test` a short one.
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { decodeTraceRequest, TRACE_SERVICE } from '@koder-trace/ingester/otlp';
import { attribute, request, span, spanId, str } from '@koder-trace/ingester/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { freePorts } from '../harness/ports.ts';
import { until } from '../harness/wait.ts';

const OUTAGE_SECONDS = Number(process.env.KODER_OUTAGE_SECONDS ?? 8);
const BUDGET = 16 * 1024 * 1024;
const SENDERS = 4;
/** Each sender sends a request of 20 LLM-like spans (~2 KB each) every 50 ms: ~1,600 spans/s, ~3 MB/s. */
const SPANS_PER_REQUEST = 20;
const INTERVAL_MS = 50;
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const seconds = (ms: number) => Math.round(ms / 100) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Storage: an OTLP/gRPC TraceService that can be stopped and started again on the same port. */
function storageOn(port: number) {
  const arrivals = new Map<string, number>();
  /** When each export arrived (ms since 1970). */
  const exportsAt: number[] = [];
  let server: Server | undefined;
  return {
    endpoint: `127.0.0.1:${port}`,
    arrivals,
    exportsAt,
    async start() {
      const s = new Server();
      s.addService(TRACE_SERVICE, {
        Export: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
          exportsAt.push(Date.now());
          for (const rs of decodeTraceRequest(call.request).resourceSpans)
            for (const ss of rs.scopeSpans)
              for (const sp of ss.spans) {
                const id = hex(sp.spanId);
                arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
              }
          cb(null, Buffer.alloc(0));
        },
      });
      await new Promise<void>((resolve, reject) =>
        s.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err) =>
          err ? reject(err) : resolve(),
        ),
      );
      server = s;
    },
    /** Down at once: open calls fail, new connections are refused. */
    stop() {
      server?.forceShutdown();
      server = undefined;
    },
  };
}

function walBytes(dir: string): number {
  let n = 0;
  // A file listed may be gone by the time it is looked at (the log frees spent segments meanwhile).
  for (const f of readdirSync(dir)) n += statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0;
  return n;
}

describe('a storage outage under steady load', () => {
  let walDir: string;
  let ing: RunningIngester;
  let storage: ReturnType<typeof storageOn>;
  beforeAll(async () => {
    walDir = await mkdtemp(join(tmpdir(), 'koder-outage-'));
    storage = storageOn((await freePorts(1))[0] as number);
    await storage.start();
    ing = await startIngesterProcess({
      auth: 'none',
      exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 20, retryInitialMs: 100, retryMaxMs: 1000 },
      defaultLimits: { spansPerSecond: 1e7, burst: 1e7 },
      memory: { maxBytes: BUDGET },
      wal: { dir: walDir },
    });
  });
  afterAll(async () => {
    await ing?.stop();
    storage?.stop();
    await rm(walDir, { recursive: true, force: true });
  });

  it(
    `loses nothing it acknowledged over a ${OUTAGE_SECONDS} s outage, and pushes back once its budget is spent`,
    async () => {
      const acknowledged = new Set<string>();
      const ackedDuringOutage = new Set<string>();
      const refusals = { count: 0, withoutHint: 0, statuses: new Set<number>() };
      let phase: 'before' | 'outage' | 'after' = 'before';
      let running = true;
      let walPeak = 0;
      const senders = Array.from({ length: SENDERS }, async () => {
        while (running) {
          const ids = Array.from({ length: SPANS_PER_REQUEST }, () => spanId());
          const body = request(
            ids.map((id) =>
              span(
                { span: id },
                attribute('gen_ai.operation.name', str('chat')),
                attribute('gen_ai.input.messages', str('x'.repeat(2000))),
              ),
            ),
          );
          // Like an SDK: the same spans again after each refusal, until accepted (or the test ends).
          while (running) {
            const sent = Date.now();
            const res = await fetch(`${ing.httpUrl}/v1/traces`, {
              method: 'POST',
              body,
              headers: { 'content-type': 'application/x-protobuf' },
            }).catch(() => undefined);
            await res?.arrayBuffer();
            if (res?.status === 200) {
              for (const id of ids.map(hex)) {
                acknowledged.add(id);
                if (phase === 'outage') ackedDuringOutage.add(id);
              }
              await sleep(Math.max(0, INTERVAL_MS - (Date.now() - sent)));
              break;
            }
            refusals.count++;
            refusals.statuses.add(res?.status ?? 0);
            const hint = Number(res?.headers.get('retry-after'));
            if (!(hint > 0)) refusals.withoutHint++;
            await sleep(Math.min(hint > 0 ? hint * 1000 : 1000, 1000));
          }
        }
      });
      const watchWal = setInterval(() => {
        walPeak = Math.max(walPeak, walBytes(walDir));
      }, 200);

      await sleep(3000);
      const ackedBefore = acknowledged.size;
      phase = 'outage';
      storage.stop();
      const outageStart = Date.now();
      await sleep(OUTAGE_SECONDS * 1000);
      // On a slow or busy machine the budget may take longer to spend: the outage lasts until it is.
      await until(
        'clients pushed back (the budget spent)',
        () => (refusals.count > 0 ? true : undefined),
        60_000,
      );
      const refusedDuringOutage = refusals.count;
      phase = 'after';
      await storage.start();
      const recoveredAt = Date.now();
      const outageMs = recoveredAt - outageStart;
      const ackedUntilRecovery = acknowledged.size;
      await sleep(5000);
      running = false;
      await Promise.all(senders);
      clearInterval(watchWal);

      const missing = () => [...acknowledged].filter((id) => !storage.arrivals.has(id));
      await until(
        'every acknowledged span delivered',
        () => (missing().length === 0 ? true : undefined),
        120_000,
      );
      const allDeliveredAt = Date.now();
      // Segments are spent once storage has confirmed what they hold: the log shrinks back (its
      // directory keeps up to two spent files for reuse, so the records held are what counts).
      await until(
        'the log to empty',
        async () => ((await ing.metric('koder_ingester_wal_bytes')) < 2 ** 20 ? true : undefined),
        30_000,
      );
      const duplicates = [...storage.arrivals.values()].reduce((n, c) => n + c - 1, 0);
      const figures = {
        outageSeconds: seconds(outageMs),
        acknowledgedBefore: ackedBefore,
        acknowledgedDuringOutage: ackedDuringOutage.size,
        acknowledgedAfterRecovery: acknowledged.size - ackedUntilRecovery,
        acknowledgedTotal: acknowledged.size,
        deliveredDistinct: storage.arrivals.size,
        lost: missing().length,
        duplicates,
        firstExportAfterRecoverySeconds: seconds(
          (storage.exportsAt.find((t) => t >= recoveredAt) ?? Number.NaN) - recoveredAt,
        ),
        allDeliveredAfterRecoverySeconds: seconds(allDeliveredAt - recoveredAt),
        refusedDuringOutage,
        refusedTotal: refusals.count,
        refusalStatuses: [...refusals.statuses].sort(),
        walPeakMiB: Math.round((walPeak / 2 ** 20) * 10) / 10,
        budgetMiB: BUDGET / 2 ** 20,
      };
      console.log(`[storage-outage] ${JSON.stringify(figures)}`);
      expect(figures.lost).toBe(0);
      expect(ackedBefore).toBeGreaterThan(0);
      // The log took what storage could not, until the budget was spent; then clients were pushed back.
      expect(ackedDuringOutage.size).toBeGreaterThan(0);
      expect(walPeak).toBeGreaterThan(0);
      expect(refusedDuringOutage).toBeGreaterThan(0);
      expect(refusals.withoutHint).toBe(0);
      // Back from the outage, delivery resumes within seconds (not after the gRPC channel's default
      // reconnect backoff of up to two minutes), and clients are taken again.
      expect(figures.firstExportAfterRecoverySeconds).toBeLessThan(5);
      expect(figures.acknowledgedAfterRecovery).toBeGreaterThan(0);
      expect([...refusals.statuses].every((s) => s === 429 || s === 503)).toBe(true);
      // Spans accepted before storage took them again may arrive twice (a batch in flight when it went
      // down); never more than what was acknowledged.
      expect(duplicates).toBeLessThanOrEqual(acknowledged.size);
    },
    120_000 + OUTAGE_SECONDS * 1000 + 120_000,
  );
});

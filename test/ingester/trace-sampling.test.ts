// Whole-trace sampling (policy mode trace) in the real ingester program: an agent run with a failing
// tool call is stored whole even at probability 0 (head sampling kept the error span alone), spans
// buffered while their trace was undecided survive a SIGKILL through the write-ahead log, and a
// graceful stop decides and delivers them (a pod's log may not outlive the pod).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTraceRequest, getAttribute } from '@koder-trace/ingester/otlp';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import { agentSpans, hex, makeTraces, request, scatter } from '@koder-trace/ingester/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GrpcCapture, startGrpcCapture } from '../harness/grpc-capture.ts';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { exportSpans, sdkExporter } from '../harness/otel-sdk.ts';
import { postOtlp } from '../harness/otlp-raw.ts';
import { isLedgerSpan, ledgerSpans } from '../harness/stored-traces.ts';
import { until } from '../harness/wait.ts';

/** Spans storage received, by trace id: span ids and their koder.sampling.rule. */
function stored(storage: GrpcCapture): Map<string, { span: string; rule: unknown }[]> {
  const out = new Map<string, { span: string; rule: unknown }[]>();
  for (const r of storage.requests)
    for (const rs of decodeTraceRequest(r.bytes).resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans) {
          if (isLedgerSpan(s)) continue; // the usage ledger: see ledgerSpans()
          const list = out.get(hex(s.traceId)) ?? [];
          list.push({ span: hex(s.spanId), rule: getAttribute(s.attributes, 'koder.sampling.rule') });
          out.set(hex(s.traceId), list);
        }
  return out;
}

describe('whole-trace sampling in the ingester program', () => {
  let storage: GrpcCapture;
  let ing: RunningIngester | undefined;
  let walDir: string;
  beforeAll(async () => {
    storage = await startGrpcCapture();
    walDir = await mkdtemp(join(tmpdir(), 'koder-trace-wal-'));
  });
  afterAll(async () => {
    await ing?.stop();
    await storage?.close();
    await rm(walDir, { recursive: true, force: true });
  });

  it('keeps an agent run with a failing tool call whole at probability 0', async () => {
    ing = await startIngesterProcess({
      tenants: [
        {
          id: 'team-b',
          tokenSha256: [sha256Hex('token-b')],
          sampling: { defaultProbability: 0, trace: { quietMs: 200 } },
        },
      ],
      exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 20 },
    });
    const spans = await agentSpans('svc-whole');
    const traceId = spans[0]?.spanContext().traceId as string;
    const exporter = sdkExporter('grpc', { grpc: ing.grpcEndpoint, http: ing.httpUrl }, 'token-b');
    // Spans one by one, as separate exports: the trace is assembled in the buffer.
    for (const s of spans) expect(await exportSpans(exporter, [s])).toEqual({ ok: true });
    const got = await until('the whole trace in storage', () => {
      const t = stored(storage).get(traceId);
      return t && t.length === spans.length ? t : undefined;
    });
    expect(got.map((s) => s.rule)).toEqual(spans.map(() => 'keep-errors'));
    const [ledger] = ledgerSpans(storage);
    expect(getAttribute(ledger?.attributes ?? [], 'koder.usage.tokens.input')).toBe(1200n);
    expect(getAttribute(ledger?.attributes ?? [], 'koder.usage.errors')).toBe(1n);
    expect(
      await ing.metric('koder_ingester_trace_decisions_total', {
        tenant: 'team-b',
        trigger: 'agent_end',
        outcome: 'kept',
      }),
    ).toBe(1);
    await ing.stop();
    ing = undefined;
  });

  it('decides spans buffered before a SIGKILL after the restart, from the write-ahead log', async () => {
    storage.requests.length = 0;
    const tenantConfig = (quietMs: number, maxAgeMs: number) => ({
      tenants: [
        {
          id: 'shop',
          tokenSha256: [sha256Hex('token-shop')],
          sampling: { defaultProbability: 0.25, trace: { quietMs, maxAgeMs } },
        },
      ],
      exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 20 },
      defaultLimits: { spansPerSecond: 1e6, burst: 1e6 },
      wal: { dir: walDir },
      shutdownGraceMs: 500,
    });
    const traces = makeTraces(200, { seed: 3, errorRate: 0.1 });
    // First run: traces wait far longer than the test; every request is acknowledged, then SIGKILL.
    const first = await startIngesterProcess(tenantConfig(600_000, 1_200_000));
    for (const b of scatter(traces, 3, 30)) {
      const res = await postOtlp(first.httpUrl, request(b), 'proto', 'token-shop');
      expect(res.status).toBe(200);
    }
    expect(await first.metric('koder_ingester_trace_buffer_traces')).toBe(traces.length);
    expect(storage.requests.length).toBe(0);
    await first.process.kill();
    await first.stop();
    // Second run on the same log, deciding quickly: the pending spans come back and are decided.
    ing = await startIngesterProcess(tenantConfig(100, 1000));
    const errors = traces.filter((t) => t.error);
    await until('every error trace stored whole', () => {
      const s = stored(storage);
      return errors.every((t) => s.get(hex(t.traceId))?.length === t.spans.length) ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 1500));
    const s = stored(storage);
    for (const [, spans] of s) expect(new Set(spans.map((x) => x.span)).size).toBe(spans.length);
    for (const t of traces) {
      const got = s.get(hex(t.traceId));
      if (got) expect(got.length).toBe(t.spans.length);
    }
    // About a quarter of the rest, and the log is empty once all is delivered.
    const plain = traces.filter((t) => !t.error);
    const keptPlain = plain.filter((t) => s.has(hex(t.traceId))).length;
    expect(keptPlain).toBeGreaterThan(plain.length * 0.1);
    expect(keptPlain).toBeLessThan(plain.length * 0.45);
  });

  it('decides and delivers buffered traces at a graceful stop, log or not, and leaves nothing to replay', async () => {
    storage.requests.length = 0;
    const dir = await mkdtemp(join(tmpdir(), 'koder-trace-wal-stop-'));
    const config = {
      tenants: [
        {
          id: 'shop',
          tokenSha256: [sha256Hex('token-shop')],
          sampling: { defaultProbability: 0.25, trace: { quietMs: 600_000, maxAgeMs: 1_200_000 } },
        },
      ],
      exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 20 },
      defaultLimits: { spansPerSecond: 1e6, burst: 1e6 },
      wal: { dir },
      shutdownGraceMs: 5000,
    };
    const traces = makeTraces(200, { seed: 5, errorRate: 0.1 });
    const first = await startIngesterProcess(config);
    for (const b of scatter(traces, 3, 30)) {
      const res = await postOtlp(first.httpUrl, request(b), 'proto', 'token-shop');
      expect(res.status).toBe(200);
    }
    expect(storage.requests.length).toBe(0); // all undecided
    await first.stop(); // SIGTERM
    const s = stored(storage);
    for (const t of traces.filter((t) => t.error)) expect(s.get(hex(t.traceId))?.length).toBe(t.spans.length);
    const before = storage.requests.length;
    // A new start on the same log (as a new pod would not even have) finds nothing left to decide.
    const second = await startIngesterProcess({ ...config, tenants: config.tenants });
    await new Promise((r) => setTimeout(r, 1000));
    expect(await second.metric('koder_ingester_trace_buffer_traces')).toBe(0);
    expect(storage.requests.length).toBe(before);
    await second.stop();
    await rm(dir, { recursive: true, force: true });
  });
});

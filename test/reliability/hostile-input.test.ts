// Regressions of the hardening issue, against the real programs: poison spans are refused naming the
// field (over OTLP/HTTP protobuf and JSON, and OTLP/gRPC) and storage keeps working for every tenant;
// idle and excess connections cannot starve the process; gRPC does not inflate a message before it
// knows who sent it.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { status } from '@grpc/grpc-js';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import { agentSpans, HOSTILE_CASES, sdkProtobuf } from '@koder-trace/ingester/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { type LocalStack, startLocalStack } from '../harness/local-stack.ts';
import { exportSpans, type Protocol, sdkExporter } from '../harness/otel-sdk.ts';
import { grpcExport, postOtlp } from '../harness/otlp-raw.ts';
import { scrapeMetric } from '../harness/prometheus.ts';
import { tenantManifests } from '../harness/tenant-manifests.ts';
import { until } from '../harness/wait.ts';

describe('poison spans on the one-machine stack (make run, two tenants)', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ manifests: await tenantManifests(['fuzz', 'calm']) });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it.each(HOSTILE_CASES.map((c) => [c.name, c] as const))('refuses %s, naming the field', async (_n, c) => {
    const http = await postOtlp(stack.otlpHttp, c.body, c.format, 'token-fuzz');
    expect(http.status).toBe(400);
    expect(http.text).toMatch(c.error);
    if (c.format === 'proto') {
      const err = await grpcExport(stack.otlpGrpc, c.body, 'token-fuzz');
      expect(err?.code).toBe(status.INVALID_ARGUMENT);
      expect(err?.details).toMatch(c.error);
    }
  });

  it('stores every canary of both tenants afterwards, and loses nothing it acknowledged', async () => {
    const endpoint = { grpc: stack.otlpGrpc, http: stack.otlpHttp };
    const protocols: Protocol[] = ['grpc', 'http/protobuf', 'http/json'];
    const canaries: [tenant: string, traceId: string][] = [];
    for (let i = 0; i < 20; i++) {
      for (const tenant of ['fuzz', 'calm']) {
        const spans = await agentSpans(`canary-${tenant}`);
        const exporter = sdkExporter(protocols[i % 3] as Protocol, endpoint, `token-${tenant}`);
        expect(await exportSpans(exporter, spans)).toEqual({ ok: true });
        await exporter.shutdown();
        canaries.push([tenant, spans[0]?.spanContext().traceId ?? '']);
      }
    }
    const metric = (name: string, labels: Record<string, string> = {}) =>
      scrapeMetric(`${stack.adminUrl}/metrics`, name, labels);
    await until('the queue to be empty', async () => (await metric('koder_ingester_queue_spans')) === 0);
    const stored = await Promise.all(
      canaries.map(
        async ([tenant, id]) => (await stack.get(`/api/v1/traces/${id}`, `token-${tenant}`)).status,
      ),
    );
    expect(stored.filter((s) => s === 200)).toHaveLength(40);
    for (const tenant of ['fuzz', 'calm']) {
      expect(await metric('koder_ingester_spans_exported_total', { tenant })).toBe(
        await metric('koder_ingester_spans_queued_total', { tenant }),
      );
    }
    expect(await metric('koder_ingester_spans_dead_lettered_total')).toBe(0);
    expect(await metric('koder_ingester_spans_export_failed_total')).toBe(0);
    expect(stack.running()).toBe(true);
  });
});

/** Opens n raw TCP connections and resolves once each is open or closed by the server. */
async function openSockets(port: number, n: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((resolve) => {
          const s = connect(port, '127.0.0.1', () => resolve(s));
          s.on('error', () => resolve(s));
          s.on('close', () => resolve(s));
        }),
    ),
  );
}

const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

describe('connections and compressed messages on a real ingester', () => {
  let ing: RunningIngester;
  const token = 'good';
  beforeAll(async () => {
    ing = await startIngesterProcess({
      exporter: { kind: 'none' },
      tenants: [{ id: 'good', tokenSha256: [sha256Hex(token)] }],
      listen: { maxConnections: 60, maxConnectionsPerIp: 40, idleTimeoutMs: 1500 },
    });
  });
  afterAll(async () => {
    await ing?.stop();
  });

  const port = (url: string) => Number(url.split(':').pop());
  const open = (sockets: Socket[]) => sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;

  it('keeps no more idle connections than its limits, closes them when idle, and keeps serving', async () => {
    for (const [name, p] of [
      ['gRPC', port(ing.grpcEndpoint)],
      ['HTTP', port(ing.httpUrl)],
    ] as const) {
      const sockets = await openSockets(p, 200);
      try {
        await new Promise((r) => setTimeout(r, 300));
        expect(open(sockets), `${name} connections kept open`).toBeLessThanOrEqual(40);
        expect((await fetch(`${ing.adminUrl}/healthz`)).status).toBe(200);
        await until(`${name} idle connections closed`, () => open(sockets) === 0);
      } finally {
        for (const s of sockets) s.destroy();
      }
    }
    expect(await grpcExport(ing.grpcEndpoint, sdkProtobuf(await agentSpans()), token)).toBeNull();
    expect(
      await ing.metric('koder_ingester_connections_refused_total', { reason: 'per_ip' }),
    ).toBeGreaterThan(0);
  });

  it('does not inflate a gRPC message before authenticating it', async () => {
    const pid = ing.process.pid as number;
    // Compresses to about 32 KB; inflates to 32 MiB each (once 20 of these took 1.6 GB).
    const bomb = Buffer.alloc(32 * 1024 * 1024);
    const gzip = { 'grpc.default_compression_algorithm': 2 };
    const before = rssMiB(pid);
    const errors = await Promise.all(
      Array.from({ length: 20 }, () => grpcExport(ing.grpcEndpoint, bomb, 'not-a-token', gzip)),
    );
    expect(errors.map((e) => e?.code)).toEqual(Array(20).fill(status.UNAUTHENTICATED));
    expect(rssMiB(pid) - before).toBeLessThan(200);
    // An authenticated sender is held to its limit, inflated size included.
    const err = await grpcExport(ing.grpcEndpoint, bomb, token, gzip);
    expect(err?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(rssMiB(pid) - before).toBeLessThan(200);
  });
});

// Config hot reload, back-pressure while storage is down with nothing lost, and a graceful shutdown
// that delivers what was queued.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { decodeTraceRequest, spanCount } from '@koder-trace/ingester/otlp';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import { agentSpans, sdkProtobuf } from '@koder-trace/ingester/testing';
import * as yaml from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { type GrpcCapture, startGrpcCapture } from '../harness/grpc-capture.ts';
import { INGESTER_MAIN, type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { freePorts } from '../harness/ports.ts';
import { startProcess, waitUntilReady } from '../harness/process.ts';
import { until } from '../harness/wait.ts';

const body = sdkProtobuf(await agentSpans('svc-life')); // 4 spans
const send = (ing: RunningIngester, token: string) =>
  fetch(`${ing.httpUrl}/v1/traces`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
  });
const delivered = (s: GrpcCapture) =>
  s.requests.reduce((n, r) => n + spanCount(decodeTraceRequest(r.bytes)), 0);

describe('ingester lifecycle', () => {
  let storage: GrpcCapture | undefined;
  let ing: RunningIngester | undefined;
  afterEach(async () => {
    await ing?.stop();
    await storage?.close();
    ing = undefined;
    storage = undefined;
  });

  it('takes a config change without a restart, and keeps the old config when the new one is invalid', async () => {
    storage = await startGrpcCapture();
    const exporter = { endpoint: storage.endpoint, maxBatchDelayMs: 10 };
    const a = { id: 'a', tokenSha256: [sha256Hex('ta')] };
    ing = await startIngesterProcess({ tenants: [a], exporter });
    expect((await send(ing, 'tb')).status).toBe(401);

    await ing.writeConfig({ tenants: [a, { id: 'b', tokenSha256: [sha256Hex('tb')] }], exporter });
    await until(
      'tenant b to be accepted',
      async () => (await send(ing as RunningIngester, 'tb')).status === 200,
    );
    await until('b to reach storage', () => storage?.requests.some((r) => r.orgId === 'b') ?? false);

    await ing.writeConfig({ tenants: 'not a list', exporter });
    await until(
      'the invalid file to be refused',
      async () => (await ing?.metric('koder_ingester_config_valid')) === 0,
    );
    expect(await ing.metric('koder_ingester_config_reloads_total', { result: 'invalid' })).toBe(1);
    expect((await send(ing, 'tb')).status).toBe(200);
    expect((await send(ing, 'ta')).status).toBe(200);
  });

  it('pushes back with 503 + Retry-After while storage is down, then delivers every accepted span', async () => {
    storage = await startGrpcCapture();
    storage.failWith = status.UNAVAILABLE;
    ing = await startIngesterProcess({
      auth: 'none',
      exporter: {
        endpoint: storage.endpoint,
        maxBatchDelayMs: 10,
        queueMaxSpans: 8,
        retryInitialMs: 50,
        retryMaxMs: 200,
      },
    });
    expect((await send(ing, 'any')).status).toBe(200);
    expect((await send(ing, 'any')).status).toBe(200);
    const refused = await send(ing, 'any');
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await until(
      'retries to happen',
      async () => ((await ing?.metric('koder_ingester_export_retries_total')) ?? 0) >= 2,
    );

    storage.failWith = undefined;
    await until('the queue to drain into storage', () => delivered(storage as GrpcCapture) === 8);
    // The exporter counts a batch once storage has answered, just after storage recorded it.
    await until(
      'the export to be counted',
      async () => (await ing?.metric('koder_ingester_spans_exported_total')) === 8,
    );
    expect(await ing.metric('koder_ingester_spans_export_failed_total')).toBe(0);
    expect((await send(ing, 'any')).status).toBe(200);
  });

  it('delivers queued spans on SIGTERM before exiting', async () => {
    storage = await startGrpcCapture();
    ing = await startIngesterProcess({
      auth: 'none',
      exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 60_000 },
    });
    expect((await send(ing, 'any')).status).toBe(200);
    expect((await send(ing, 'any')).status).toBe(200);
    expect(storage.requests).toHaveLength(0); // still batching
    await ing.process.stop(15_000);
    expect(ing.process.exitCode()).toBe(0);
    expect(delivered(storage)).toBe(8);
  });
});

describe('ingester start-up', () => {
  it('waits for a config file that does not exist yet (the operator writes it later), then serves', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'koder-wait-'));
    const config = join(dir, 'config.yaml');
    const [grpcPort, httpPort, adminPort] = (await freePorts(3)) as [number, number, number];
    const proc = startProcess({
      name: 'ingester',
      command: process.execPath,
      args: [INGESTER_MAIN, '--config', config],
      logFile: join(dir, 'ingester.log'),
    });
    try {
      await new Promise((r) => setTimeout(r, 1500));
      expect(proc.exitCode()).toBeUndefined(); // still waiting, not crashed
      await writeFile(
        config,
        yaml.dump({
          listen: { host: '127.0.0.1', grpcPort, httpPort, adminPort },
          exporter: { kind: 'none' },
        }),
      );
      await waitUntilReady(
        proc,
        async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`)).ok,
        15_000,
      );
    } finally {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// The reference collector for benchmarks: OTLP receiver → nop exporter, or → OTLP/gRPC exporter to
// `forwardTo` (with the exporter's default queue, as a production collector would run).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { freePorts } from '../test/harness/ports.ts';
import { startProcess, waitUntilReady } from '../test/harness/process.ts';
import { scrapeMetric } from '../test/harness/prometheus.ts';
import { binaryPath } from '../test/harness/testbin.ts';

export async function startCollectorWithNop(forwardTo?: string) {
  const dir = await mkdtemp(join(tmpdir(), 'koder-bench-'));
  const [http, grpc, metrics] = (await freePorts(3)) as [number, number, number];
  const config = {
    receivers: {
      otlp: {
        protocols: { http: { endpoint: `127.0.0.1:${http}` }, grpc: { endpoint: `127.0.0.1:${grpc}` } },
      },
    },
    exporters: forwardTo ? { otlp_grpc: { endpoint: forwardTo, tls: { insecure: true } } } : { nop: {} },
    service: {
      telemetry: {
        metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: metrics } } } }] },
      },
      pipelines: { traces: { receivers: ['otlp'], exporters: [forwardTo ? 'otlp_grpc' : 'nop'] } },
    },
  };
  await writeFile(join(dir, 'config.yaml'), yaml.dump(config));
  const proc = startProcess({
    name: 'otelcol',
    command: binaryPath('otelcol'),
    args: [`--config=${join(dir, 'config.yaml')}`],
    logFile: join(dir, 'log'),
  });
  await waitUntilReady(proc, async () => (await fetch(`http://127.0.0.1:${metrics}/metrics`)).ok, 30_000);
  return {
    httpUrl: `http://127.0.0.1:${http}`,
    grpcEndpoint: `127.0.0.1:${grpc}`,
    /** Spans this collector's receiver accepted so far. */
    accepted: () => scrapeMetric(`http://127.0.0.1:${metrics}/metrics`, 'otelcol_receiver_accepted_spans'),
    async stop() {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

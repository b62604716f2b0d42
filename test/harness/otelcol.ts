// The reference OpenTelemetry Collector for tests: it receives OTLP (gRPC and HTTP), runs the given
// processors, and forwards everything as OTLP/JSON to a capture endpoint the test reads. Benchmarks
// start it with their own exporters instead (startCollectorExporting).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { type OtlpCapture, startOtlpCapture } from './otlp-capture.ts';
import { freePorts, retryOnPortClash } from './ports.ts';
import { startProcess, waitUntilReady } from './process.ts';
import { scrapeMetric } from './prometheus.ts';
import { binaryPath } from './testbin.ts';

export interface BareCollector {
  readonly grpcEndpoint: string; // host:port
  readonly httpEndpoint: string; // http://host:port
  /** A metric from the collector's own Prometheus endpoint, summed over its labels. */
  metric(name: string): Promise<number>;
  stop(): Promise<void>;
}

export interface Collector extends BareCollector {
  /** What the collector forwarded. */
  readonly received: OtlpCapture;
}

/**
 * Settings merged into the OTLP receiver's protocols (its endpoints stay ours), e.g. Tempo's
 * distributor receiver: `{ grpc: { max_recv_msg_size_mib: 4 } }`.
 */
export interface ReceiverSettings {
  grpc?: Record<string, unknown>;
  http?: Record<string, unknown>;
}

export async function startCollector(
  opts: { processors?: Record<string, unknown>; receiver?: ReceiverSettings } = {},
): Promise<Collector> {
  const received = await startOtlpCapture();
  const exporters = {
    'otlphttp/capture': {
      endpoint: received.url,
      encoding: 'json',
      compression: 'none',
      retry_on_failure: { enabled: false },
    },
  };
  try {
    const collector = await startCollectorExporting(exporters, opts.processors, opts.receiver);
    return {
      ...collector,
      received,
      async stop() {
        await collector.stop();
        await received.close();
      },
    };
  } catch (err) {
    await received.close();
    throw err;
  }
}

/** The collector with the given exporters (all in its traces pipeline) and no capture endpoint. */
export function startCollectorExporting(
  exporters: Record<string, unknown>,
  processors: Record<string, unknown> = {},
  receiver: ReceiverSettings = {},
): Promise<BareCollector> {
  return retryOnPortClash(() => startOnce(exporters, processors, receiver));
}

async function startOnce(
  exporters: Record<string, unknown>,
  processors: Record<string, unknown>,
  receiver: ReceiverSettings,
): Promise<BareCollector> {
  const dir = await mkdtemp(join(tmpdir(), 'koder-otelcol-'));
  const [grpcPort, httpPort, metricsPort] = (await freePorts(3)) as [number, number, number];
  const config = {
    receivers: {
      otlp: {
        protocols: {
          grpc: { ...receiver.grpc, endpoint: `127.0.0.1:${grpcPort}` },
          http: { ...receiver.http, endpoint: `127.0.0.1:${httpPort}` },
        },
      },
    },
    processors,
    exporters,
    service: {
      telemetry: {
        metrics: {
          readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: metricsPort } } } }],
        },
      },
      pipelines: {
        traces: {
          receivers: ['otlp'],
          processors: Object.keys(processors),
          exporters: Object.keys(exporters),
        },
      },
    },
  };
  const configFile = join(dir, 'config.yaml');
  await writeFile(configFile, yaml.dump(config));
  const proc = startProcess({
    name: 'otelcol',
    command: binaryPath('otelcol'),
    args: [`--config=${configFile}`],
    logFile: join(dir, 'otelcol.log'),
  });
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  await waitUntilReady(proc, async () => (await fetch(metricsUrl)).ok, 30_000);
  return {
    grpcEndpoint: `127.0.0.1:${grpcPort}`,
    httpEndpoint: `http://127.0.0.1:${httpPort}`,
    metric: (name) => scrapeMetric(metricsUrl, name),
    async stop() {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

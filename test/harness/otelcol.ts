// The reference OpenTelemetry Collector for tests: it receives OTLP (gRPC and HTTP), runs the given
// processors, and forwards everything as OTLP/JSON to a capture endpoint the test reads.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { type OtlpCapture, startOtlpCapture } from './otlp-capture.ts';
import { freePorts, retryOnPortClash } from './ports.ts';
import { type ManagedProcess, startProcess, waitUntilReady } from './process.ts';
import { scrapeMetric } from './prometheus.ts';
import { binaryPath } from './testbin.ts';

export interface Collector {
  readonly grpcEndpoint: string; // host:port
  readonly httpEndpoint: string; // http://host:port
  readonly process: ManagedProcess;
  /** What the collector forwarded. */
  readonly received: OtlpCapture;
  /** A metric from the collector's own Prometheus endpoint, summed over its labels. */
  metric(name: string): Promise<number>;
  stop(): Promise<void>;
}

export function startCollector(opts: { processors?: Record<string, unknown> } = {}): Promise<Collector> {
  return retryOnPortClash(() => startOnce(opts));
}

async function startOnce(opts: { processors?: Record<string, unknown> }): Promise<Collector> {
  const dir = await mkdtemp(join(tmpdir(), 'koder-otelcol-'));
  const [grpcPort, httpPort, metricsPort] = (await freePorts(3)) as [number, number, number];
  const received = await startOtlpCapture();
  const processors = opts.processors ?? {};
  const config = {
    receivers: {
      otlp: {
        protocols: {
          grpc: { endpoint: `127.0.0.1:${grpcPort}` },
          http: { endpoint: `127.0.0.1:${httpPort}` },
        },
      },
    },
    processors,
    exporters: {
      'otlphttp/capture': {
        endpoint: received.url,
        encoding: 'json',
        compression: 'none',
        retry_on_failure: { enabled: false },
      },
    },
    service: {
      telemetry: {
        metrics: {
          readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: metricsPort } } } }],
        },
      },
      pipelines: {
        traces: { receivers: ['otlp'], processors: Object.keys(processors), exporters: ['otlphttp/capture'] },
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
  const stop = async () => {
    await proc.stop();
    await received.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(proc, async () => (await fetch(metricsUrl)).ok, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    grpcEndpoint: `127.0.0.1:${grpcPort}`,
    httpEndpoint: `http://127.0.0.1:${httpPort}`,
    process: proc,
    received,
    metric: (name) => scrapeMetric(metricsUrl, name),
    stop,
  };
}

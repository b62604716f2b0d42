// Runs telemetrygen, the OpenTelemetry load generator, as a real OTLP client.
import { runCommand } from './process.ts';
import { binaryPath } from './testbin.ts';

export interface TelemetrygenTraces {
  /** host:port for gRPC, or host:port with `http: true`. */
  endpoint: string;
  http?: boolean;
  traces: number;
  /** Child spans per trace (telemetrygen adds one parent). */
  childSpans?: number;
  headers?: Record<string, string>;
  serviceName?: string;
}

export async function telemetrygenTraces(opts: TelemetrygenTraces) {
  const args = [
    'traces',
    '--otlp-endpoint',
    opts.endpoint,
    '--otlp-insecure',
    '--traces',
    String(opts.traces),
    '--child-spans',
    String(opts.childSpans ?? 0),
    '--workers',
    '1',
    '--rate',
    '0',
    ...(opts.http ? ['--otlp-http'] : []),
    ...(opts.serviceName ? ['--service', opts.serviceName] : []),
    ...Object.entries(opts.headers ?? {}).flatMap(([k, v]) => ['--otlp-header', `${k}="${v}"`]),
  ];
  const result = await runCommand(binaryPath('telemetrygen'), args, { timeoutMs: 60_000 });
  if (result.code !== 0) {
    throw new Error(`telemetrygen exited ${result.code}:\n${result.stderr.slice(-3000)}`);
  }
  return result;
}

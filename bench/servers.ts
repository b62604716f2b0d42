// The servers a benchmark compares, started as their own processes and pinned to a CPU with `taskset`
// (the collector with GOMAXPROCS=1), so that each is measured on one core while the load generator and
// the sink run on another; and what is measured of a process from /proc: CPU time and memory.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { INGESTER_MAIN } from '../test/harness/ingester.ts';
import type { CommandWrap } from '../test/harness/memory-cgroup.ts';
import { freePorts, retryOnPortClash } from '../test/harness/ports.ts';
import { type ManagedProcess, startProcess, waitUntilReady } from '../test/harness/process.ts';
import { scrapeMetric } from '../test/harness/prometheus.ts';
import { binaryPath } from '../test/harness/testbin.ts';

export interface Server {
  readonly name: string;
  /** OTLP/HTTP base URL and OTLP/gRPC host:port. */
  readonly httpUrl: string;
  readonly grpcEndpoint: string;
  readonly pid: number;
  metric(name: string): Promise<number>;
  stop(graceMs?: number): Promise<void>;
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Whether CPUs can be pinned here: taskset present and at least two CPUs to split. */
export function canPin(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
  } catch {
    return false;
  }
  return Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) >= 2;
}

/** Pins every thread of a running process (and what it starts later) to `cpu`. */
export function pin(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** User + system CPU time of a process (all its threads) so far, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state: utime is the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident memory now and its peak since the process started (VmRSS, VmHWM), in bytes. */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** The command line that runs `command` on `cpu` (taskset execs it: the process id stays the same). */
const onCpu = (cpu: number | undefined, command: string, args: string[]) =>
  cpu === undefined ? { command, args } : { command: 'taskset', args: ['-c', String(cpu), command, ...args] };

/**
 * The process settings the chart ships (values.yaml), so a benchmark measures a program as it is
 * deployed.
 */
export const CHART_VALUES = yaml.load(
  readFileSync(new URL('../charts/koder-trace/values.yaml', import.meta.url), 'utf8'),
) as {
  ingester: { nodeOptions?: string };
  operator: { nodeOptions?: string; glibcTunables?: string };
};
export const INGESTER_NODE_OPTIONS = CHART_VALUES.ingester.nodeOptions ?? '';

/**
 * The ingester program with `config` (listen filled in here), on `cpu` when given, run with the chart's
 * NODE_OPTIONS unless `env` says otherwise.
 */
export function startIngester(
  config: Record<string, unknown>,
  cpu?: number,
  env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: INGESTER_NODE_OPTIONS },
  main: string = INGESTER_MAIN,
  /** Runs the program through another command (inside a memory cgroup: test/harness/memory-cgroup.ts). */
  wrap?: CommandWrap,
): Promise<Server> {
  return retryOnPortClash(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'koder-bench-ingester-'));
    const [grpcPort, httpPort, adminPort] = (await freePorts(3)) as [number, number, number];
    const configPath = join(dir, 'config.yaml');
    await writeFile(
      configPath,
      yaml.dump({ ...config, listen: { host: '127.0.0.1', grpcPort, httpPort, adminPort } }),
    );
    const pinned = onCpu(cpu, process.execPath, [main, '--config', configPath, '--log-level', 'warn']);
    const cmd = wrap ? wrap(pinned.command, pinned.args) : pinned;
    const proc = startProcess({ name: 'ingester', ...cmd, env, logFile: join(dir, 'ingester.log') });
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    await waitUntilReady(proc, async () => (await fetch(`${adminUrl}/readyz`)).ok, 30_000);
    return server('koder ingester', proc, dir, {
      httpUrl: `http://127.0.0.1:${httpPort}`,
      grpcEndpoint: `127.0.0.1:${grpcPort}`,
      metricsUrl: `${adminUrl}/metrics`,
    });
  });
}

/**
 * An OpenTelemetry Collector (OTLP receiver, no processors unless given) with `exporters`, on `cpu` when
 * given, with GOMAXPROCS=1 (one core's worth of Go scheduler, like the ingester's one event loop), and
 * `extensions` (such as `file_storage` for a persistent sending queue). `binary`: another build, such as
 * `otelcol-tail` with the tail sampling processor.
 */
export function startCollector(
  exporters: Record<string, unknown>,
  cpu?: number,
  extensions: Record<string, unknown> = {},
  opts: { binary?: 'otelcol' | 'otelcol-tail'; processors?: Record<string, unknown> } = {},
): Promise<Server> {
  const binary = opts.binary ?? 'otelcol';
  const processors = opts.processors ?? {};
  return retryOnPortClash(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'koder-bench-otelcol-'));
    const [grpcPort, httpPort, metricsPort] = (await freePorts(3)) as [number, number, number];
    const config = {
      receivers: {
        otlp: {
          protocols: {
            grpc: { endpoint: `127.0.0.1:${grpcPort}`, max_recv_msg_size_mib: 64 },
            http: { endpoint: `127.0.0.1:${httpPort}` },
          },
        },
      },
      exporters,
      extensions,
      processors,
      service: {
        extensions: Object.keys(extensions),
        telemetry: {
          logs: { level: 'warn' },
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
    const configPath = join(dir, 'config.yaml');
    await writeFile(configPath, yaml.dump(config));
    const cmd = onCpu(cpu, binaryPath(binary), [`--config=${configPath}`]);
    const proc = startProcess({
      name: binary,
      ...cmd,
      env: { ...process.env, GOMAXPROCS: '1' },
      logFile: join(dir, `${binary}.log`),
    });
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    await waitUntilReady(proc, async () => (await fetch(metricsUrl)).ok, 30_000);
    return server(binary, proc, dir, {
      httpUrl: `http://127.0.0.1:${httpPort}`,
      grpcEndpoint: `127.0.0.1:${grpcPort}`,
      metricsUrl,
    });
  });
}

function server(
  name: string,
  proc: ManagedProcess,
  dir: string,
  at: { httpUrl: string; grpcEndpoint: string; metricsUrl: string },
): Server {
  if (proc.pid === undefined || !existsSync(`/proc/${proc.pid}`)) throw new Error(`${name}: no process`);
  return {
    name,
    httpUrl: at.httpUrl,
    grpcEndpoint: at.grpcEndpoint,
    pid: proc.pid,
    metric: (m) => scrapeMetric(at.metricsUrl, m),
    async stop(graceMs = 15_000) {
      await proc.stop(graceMs);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

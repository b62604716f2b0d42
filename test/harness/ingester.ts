// Runs the real ingester program (node ingester/src/main.ts) with a config file on free ports, the way
// it runs in a pod, and waits until /readyz answers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import type { CommandWrap } from './memory-cgroup.ts';
import { freePorts, retryOnPortClash } from './ports.ts';
import { type ManagedProcess, startProcess, waitUntilReady } from './process.ts';
import { scrapeMetric } from './prometheus.ts';

/** The ingester program (what its image runs). */
export const INGESTER_MAIN = fileURLToPath(new URL('../../ingester/src/main.ts', import.meta.url));

export interface RunningIngester {
  readonly grpcEndpoint: string; // host:port
  readonly httpUrl: string; // http://host:port
  readonly adminUrl: string;
  readonly process: ManagedProcess;
  /** Rewrites the config file (the ingester notices by itself). */
  writeConfig(config: Record<string, unknown>): Promise<void>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

export interface IngesterProcessOptions {
  /** The address it listens on (default 127.0.0.1; its URLs above still use 127.0.0.1). */
  host?: string;
  /** Extra environment (POD_NAME, as a pod has it). */
  env?: NodeJS.ProcessEnv;
  /** Runs the program through another command (inside a memory cgroup: memory-cgroup.ts). */
  wrap?: CommandWrap;
}

/** `config` is the ingester config; `listen`'s host and ports are filled in here. */
export function startIngesterProcess(
  config: Record<string, unknown>,
  opts: IngesterProcessOptions = {},
): Promise<RunningIngester> {
  return retryOnPortClash(() => startOnce(config, opts));
}

async function startOnce(
  config: Record<string, unknown>,
  opts: IngesterProcessOptions,
): Promise<RunningIngester> {
  const dir = await mkdtemp(join(tmpdir(), 'koder-ingester-'));
  const [grpcPort, httpPort, adminPort] = (await freePorts(3)) as [number, number, number];
  const configPath = join(dir, 'config.yaml');
  const ports = { host: opts.host ?? '127.0.0.1', grpcPort, httpPort, adminPort };
  // Other listen settings (connection limits, timeouts) are the test's; host and ports are ours.
  const write = (c: Record<string, unknown>) =>
    writeFile(configPath, yaml.dump({ ...c, listen: { ...(c.listen as object), ...ports } }));
  await write(config);
  const program = { command: process.execPath, args: [INGESTER_MAIN, '--config', configPath] };
  const proc = startProcess({
    name: 'ingester',
    ...(opts.wrap ? opts.wrap(program.command, program.args) : program),
    // Every test's ingester poisons the pooled buffers it gets back, so a span read after its
    // request's bytes went back to the pool shows up as damaged data in the test that caused it.
    env: { ...process.env, KODER_POISON_POOLED_BUFFERS: '1', ...opts.env },
    logFile: join(dir, 'ingester.log'),
  });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  await waitUntilReady(proc, async () => (await fetch(`${adminUrl}/readyz`)).ok, 30_000);
  return {
    grpcEndpoint: `127.0.0.1:${grpcPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    adminUrl,
    process: proc,
    writeConfig: write,
    metric: (name, labels = {}) => scrapeMetric(`${adminUrl}/metrics`, name, labels),
    async stop() {
      await proc.stop(15_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

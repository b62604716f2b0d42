// Runs `node query/src/local.ts` (what `make run` starts) on free ports with a fresh store.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, retryOnPortClash } from './ports.ts';
import { startProcess, waitUntilReady } from './process.ts';

const MAIN = fileURLToPath(new URL('../../query/src/local.ts', import.meta.url));

export interface LocalStack {
  readonly otlpHttp: string;
  readonly otlpGrpc: string;
  readonly queryUrl: string;
  /** The ingester's admin port (/metrics, /healthz, /readyz). */
  readonly adminUrl: string;
  /** Whether the process is still running (it has not exited). */
  running(): boolean;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  get(path: string, token?: string): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** `args`: more command-line flags (e.g. --user-attribute). */
export function startLocalStack(opts: { manifests?: string; args?: string[] } = {}): Promise<LocalStack> {
  return retryOnPortClash(() => startOnce(opts));
}

/**
 * `node query/src/local.ts` on the given (or free) ports with its data in `dataDir` and more
 * arguments; not waited for, so tests can also watch it refuse to start.
 */
export async function startLocalProcess(
  name: string,
  dataDir: string,
  args: string[] = [],
  ports?: number[],
) {
  const [grpc, http, admin, query] = (ports ?? (await freePorts(4))) as [number, number, number, number];
  const proc = startProcess({
    name,
    command: process.execPath,
    args: [
      MAIN,
      '--data',
      join(dataDir, 'local.db'),
      '--grpc-port',
      String(grpc),
      '--http-port',
      String(http),
      '--admin-port',
      String(admin),
      '--query-port',
      String(query),
      ...args,
    ],
    logFile: join(dataDir, `${name.replace(/\W+/g, '-')}.log`),
  });
  return {
    proc,
    grpc,
    http,
    admin,
    query,
    otlpHttp: `http://127.0.0.1:${http}`,
    queryUrl: `http://127.0.0.1:${query}`,
  };
}

async function startOnce(opts: { manifests?: string; args?: string[] }): Promise<LocalStack> {
  const dir = await mkdtemp(join(tmpdir(), 'koder-local-'));
  const { proc, grpc, http, admin, query } = await startLocalProcess('koder-trace local', dir, [
    ...(opts.manifests ? ['--manifests', opts.manifests] : []),
    ...(opts.args ?? []),
  ]);
  const queryUrl = `http://127.0.0.1:${query}`;
  await waitUntilReady(proc, async () => (await fetch(`${queryUrl}/healthz`)).ok, 30_000);
  return {
    otlpHttp: `http://127.0.0.1:${http}`,
    otlpGrpc: `127.0.0.1:${grpc}`,
    queryUrl,
    adminUrl: `http://127.0.0.1:${admin}`,
    running: () => proc.exitCode() === undefined,
    async get(path, token) {
      const res = await fetch(`${queryUrl}${path}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      return { status: res.status, body: await res.json().catch(() => undefined) };
    },
    async stop() {
      await proc.stop(15_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// Runs the real operator program against a test control plane.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlPlane } from './control-plane.ts';
import { freePort, retryOnPortClash } from './ports.ts';
import { startProcess, waitUntilReady } from './process.ts';
import { scrapeMetric } from './prometheus.ts';

// KODER_OPERATOR_MAIN runs another build of the operator (e.g. an older commit, to show a test fails there).
const MAIN =
  process.env.KODER_OPERATOR_MAIN ?? fileURLToPath(new URL('../../operator/src/main.ts', import.meta.url));

export interface RunningOperator {
  /** The operating system's process id (to pause it with SIGSTOP, read its memory). */
  readonly pid: number | undefined;
  /** The sum of a metric's series (those with `labels`, when given). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  isLeader(): Promise<boolean>;
  stop(): Promise<void>;
}

export function startOperatorProcess(
  cp: ControlPlane,
  extraArgs: string[] = [],
  name = 'operator',
): Promise<RunningOperator> {
  return retryOnPortClash(() => startOnce(cp, extraArgs, name));
}

async function startOnce(cp: ControlPlane, extraArgs: string[], name: string): Promise<RunningOperator> {
  const port = await freePort();
  const proc = startProcess({
    name,
    command: process.execPath,
    args: [
      MAIN,
      '--kubeconfig',
      cp.kubeconfigPath,
      '--namespace',
      'koder-trace',
      '--admin-port',
      String(port),
      '--log-level',
      'debug',
      ...extraArgs,
    ],
    logFile: join(cp.dir, `${name}-${port}.log`),
  });
  const adminUrl = `http://127.0.0.1:${port}`;
  await waitUntilReady(proc, async () => (await fetch(`${adminUrl}/readyz`)).ok, 30_000);
  return {
    pid: proc.pid,
    metric: (metric, labels) => scrapeMetric(`${adminUrl}/metrics`, metric, labels),
    async isLeader() {
      return (await (await fetch(`${adminUrl}/leader`)).text()).trim() === 'true';
    },
    stop: () => proc.stop(),
  };
}

// The whole stack in a real cluster: k3s in a container (testcontainers), our three images built and
// imported into it, the chart installed with its managed Tempo, a TraceTenant applied, a trace sent
// with the tenant's token to the ingester Service, and found again through the query service, i.e.
// read back from Tempo. It needs a container engine: on machines without one (ours) the suite skips
// and its title says so; where Docker runs, it runs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentSpans, sdkProtobuf } from '@koder-trace/ingester/testing';
import { K3sContainer, type StartedK3sContainer } from '@testcontainers/k3s';
import { getContainerRuntimeClient } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../harness/ports.ts';
import { type ManagedProcess, runCommand, startProcess } from '../harness/process.ts';
import { type Availability, binaryPath, requireBinaries, suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

async function containerEngine(): Promise<string | undefined> {
  try {
    await getContainerRuntimeClient();
    return undefined;
  } catch (err) {
    return `no container engine reachable (${String(err).split('\n')[0]}); this suite runs where Docker does`;
  }
}

// Without a container engine the suite skips, also under CI; with one, missing binaries count as
// everywhere else (requireBinaries).
const noEngine = await containerEngine();
const available: Availability = noEngine
  ? { ok: false, reason: noEngine }
  : requireBinaries('helm', 'kubectl');
const title = suiteTitle('chart in k3s, end to end', available);

describe.skipIf(!available.ok)(title, { timeout: 900_000 }, () => {
  let k3s: StartedK3sContainer;
  let dir: string;
  const forwards: ManagedProcess[] = [];
  const env = () => ({ ...process.env, KUBECONFIG: join(dir, 'kubeconfig') });
  const kubectl = (...args: string[]) =>
    runCommand(binaryPath('kubectl'), args, { env: env(), timeoutMs: 300_000 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'koder-k3s-'));
    for (const c of ['operator', 'ingester', 'query']) {
      const build = await runCommand(
        'docker',
        ['build', '--target', c, '-t', `koder-trace/${c}:e2e`, repo('.')],
        { timeoutMs: 900_000 },
      );
      expect(build.code, build.stderr.slice(-2000)).toBe(0);
      const save = await runCommand('docker', ['save', '-o', join(dir, `${c}.tar`), `koder-trace/${c}:e2e`]);
      expect(save.code, save.stderr).toBe(0);
    }
    k3s = await new K3sContainer('rancher/k3s:v1.31.2-k3s1').start();
    await writeFile(join(dir, 'kubeconfig'), k3s.getKubeConfig());
    for (const c of ['operator', 'ingester', 'query']) {
      await k3s.copyFilesToContainer([{ source: join(dir, `${c}.tar`), target: `/tmp/${c}.tar` }]);
      const imported = await k3s.exec(['ctr', '-n', 'k8s.io', 'images', 'import', `/tmp/${c}.tar`]);
      expect(imported.exitCode, imported.output).toBe(0);
    }
  }, 900_000);
  afterAll(async () => {
    for (const f of forwards) await f.stop();
    await k3s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installs, wires a tenant, and stores and finds a trace in Tempo', async () => {
    const install = await runCommand(
      binaryPath('helm'),
      [
        'install',
        'kt',
        repo('charts/koder-trace'),
        '-n',
        'koder',
        '--create-namespace',
        '--wait',
        '--timeout',
        '10m',
        '--set',
        'image.tag=e2e',
        '--set',
        'image.pullPolicy=Never',
        '--set',
        'tempo.storage.size=1Gi',
      ],
      { env: env(), timeoutMs: 700_000 },
    );
    expect(install.code, install.stderr).toBe(0);
    expect((await kubectl('apply', '-f', repo('examples/tenants'))).code).toBe(0);
    const token = await until(
      'the tenant token',
      async () => {
        const out = await kubectl(
          'get',
          'secret',
          'support-bot-token',
          '-n',
          'team-a',
          '-o',
          'jsonpath={.data.token}',
        );
        return out.code === 0 && out.stdout ? Buffer.from(out.stdout, 'base64').toString() : undefined;
      },
      120_000,
    );
    const [otlpPort, queryPort] = (await freePorts(2)) as [number, number];
    for (const [svc, local, remote] of [
      ['kt-ingester', otlpPort, 4318],
      ['kt-query', queryPort, 8080],
    ] as const) {
      forwards.push(
        startProcess({
          name: `port-forward ${svc}`,
          command: binaryPath('kubectl'),
          args: ['-n', 'koder', 'port-forward', `svc/${svc}`, `${local}:${remote}`],
          env: env(),
          logFile: join(dir, `${svc}.log`),
        }),
      );
    }
    const spans = await agentSpans('k3s-e2e');
    const traceId = spans[0]?.spanContext().traceId;
    await until(
      'the ingester to accept the trace',
      async () => {
        const res = await fetch(`http://127.0.0.1:${otlpPort}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
          body: sdkProtobuf(spans),
        });
        return res.status === 200 ? true : undefined;
      },
      120_000,
    );
    const trace = await until(
      'the trace back from Tempo through the query service',
      async () => {
        const res = await fetch(`http://127.0.0.1:${queryPort}/api/v1/traces/${traceId}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return res.status === 200
          ? ((await res.json()) as { spanCount: number; totals: { inputTokens: number } })
          : undefined;
      },
      300_000,
    );
    expect(trace.spanCount).toBe(4);
    expect(trace.totals.inputTokens).toBe(1200);
  });
});

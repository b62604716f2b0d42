// Leader election against a real kube-apiserver, under the failure that matters: the leader is paused
// (SIGSTOP) past its lease, the other replica takes over, and the old leader resumes (SIGCONT). It
// must write nothing from then on — not one stale write — and the takeover must come within the lease.
// The two replicas are given different Tempo endpoints, so a stale write would show in the ConfigMap.
import { fileURLToPath } from 'node:url';
import { CoreV1Api } from '@kubernetes/client-node';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../harness/control-plane.ts';
import { type RunningOperator, startOperatorProcess } from '../harness/operator.ts';
import { requireBinaries, suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const bins = requireBinaries('etcd', 'kube-apiserver', 'kubectl');
const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const LEASE_SECONDS = 4;

describe.skipIf(!bins.ok)(suiteTitle('leader election under a paused leader', bins), () => {
  let cp: ControlPlane;
  let core: CoreV1Api;
  const running: RunningOperator[] = [];
  const endpoint = async () => {
    const cm = await core.readNamespacedConfigMap({ name: 'koder-trace-ingester', namespace: 'koder-trace' });
    return (yaml.load(cm.data?.['config.yaml'] ?? '') as { exporter: { endpoint: string } }).exporter
      .endpoint;
  };
  const start = async (id: string) => {
    const op = await startOperatorProcess(
      cp,
      [
        '--leader-election',
        '--identity',
        id,
        '--tempo-endpoint',
        `tempo-${id}:4317`,
        '--lease-seconds',
        String(LEASE_SECONDS),
        '--renew-deadline-seconds',
        '3',
        '--retry-seconds',
        '1',
        '--resync-seconds',
        '1',
      ],
      `operator-${id}`,
    );
    running.push(op);
    return op;
  };

  beforeAll(async () => {
    cp = await startControlPlane();
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await cp.installCrds();
    await core.createNamespace({ body: { metadata: { name: 'koder-trace' } } });
    const applied = await cp.kubectl([
      'apply',
      '-f',
      repo('examples/tenants/namespace.yaml'),
      '-f',
      repo('examples/tenants'),
    ]);
    expect(applied.code, applied.stderr).toBe(0);
  });
  afterAll(async () => {
    for (const op of running) {
      if (op.pid) process.kill(op.pid, 'SIGCONT');
      await op.stop();
    }
    await cp?.stop();
  });

  it('a paused leader is replaced within the lease and, resumed, writes nothing', async () => {
    const a = await start('a');
    await until(
      'a leads and wrote its config',
      async () => (await a.isLeader()) && (await endpoint()) === 'tempo-a:4317',
    );
    const b = await start('b');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await b.isLeader()).toBe(false);
    expect(await endpoint()).toBe('tempo-a:4317');

    const pausedAt = Date.now();
    process.kill(a.pid ?? 0, 'SIGSTOP');
    await until('b leads and wrote its config', async () => (await endpoint()) === 'tempo-b:4317', 20_000);
    const failoverMs = Date.now() - pausedAt;
    expect(failoverMs).toBeLessThanOrEqual((LEASE_SECONDS + 2) * 1000);
    // A change while a is paused: a sees it on resuming, and its resync runs every second.
    await cp.kubectl([
      'patch',
      'sp',
      'llm-first',
      '-n',
      'team-a',
      '--type=merge',
      '-p',
      '{"spec":{"defaultProbability":0.4}}',
    ]);
    const writesBefore = await b.metric('koder_operator_writes_total');
    expect(writesBefore).toBeGreaterThan(0);

    process.kill(a.pid ?? 0, 'SIGCONT');
    const aWrites = await a.metric('koder_operator_writes_total'); // what a wrote while it led
    for (let i = 0; i < 30; i++) {
      expect(await endpoint()).toBe('tempo-b:4317');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await a.isLeader()).toBe(false);
    expect(await b.isLeader()).toBe(true);
    expect(await a.metric('koder_operator_writes_total')).toBe(aWrites);
    console.log(`failover after SIGSTOP: ${failoverMs} ms (lease ${LEASE_SECONDS} s)`);
  }, 90_000);
});

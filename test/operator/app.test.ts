// The operator started in process (startOperator, as main.ts does) against a real kube-apiserver:
// it converges a tenant, counts its writes, serves its admin port, and close() stops everything —
// no write and no open port after it.

import { type Operator, parseOperatorArgs, startOperator } from '@koder-trace/operator/app';
import { CoreV1Api } from '@kubernetes/client-node';
import * as yaml from 'js-yaml';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../harness/control-plane.ts';
import { requireBinaries, suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const bins = requireBinaries('etcd', 'kube-apiserver', 'kubectl');

describe.skipIf(!bins.ok)(suiteTitle('the operator in process', bins), () => {
  let cp: ControlPlane;
  let op: Operator | undefined;

  beforeAll(async () => {
    cp = await startControlPlane();
    await cp.installCrds();
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    for (const ns of ['koder-trace', 'team-a'])
      await core.createNamespace({ body: { metadata: { name: ns } } });
  });
  afterAll(async () => {
    await op?.close();
    await cp?.stop();
  });

  it('converges a tenant, serves its admin port, and stops cleanly on close()', async () => {
    const cfg = parseOperatorArgs(['--admin-port', '0', '--namespace', 'koder-trace'], {});
    op = await startOperator(cfg, { kubeConfig: cp.kubeConfig, logger: pino({ level: 'silent' }) });
    const admin = `http://127.0.0.1:${op.adminPort}`;
    expect((await fetch(`${admin}/readyz`)).status).toBe(200);
    expect((await (await fetch(`${admin}/leader`)).text()).trim()).toBe('true');

    const tenant = {
      apiVersion: 'trace.koder.dev/v1alpha1',
      kind: 'TraceTenant',
      metadata: { name: 'search', namespace: 'team-a' },
      spec: {},
    };
    const applied = await cp.kubectl(['apply', '-f', '-'], yaml.dump(tenant));
    expect(applied.code, applied.stderr).toBe(0);
    await until('the tenant Ready', async () => {
      const out = await cp.kubectl([
        'get',
        'tt',
        'search',
        '-n',
        'team-a',
        '-o',
        'jsonpath={.status.conditions[0].status}',
      ]);
      return out.stdout === 'True' || undefined;
    });
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    const writes = Number(/^koder_operator_writes_total (\d+)/m.exec(metrics)?.[1]);
    // The token Secret, two ConfigMaps and the status at least.
    expect(writes).toBeGreaterThanOrEqual(4);
    expect(await op.metrics.writes.get()).toMatchObject({ values: [{ value: writes }] });

    await op.close();
    const after = (await op.metrics.writes.get()).values[0]?.value;
    await expect(fetch(`${admin}/healthz`)).rejects.toThrow();
    // A change after close() is not acted on.
    await cp.kubectl(
      ['apply', '-f', '-'],
      yaml.dump({ ...tenant, metadata: { ...tenant.metadata, name: 'later' } }),
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect((await op.metrics.writes.get()).values[0]?.value).toBe(after);
    const later = await cp.kubectl(['get', 'secret', 'later-token', '-n', 'team-a']);
    expect(later.code).not.toBe(0);
    op = undefined;
  });
});

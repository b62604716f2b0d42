// A tenant the API server will not let the operator write for says why, in its status and an Event,
// while every other tenant converges: here a ResourceQuota allowing no Secrets in one namespace
// refuses that tenant's token Secret (the API server's own quota admission).
import { CoreV1Api } from '@kubernetes/client-node';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../harness/control-plane.ts';
import { type RunningOperator, startOperatorProcess } from '../harness/operator.ts';
import { requireBinaries, suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const bins = requireBinaries('etcd', 'kube-apiserver', 'kubectl');

describe.skipIf(!bins.ok)(suiteTitle('a tenant that cannot be written', bins), () => {
  let cp: ControlPlane;
  let op: RunningOperator;

  beforeAll(async () => {
    cp = await startControlPlane();
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await cp.installCrds();
    for (const ns of ['koder-trace', 'team-a', 'team-q'])
      await core.createNamespace({ body: { metadata: { name: ns } } });
    const quota = await core.createNamespacedResourceQuota({
      namespace: 'team-q',
      body: { metadata: { name: 'no-secrets' }, spec: { hard: { 'count/secrets': '0' } } },
    });
    // No controller manager runs here: write the usage its quota controller would (none yet), so the
    // API server's quota admission enforces the limit.
    await core.replaceNamespacedResourceQuotaStatus({
      namespace: 'team-q',
      name: 'no-secrets',
      body: {
        ...quota,
        status: { hard: { 'count/secrets': '0' }, used: { 'count/secrets': '0' } },
      },
    });
    op = await startOperatorProcess(cp);
  });
  afterAll(async () => {
    await op?.stop();
    await cp?.stop();
  });

  it('gets Ready=False with the API server reason and an Event; the others become Ready', async () => {
    const tenant = (name: string, namespace: string) => ({
      apiVersion: 'trace.koder.dev/v1alpha1',
      kind: 'TraceTenant',
      metadata: { name, namespace },
      spec: {},
    });
    const applied = await cp.kubectl(
      ['apply', '-f', '-'],
      yaml.dump({
        apiVersion: 'v1',
        kind: 'List',
        items: [tenant('blocked', 'team-q'), tenant('one', 'team-a'), tenant('two', 'team-a')],
      }),
    );
    expect(applied.code, applied.stderr).toBe(0);
    const condition = async (name: string, ns: string) =>
      JSON.parse(
        (await cp.kubectl(['get', 'tt', name, '-n', ns, '-o', 'jsonpath={.status.conditions[0]}'])).stdout ||
          '{}',
      ) as { status?: string; reason?: string; message?: string };
    for (const name of ['one', 'two'])
      await until(`${name} Ready`, async () => (await condition(name, 'team-a')).status === 'True');
    const blocked = await until('the blocked tenant says why', async () => {
      const c = await condition('blocked', 'team-q');
      return c.reason === 'TokenNotWritten' ? c : undefined;
    });
    expect(blocked.status).toBe('False');
    expect(blocked.message).toContain('team-q/blocked-token');
    expect(blocked.message).toMatch(/quota/i);
    const events = await until('a Warning Event on the blocked tenant', async () => {
      const out = await cp.kubectl([
        'get',
        'events',
        '-n',
        'team-q',
        '--field-selector',
        'involvedObject.name=blocked,reason=TokenNotWritten',
        '-o',
        'jsonpath={range .items[*]}{.type}{"\\n"}{end}',
      ]);
      return out.stdout.includes('Warning') ? out.stdout : undefined;
    });
    expect(events.trim().split('\n')).toEqual(['Warning']);

    // Once the quota goes, the tenant converges too.
    const removed = await cp.kubectl(['delete', 'resourcequota', 'no-secrets', '-n', 'team-q']);
    expect(removed.code, removed.stderr).toBe(0);
    await until(
      'the blocked tenant Ready once allowed',
      async () => (await condition('blocked', 'team-q')).status === 'True',
      30_000,
    );
  });
});

// Token copies against a real kube-apiserver calling the webhook: two TraceTenants with the same name
// in different namespaces, both selecting one namespace, must each keep their own copy there, and a pod
// wired to one must read that tenant's token — never the other's.
// A tenant whose name is longer than a label value may be (63) still gets its token Secret, its copies
// and Ready: label values carry the name cut and hashed.
import { createHash } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../harness/control-plane.ts';
import { type RunningOperator, startOperatorProcess } from '../harness/operator.ts';
import { freePort } from '../harness/ports.ts';
import { requireBinaries, suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const bins = requireBinaries('etcd', 'kube-apiserver', 'kubectl');
/** A TraceTenant name of 81 characters, and its label form: the first 52 (no trailing dot) and a hash. */
const LONG = `${'a'.repeat(40)}.${'b'.repeat(40)}`;
const LONG_LABEL = `${LONG.slice(0, 52).replace(/[-.]+$/, '')}-${createHash('sha256').update(LONG).digest('hex').slice(0, 10)}`;

describe.skipIf(!bins.ok)(suiteTitle('token copies of same-named tenants', bins), () => {
  let cp: ControlPlane;
  let core: CoreV1Api;
  let op: RunningOperator;
  const tokenIn = async (namespace: string, name: string) =>
    Buffer.from(
      (await core.readNamespacedSecret({ namespace, name })).data?.token ?? '',
      'base64',
    ).toString();

  beforeAll(async () => {
    cp = await startControlPlane();
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await cp.installCrds();
    for (const [name, labels] of [
      ['koder-trace', {}],
      ['team-x', {}],
      ['team-y', {}],
      ['web1', { tier: 'web' }],
      ['web2', { 'trace.koder.dev/tenant': LONG_LABEL }],
    ] as const)
      await core.createNamespace({ body: { metadata: { name, labels } } });
    const port = await freePort();
    op = await startOperatorProcess(cp, [
      '--webhook-url',
      `https://127.0.0.1:${port}`,
      '--webhook-port',
      String(port),
    ]);
    const tenant = (namespace: string) => ({
      apiVersion: 'trace.koder.dev/v1alpha1',
      kind: 'TraceTenant',
      metadata: { name: 'shared', namespace },
      spec: {
        tenantId: `${namespace}-shared`,
        injection: { namespaceSelector: { matchLabels: { tier: 'web' } } },
      },
    });
    const applied = await cp.kubectl(
      ['apply', '-f', '-'],
      yaml.dump({ apiVersion: 'v1', kind: 'List', items: [tenant('team-x'), tenant('team-y')] }),
    );
    expect(applied.code, applied.stderr).toBe(0);
    await until('the webhook registration', async () => {
      const out = await cp.kubectl([
        'get',
        'mutatingwebhookconfiguration',
        'koder-trace-pod-injector',
        '-o',
        'name',
      ]);
      return out.code === 0 || undefined;
    });
  });
  afterAll(async () => {
    await op?.stop();
    await cp?.stop();
  });

  it('keeps one copy per tenant, and a wired pod reads its own tenant token', async () => {
    const copies = await until('two token copies in web1', async () => {
      const list = await core.listNamespacedSecret({
        namespace: 'web1',
        labelSelector: 'trace.koder.dev/token-copy=true',
      });
      return list.items.length === 2 ? list.items : undefined;
    });
    const x = await tokenIn('team-x', 'shared-token');
    const y = await tokenIn('team-y', 'shared-token');
    expect(x).not.toBe(y);
    const byToken = new Map(
      copies.map((s) => [Buffer.from(s.data?.token ?? '', 'base64').toString(), s.metadata?.name]),
    );
    expect([...byToken.keys()].sort()).toEqual([x, y].sort());
    for (const name of byToken.values()) expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);

    const pod = await core.createNamespacedPod({
      namespace: 'web1',
      body: {
        metadata: { name: 'web' },
        spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] },
      },
    });
    const env = pod.spec?.containers[0]?.env ?? [];
    const ref = env.find((e) => e.name === 'KODER_TRACE_TOKEN')?.valueFrom?.secretKeyRef?.name ?? '';
    const attrs = env.find((e) => e.name === 'OTEL_RESOURCE_ATTRIBUTES')?.value ?? '';
    // Routes are tried in namespace/name order: team-x/shared wires the pod, with team-x's token.
    expect(attrs).toContain('koder.tenant=team-x-shared');
    expect(await tokenIn('web1', ref)).toBe(x);
  });

  it('gives a tenant with a name longer than a label value its token, its copies and Ready', async () => {
    expect(LONG_LABEL.length).toBeLessThanOrEqual(63);
    const applied = await cp.kubectl(
      ['apply', '-f', '-'],
      yaml.dump({
        apiVersion: 'trace.koder.dev/v1alpha1',
        kind: 'TraceTenant',
        metadata: { name: LONG, namespace: 'team-x' },
        spec: { tenantId: 'long' },
      }),
    );
    expect(applied.code, applied.stderr).toBe(0);
    await until('the long-named tenant Ready', async () => {
      const out = await cp.kubectl([
        'get',
        'tt',
        LONG,
        '-n',
        'team-x',
        '-o',
        'jsonpath={.status.conditions[0].status}',
      ]);
      return out.stdout === 'True' || undefined;
    });
    const own = await core.readNamespacedSecret({ namespace: 'team-x', name: `${LONG}-token` });
    expect(own.metadata?.labels?.['trace.koder.dev/tenant-token']).toBe(LONG_LABEL);
    // web2 names the tenant by its label form: a copy is kept there and its pods are wired to it.
    const copy = await until('the copy in web2', async () => {
      const list = await core.listNamespacedSecret({
        namespace: 'web2',
        labelSelector: `trace.koder.dev/tenant-token=${LONG_LABEL}`,
      });
      return list.items[0];
    });
    expect(copy.data?.token).toBe(own.data?.token);
    const pod = await core.createNamespacedPod({
      namespace: 'web2',
      body: {
        metadata: { name: 'web' },
        spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] },
      },
    });
    const env = pod.spec?.containers[0]?.env ?? [];
    expect(env.find((e) => e.name === 'OTEL_RESOURCE_ATTRIBUTES')?.value).toContain('koder.tenant=long');
    expect(env.find((e) => e.name === 'KODER_TRACE_TOKEN')?.valueFrom?.secretKeyRef?.name).toBe(
      copy.metadata?.name,
    );
  });
});

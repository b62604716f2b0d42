// The ingester config against a real kube-apiserver past the size where one ConfigMap used to break:
// a 64-rule policy shared by 150 tenants (over 1 MiB when each tenant carried a copy), a config write
// the API server refuses (a ValidatingAdmissionPolicy), and a config too small for every tenant. In
// each case every tenant ends with a status saying where it stands, and the others keep converging.

import { parseConfig } from '@koder-trace/ingester/config';
import { CoreV1Api } from '@kubernetes/client-node';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../harness/control-plane.ts';
import { type RunningOperator, startOperatorProcess } from '../harness/operator.ts';
import { requireBinaries, suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const bins = requireBinaries('etcd', 'kube-apiserver', 'kubectl');
const N = 150;
const name = (i: number) => `tenant-${String(i).padStart(3, '0')}`;

describe.skipIf(!bins.ok)(suiteTitle('ingester config at scale', bins), () => {
  let cp: ControlPlane;
  let core: CoreV1Api;
  let op: RunningOperator;
  const apply = async (items: unknown[]) => {
    const res = await cp.kubectl(['apply', '-f', '-'], yaml.dump({ apiVersion: 'v1', kind: 'List', items }));
    expect(res.code, res.stderr).toBe(0);
  };
  const tenant = (i: number, spec: Record<string, unknown> = {}) => ({
    apiVersion: 'trace.koder.dev/v1alpha1',
    kind: 'TraceTenant',
    metadata: { name: name(i), namespace: 'team-a' },
    spec: { samplingPolicyRef: { name: 'big' }, ...spec },
  });
  /** Ready status and reason of every TraceTenant in team-a, by name. */
  const statuses = async () => {
    const out = await cp.kubectl(['get', 'tt', '-n', 'team-a', '-o', 'json']);
    const list = JSON.parse(out.stdout) as {
      items: {
        metadata: { name: string; generation: number };
        status?: {
          conditions?: { status: string; reason: string; message: string; observedGeneration: number }[];
        };
      }[];
    };
    return new Map(
      list.items.map((t) => [
        t.metadata.name,
        { ...t.status?.conditions?.[0], generation: t.metadata.generation },
      ]),
    );
  };
  const configIds = async () => {
    const cm = await core.readNamespacedConfigMap({ name: 'koder-trace-ingester', namespace: 'koder-trace' });
    const parsed = parseConfig(cm.data?.['config.yaml'] ?? '');
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    return parsed.config;
  };

  beforeAll(async () => {
    cp = await startControlPlane();
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await cp.installCrds();
    for (const ns of ['koder-trace', 'team-a'])
      await core.createNamespace({ body: { metadata: { name: ns } } });
    op = await startOperatorProcess(cp);
  }, 120_000);
  afterAll(async () => {
    await op?.stop();
    await cp?.stop();
  });

  it('stores a 64-rule policy once for 150 tenants: config written, every tenant Ready', async () => {
    const rules = Array.from({ length: 64 }, (_, i) => ({
      name: `rule-${i}`,
      probability: 0.5,
      match: [
        {
          field: 'attribute.gen_ai.request.model',
          op: 'regex',
          value: `^(gpt|claude|gemini)-${i}-[a-z0-9.-]{1,40}$`,
        },
        { field: 'service', op: 'in', values: ['checkout', 'search', 'support', 'billing', 'catalog'] },
      ],
    }));
    await apply([
      {
        apiVersion: 'trace.koder.dev/v1alpha1',
        kind: 'SamplingPolicy',
        metadata: { name: 'big', namespace: 'team-a' },
        spec: { defaultProbability: 0.1, rules },
      },
      ...Array.from({ length: N }, (_, i) => tenant(i)),
    ]);
    const config = await until(
      'all tenants in the config',
      async () => {
        const c = await configIds();
        return c.tenants.length === N ? c : undefined;
      },
      60_000,
    );
    expect(Object.keys(config.policies)).toEqual(['team-a/big']);
    expect(config.policies['team-a/big']?.rules).toHaveLength(64);
    await until(
      'every tenant Ready',
      async () => [...(await statuses()).values()].filter((s) => s.status === 'True').length === N,
      60_000,
    );
  }, 120_000);

  it('when the API server refuses the config, the changed and new tenants say so; the rest stay Ready', async () => {
    const policy = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'freeze-ingester-config' },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['configmaps'] },
          ],
        },
        validations: [
          { expression: "object.metadata.name != 'koder-trace-ingester'", message: 'frozen by the test' },
        ],
      },
    };
    const binding = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: 'freeze-ingester-config' },
      spec: { policyName: 'freeze-ingester-config', validationActions: ['Deny'] },
    };
    await apply([policy, binding]);
    // Admission policies take effect a moment after they are created: probe until a write is refused.
    await until('the policy in force', async () => {
      const res = await cp.kubectl([
        'label',
        'cm',
        'koder-trace-ingester',
        '-n',
        'koder-trace',
        '--overwrite',
        `probe=${Date.now()}`,
      ]);
      return res.code !== 0;
    });
    await apply([tenant(1, { limits: { spansPerSecond: 123 } }), tenant(N)]);
    const s = await until(
      'ConfigNotWritten on the changed and the new tenant',
      async () => {
        const all = await statuses();
        return all.get(name(1))?.reason === 'ConfigNotWritten' &&
          all.get(name(N))?.reason === 'ConfigNotWritten'
          ? all
          : undefined;
      },
      30_000,
    );
    expect(s.get(name(1))?.status).toBe('False');
    expect(s.get(name(1))?.message).toContain('frozen by the test');
    expect(s.get(name(1))?.observedGeneration).toBe(s.get(name(1))?.generation);
    expect(s.get(name(0))?.status).toBe('True');
    expect([...s.values()].filter((x) => x.status === 'True')).toHaveLength(N - 1);
    const events = await cp.kubectl([
      'get',
      'events',
      '-n',
      'team-a',
      '--field-selector',
      'reason=ConfigNotWritten',
      '-o',
      'name',
    ]);
    expect(events.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(2);

    await cp.kubectl([
      'delete',
      'validatingadmissionpolicybinding,validatingadmissionpolicy',
      'freeze-ingester-config',
    ]);
    await until(
      'every tenant Ready again',
      async () => [...(await statuses()).values()].every((x) => x.status === 'True'),
      60_000,
    );
    const config = await configIds();
    expect(config.tenants.find((t) => t.id === name(1))?.limits?.spansPerSecond).toBe(123);
  }, 120_000);

  it('with too little room, the oldest tenants stay in force and the newest get ConfigFull and an Event', async () => {
    await op.stop();
    op = await startOperatorProcess(cp, ['--configmap-budget-bytes', '26000']);
    const kept = await until('a config with only some tenants', async () => {
      const ids = (await configIds()).tenants.map((t) => t.id).sort();
      return ids.length < N + 1 ? ids : undefined;
    });
    const s = await until('the statuses to follow', async () => {
      const all = await statuses();
      const ready = [...all]
        .filter(([, x]) => x.status === 'True')
        .map(([n]) => n)
        .sort();
      return ready.join() === kept.join() ? all : undefined;
    });
    const full = [...s]
      .filter(([, x]) => x.reason === 'ConfigFull')
      .map(([n]) => n)
      .sort();
    const ready = kept;
    expect(ready.length + full.length).toBe(N + 1);
    expect(ready.length).toBeGreaterThan(0);
    expect((ready.at(-1) ?? '') < (full[0] ?? '')).toBe(true); // same creation second: namespace/name order decides
    expect(s.get(full[0] ?? '')?.message).toContain('the ingester config is full');
    const events = await cp.kubectl([
      'get',
      'events',
      '-n',
      'team-a',
      '--field-selector',
      'reason=ConfigFull',
      '-o',
      'name',
    ]);
    expect(events.stdout.trim().split('\n')).toHaveLength(full.length);
    await op.stop();
    op = await startOperatorProcess(cp);
  }, 120_000);
});

// The operator against a real kube-apiserver: CRDs applied with kubectl, examples applied with kubectl,
// and what the operator writes read back — config, token Secret, Tempo overrides, statuses.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@koder-trace/ingester/config';
import { CoreV1Api } from '@kubernetes/client-node';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../harness/control-plane.ts';
import { startIngesterProcess } from '../harness/ingester.ts';
import { type RunningOperator, startOperatorProcess } from '../harness/operator.ts';
import { requireBinaries, suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const bins = requireBinaries('etcd', 'kube-apiserver', 'kubectl');
const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

describe.skipIf(!bins.ok)(suiteTitle('operator against a real kube-apiserver', bins), () => {
  let cp: ControlPlane;
  let op: RunningOperator;
  let core: CoreV1Api;
  const kubectl = (...args: string[]) => cp.kubectl(args);
  /** kubectl apply of one object in namespace team-a. */
  const applyInTeamA = (obj: unknown) => cp.kubectl(['apply', '-n', 'team-a', '-f', '-'], yaml.dump(obj));
  /** The ingester config as the ingester reads it, each tenant's policy reference followed. */
  const ingesterConfig = async () => {
    const cm = await core.readNamespacedConfigMap({ name: 'koder-trace-ingester', namespace: 'koder-trace' });
    const parsed = parseConfig(cm.data?.['config.yaml'] ?? '');
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const { tenants, policies } = parsed.config;
    return {
      tenants: tenants.map((t) => ({
        ...t,
        sampling: (t.samplingRef !== undefined ? policies[t.samplingRef] : t.sampling) ?? {
          defaultProbability: 1,
        },
      })),
    };
  };

  beforeAll(async () => {
    cp = await startControlPlane();
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await cp.installCrds(); // refused CRDs (any stderr) fail the suite here
    await kubectl('create', 'namespace', 'koder-trace');
    op = await startOperatorProcess(cp);
  });
  afterAll(async () => {
    await op?.stop();
    await cp?.stop();
  });

  it('turns the examples into the ingester config, a token Secret, Tempo overrides and Ready statuses', async () => {
    const applied = await kubectl(
      'apply',
      '-f',
      repo('examples/tenants/namespace.yaml'),
      '-f',
      repo('examples/tenants'),
    );
    expect(applied.code, applied.stderr).toBe(0);
    const config = await until('the tenant in the ingester config', async () => {
      const c = await ingesterConfig();
      return c.tenants.length ? c : undefined;
    });
    expect(config.tenants.map((t) => t.id)).toEqual(['support-bot']);
    const secret = await core.readNamespacedSecret({ name: 'support-bot-token', namespace: 'team-a' });
    const token = Buffer.from(secret.data?.token ?? '', 'base64').toString();
    expect(token).toMatch(/^kt_/);
    expect(config.tenants[0]?.tokenSha256).toEqual([createHash('sha256').update(token).digest('hex')]);
    expect(JSON.stringify(config)).not.toContain(token); // hashes only

    // Tempo's overrides are a ConfigMap of their own, written beside the ingester config: wait for it too.
    const block = await until("the tenant in Tempo's overrides", async () => {
      const overrides = await core.readNamespacedConfigMap({
        name: 'koder-trace-tempo-overrides',
        namespace: 'koder-trace',
      });
      return (
        yaml.load(overrides.data?.['overrides.yaml'] ?? '') as {
          overrides?: Record<string, Record<string, Record<string, unknown>>>;
        } | null
      )?.overrides?.['support-bot'];
    });
    expect(block?.compaction?.block_retention).toBe('720h');
    expect(Object.keys(block ?? {}).sort()).toEqual(['compaction', 'global', 'ingestion']);

    await until('Ready=True on both', async () => {
      const out = await kubectl('get', 'tt,sp', '-n', 'team-a');
      return /support-bot\s+True\s+support-bot\s+policy\/llm-first/.test(out.stdout) &&
        /llm-first\s+True/.test(out.stdout)
        ? out
        : undefined;
    });
    // Events only for changes: a Warning when a reason goes bad, a Normal Ready only on recovering
    // from one (a resource Ready from its first status gets none).
    const events = await kubectl('get', 'events', '-n', 'team-a', '-o', 'json');
    const list = (
      JSON.parse(events.stdout) as {
        items: { type: string; reason: string; involvedObject: { name: string } }[];
      }
    ).items;
    for (const e of list.filter((e) => e.type === 'Normal' && e.reason === 'Ready'))
      expect(list.some((w) => w.type === 'Warning' && w.involvedObject.name === e.involvedObject.name)).toBe(
        true,
      );
  });

  it('updates the config when the policy changes, and removes a deleted tenant', async () => {
    const patched = await kubectl(
      'patch',
      'sp',
      'llm-first',
      '-n',
      'team-a',
      '--type=merge',
      '-p',
      '{"spec":{"defaultProbability":0.5}}',
    );
    expect(patched.code, patched.stderr).toBe(0);
    await until('the new probability', async () =>
      (await ingesterConfig()).tenants[0]?.sampling.defaultProbability === 0.5 ? true : undefined,
    );

    const extra = await applyInTeamA({
      apiVersion: 'trace.koder.dev/v1alpha1',
      kind: 'TraceTenant',
      metadata: { name: 'search' },
      spec: {},
    });
    expect(extra.code, extra.stderr).toBe(0);
    await until('two tenants', async () =>
      (await ingesterConfig()).tenants.length === 2 ? true : undefined,
    );
    await kubectl('delete', 'tt', 'search', '-n', 'team-a');
    await until('one tenant again', async () =>
      (await ingesterConfig()).tenants.map((t) => t.id).join() === 'support-bot' ? true : undefined,
    );
  });

  it('explains its resources through kubectl explain', async () => {
    const out = await kubectl('explain', 'tracetenant.spec.limits');
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('spansPerSecond');
    expect(out.stdout).toContain('Sustained spans per second');
    const sp = await kubectl('explain', 'sp.spec.rules.match.op');
    expect(sp.stdout).toContain('How to compare');
  });

  it('has the apiserver refuse invalid resources with a readable message', async () => {
    const both = await applyInTeamA({
      apiVersion: 'trace.koder.dev/v1alpha1',
      kind: 'TraceTenant',
      metadata: { name: 'bad' },
      spec: { samplingPolicyRef: { name: 'llm-first' }, sampling: { defaultProbability: 0.5 } },
    });
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain('set samplingPolicyRef or sampling, not both');
    const op = await applyInTeamA({
      apiVersion: 'trace.koder.dev/v1alpha1',
      kind: 'SamplingPolicy',
      metadata: { name: 'bad' },
      spec: { rules: [{ name: 'r', probability: 2, match: [{ field: 'name', op: 'gt', value: 'x' }] }] },
    });
    expect(op.code).not.toBe(0);
    expect(op.stderr).toMatch(
      /probability: Invalid value: 2: spec.rules\[0\].probability in body should be less than or equal to 1|should be less than or equal to 1/,
    );
    expect(op.stderr).toContain('gt, gte, lt and lte need a number as value');
    const immutable = await kubectl(
      'patch',
      'tt',
      'support-bot',
      '-n',
      'team-a',
      '--type=merge',
      '-p',
      '{"spec":{"tenantId":"other"}}',
    );
    expect(immutable.code).not.toBe(0);
    expect(immutable.stderr).toContain('tenantId is immutable');
  });

  it('reports a broken policy reference as Ready=False with the reason, and keeps the tenant ingesting', async () => {
    const res = await applyInTeamA({
      apiVersion: 'trace.koder.dev/v1alpha1',
      kind: 'TraceTenant',
      metadata: { name: 'orphan' },
      spec: { samplingPolicyRef: { name: 'does-not-exist' } },
    });
    expect(res.code, res.stderr).toBe(0);
    const status = await until('PolicyNotFound', async () => {
      const out = await kubectl(
        'get',
        'tt',
        'orphan',
        '-n',
        'team-a',
        '-o',
        'jsonpath={.status.conditions[0].status}/{.status.conditions[0].reason}/{.status.conditions[0].message}',
      );
      return out.stdout.startsWith('False/PolicyNotFound') ? out.stdout : undefined;
    });
    expect(status).toContain('SamplingPolicy team-a/does-not-exist does not exist');
    expect((await ingesterConfig()).tenants.map((t) => t.id)).toContain('orphan');
    await kubectl('delete', 'tt', 'orphan', '-n', 'team-a');
  });

  it('carries read tokens and a write-only ingest token into the config the query service reads', async () => {
    const readToken = 'kt_reader_for_the_operator_test';
    await applyInTeamA({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'readers' },
      stringData: { token: readToken },
    });
    const res = await applyInTeamA({
      apiVersion: 'trace.koder.dev/v1alpha1',
      kind: 'TraceTenant',
      metadata: { name: 'reads-apart' },
      spec: { read: { tokenSecrets: ['readers'], ingestTokenReads: false } },
    });
    expect(res.code, res.stderr).toBe(0);
    const tenant = await until('the tenant with its read token in the config', async () =>
      (await ingesterConfig()).tenants.find((t) => t.id === 'reads-apart' && t.readTokenSha256),
    );
    expect(tenant.readTokenSha256).toEqual([createHash('sha256').update(readToken).digest('hex')]);
    expect(tenant.ingestTokenReads).toBe(false);
    await kubectl('delete', 'tt', 'reads-apart', '-n', 'team-a');
    await kubectl('delete', 'secret', 'readers', '-n', 'team-a');
  });

  it("writes a config that a running ingester accepts: the tenant's token works and its policy samples", async () => {
    const cm = await core.readNamespacedConfigMap({ name: 'koder-trace-ingester', namespace: 'koder-trace' });
    const doc = yaml.load(cm.data?.['config.yaml'] ?? '') as Record<string, unknown>;
    const secret = await core.readNamespacedSecret({ name: 'support-bot-token', namespace: 'team-a' });
    const token = Buffer.from(secret.data?.token ?? '', 'base64').toString();
    const ing = await startIngesterProcess({ ...doc, exporter: { kind: 'none' } });
    try {
      const send = (auth: string) =>
        fetch(`${ing.httpUrl}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: auth },
          body: JSON.stringify({
            resourceSpans: [
              {
                scopeSpans: [
                  {
                    spans: Array.from({ length: 200 }, (_, i) => ({
                      traceId: createHash('md5').update(String(i)).digest('hex'),
                      spanId: '0102030405060708',
                      name: 'GET /orders',
                    })),
                  },
                ],
              },
            ],
          }),
        });
      expect((await send('Bearer wrong')).status).toBe(401);
      expect((await send(`Bearer ${token}`)).status).toBe(200);
      // Policy default 50% (patched above): roughly half sampled out, none rejected — once decided: in
      // trace mode (the default) each trace waits until its root has been quiet.
      await expect.poll(() => ing.metric('koder_ingester_trace_buffer_traces'), { timeout: 20_000 }).toBe(0);
      const out = await ing.metric('koder_ingester_spans_sampled_out_total', { tenant: 'support-bot' });
      expect(out).toBeGreaterThan(60);
      expect(out).toBeLessThan(140);
    } finally {
      await ing.stop();
    }
  });

  it('settles in a bounded number of reconciles, and a restarted operator writes nothing', async () => {
    const runs = await op.metric('koder_operator_reconciles_total');
    expect(runs).toBeLessThan(100); // a hot loop would run away
    await op.stop();
    op = await startOperatorProcess(cp);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await op.metric('koder_operator_reconciles_total')).toBeGreaterThan(0);
    expect(await op.metric('koder_operator_writes_total')).toBe(0);
  });

  it('with two operators electing a leader, only the leader writes', async () => {
    await op.stop();
    const a = await startOperatorProcess(cp, ['--leader-election', '--identity', 'a'], 'operator-a');
    await until('a leads', async () => ((await a.isLeader()) ? true : undefined));
    const b = await startOperatorProcess(cp, ['--leader-election', '--identity', 'b'], 'operator-b');
    try {
      await kubectl(
        'patch',
        'sp',
        'llm-first',
        '-n',
        'team-a',
        '--type=merge',
        '-p',
        '{"spec":{"defaultProbability":0.3}}',
      );
      await until('the change written', async () =>
        (await ingesterConfig()).tenants[0]?.sampling.defaultProbability === 0.3 ? true : undefined,
      );
      // The writes counter moves when the reconcile ends, a moment after the ConfigMap changed.
      await until(
        'the leader to count its writes',
        async () => (await a.metric('koder_operator_writes_total')) > 0,
      );
      expect(await b.isLeader()).toBe(false);
      expect(await b.metric('koder_operator_writes_total')).toBe(0);
    } finally {
      await b.stop();
      await a.stop();
      op = await startOperatorProcess(cp);
    }
  });
});

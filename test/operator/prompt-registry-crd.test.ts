// TraceTenant spec.promptRegistry on a real API server: the CRD's CEL rule lets https:// through and
// http:// only to a cluster-local Service or localhost. Without a Secret to copy signing secrets to
// (--registry-secret) the operator says in the tenant's status that ratings are stored but not sent,
// while the tenant's traffic is configured as usual; with one (as the chart runs it) it copies the
// tenant's signing secret there and names the file in the ingester config.
import { CoreV1Api } from '@kubernetes/client-node';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../harness/control-plane.ts';
import { type RunningOperator, startOperatorProcess } from '../harness/operator.ts';
import { requireBinaries, suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const bins = requireBinaries('etcd', 'kube-apiserver', 'kubectl');

const tenant = (name: string, url: string) => ({
  apiVersion: 'trace.koder.dev/v1alpha1',
  kind: 'TraceTenant',
  metadata: { name, namespace: 'team-a' },
  spec: { promptRegistry: { url, signingSecretRef: { name: 'registry-hook', key: 'signing' } } },
});

describe.skipIf(!bins.ok)(suiteTitle('TraceTenant spec.promptRegistry', bins), () => {
  let cp: ControlPlane;
  let op: RunningOperator | undefined;

  beforeAll(async () => {
    cp = await startControlPlane();
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await cp.installCrds();
    for (const ns of ['koder-trace', 'team-a'])
      await core.createNamespace({ body: { metadata: { name: ns } } });
  });
  afterAll(async () => {
    await op?.stop();
    await cp?.stop();
  });

  it('accepts https and cluster-local http URLs, and refuses plain http elsewhere with the reason', async () => {
    const apply = (t: object) => cp.kubectl(['apply', '--dry-run=server', '-f', '-'], yaml.dump(t));
    for (const url of [
      'https://prompts.example.com/hooks/ratings',
      'http://prompt-registry.ml.svc:8080/ratings',
      'http://prompt-registry.ml.svc.cluster.local/ratings',
      'http://localhost:9000/r',
    ]) {
      const r = await apply(tenant('ok', url));
      expect(r.code, `${url}: ${r.stderr}`).toBe(0);
    }
    for (const url of ['http://prompts.example.com/hooks', 'http://10.0.0.7/hooks', 'ftp://x.svc/']) {
      const r = await apply(tenant('bad', url));
      expect(r.code, url).not.toBe(0);
      expect(r.stderr, url).toMatch(url.startsWith('http:') ? /cluster-local Service/ : /should match/);
    }
    const missing = await cp.kubectl(
      ['apply', '--dry-run=server', '-f', '-'],
      yaml.dump({
        ...tenant('nokey', 'https://x.example.com'),
        spec: { promptRegistry: { url: 'https://x.example.com' } },
      }),
    );
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/signingSecretRef/);
  });

  it('compiles the tenant and says why its ratings are not sent yet', async () => {
    op = await startOperatorProcess(cp);
    const applied = await cp.kubectl(
      ['apply', '-f', '-'],
      yaml.dump(tenant('rated', 'https://prompts.example.com/hooks/ratings')),
    );
    expect(applied.code, applied.stderr).toBe(0);
    const condition = await until('the tenant status', async () => {
      const out = (
        await cp.kubectl(['get', 'tt', 'rated', '-n', 'team-a', '-o', 'jsonpath={.status.conditions[0]}'])
      ).stdout;
      const c = JSON.parse(out || '{}') as { status?: string; reason?: string; message?: string };
      return c.reason === 'RegistrySecretNotFound' ? c : undefined;
    });
    expect(condition.status).toBe('False');
    expect(condition.message).toMatch(/ratings are stored but not sent/);
    // The tenant's spans still flow: it is in the ingester config.
    const cm = await until('the ingester config to name the tenant', async () => {
      const out = await cp.kubectl(['get', 'configmap', '-n', 'koder-trace', '-o', 'yaml']);
      return out.stdout.includes('id: rated') || out.stdout.includes('"id":"rated"') ? out.stdout : undefined;
    });
    expect(cm).not.toContain('promptRegistry');
  });

  it('with --registry-secret, copies the signing secret where the ingesters mount it and names the file', async () => {
    await op?.stop();
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    // A Secret the user made (not watched): seen at start, and later within the operator's cache time.
    await core.createNamespacedSecret({
      namespace: 'team-a',
      body: { metadata: { name: 'registry-hook' }, stringData: { signing: 'whsec-for-the-registry' } },
    });
    op = await startOperatorProcess(cp, ['--registry-secret', 'koder-trace-registry']);
    const copy = await until('the signing secret copied', async () => {
      const got = await core
        .readNamespacedSecret({ name: 'koder-trace-registry', namespace: 'koder-trace' })
        .catch(() => undefined);
      const b64 = got?.data?.['team-a.registry-hook.signing'];
      return b64 ? Buffer.from(b64, 'base64').toString() : undefined;
    });
    expect(copy).toBe('whsec-for-the-registry');
    const cm = await until('the ingester config to name the file', async () => {
      const out = await cp.kubectl(['get', 'configmap', '-n', 'koder-trace', '-o', 'yaml']);
      return out.stdout.includes('/etc/koder-trace-registry/team-a.registry-hook.signing')
        ? out.stdout
        : undefined;
    });
    expect(cm).toContain('https://prompts.example.com/hooks/ratings');
    const ready = await until('the tenant Ready', async () => {
      const out = (
        await cp.kubectl([
          'get',
          'tt',
          'rated',
          '-n',
          'team-a',
          '-o',
          'jsonpath={.status.conditions[0].status}',
        ])
      ).stdout;
      return out === 'True' ? out : undefined;
    });
    expect(ready).toBe('True');
    // Settled: the copy is not written again and again (it is in the operator's Secret cache).
    const settled = await (op as RunningOperator).metric('koder_operator_writes_total');
    await new Promise((r) => setTimeout(r, 3000));
    expect(await (op as RunningOperator).metric('koder_operator_writes_total')).toBe(settled);
    // The tenant gone, no tenant needs the copy: it is pruned, the signing secret with it.
    await cp.kubectl(['delete', 'tt', 'rated', '-n', 'team-a']);
    await until('the copy pruned', async () =>
      (await core
        .readNamespacedSecret({ name: 'koder-trace-registry', namespace: 'koder-trace' })
        .catch(() => undefined))
        ? undefined
        : true,
    );
  });
});

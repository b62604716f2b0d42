// The Helm chart against the real helm and a real kube-apiserver: strict lint for every values file,
// every rendered object validated field by field by the API server (server-side dry run, strict),
// install / upgrade / uninstall, and the operator producing the ConfigMap the chart's pods mount.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type V1PodSpec } from '@kubernetes/client-node';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../harness/control-plane.ts';
import { type RunningOperator, startOperatorProcess } from '../harness/operator.ts';
import { runCommand } from '../harness/process.ts';
import { binaryPath, requireBinaries, suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const bins = requireBinaries('helm', 'etcd', 'kube-apiserver', 'kubectl');
const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const chart = repo('charts/koder-trace');
const valuesFiles = ['', ...readdirSync(repo('examples/values')).map((f) => repo(`examples/values/${f}`))];
interface Deployment {
  kind: string;
  metadata: { name: string };
  spec: { template: { spec: V1PodSpec } };
}

const label = (f: string) => (f ? f.split('/').at(-1) : 'default values');

describe.skipIf(!bins.ok)(suiteTitle('Helm chart', bins), () => {
  let cp: ControlPlane;
  const helm = (...args: string[]) => runCommand(binaryPath('helm'), args, { env: cp.env() });
  const kubectl = (...args: string[]) => cp.kubectl(args);
  const values = (f: string) => (f ? ['-f', f] : []);

  beforeAll(async () => {
    cp = await startControlPlane();
    await kubectl('create', 'namespace', 'koder');
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('ships the same CRDs as crds/ (one source)', () => {
    for (const f of readdirSync(repo('crds'))) {
      expect(readFileSync(repo(`charts/koder-trace/crds/${f}`), 'utf8'), f).toBe(
        readFileSync(repo(`crds/${f}`), 'utf8'),
      );
    }
  });

  it.each(valuesFiles)('lints strictly and renders valid objects with %s', async (file) => {
    const lint = await helm('lint', '--strict', chart, ...values(file));
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    const rendered = await helm(
      'template',
      'kt',
      chart,
      '--namespace',
      'koder',
      '--include-crds',
      ...values(file),
    );
    expect(rendered.code, rendered.stderr).toBe(0);
    const docs = (
      yaml.loadAll(rendered.stdout) as { kind: string; metadata: { labels?: Record<string, string> } }[]
    ).filter(Boolean);
    for (const d of docs.filter((x) => x.kind !== 'CustomResourceDefinition')) {
      expect(d.metadata.labels?.['app.kubernetes.io/instance'], `${d.kind} labels`).toBe('kt');
    }
    // The API server itself checks every object and every field (unknown fields are errors).
    const dry = await cp.kubectl(
      ['apply', '--dry-run=server', '--validate=strict', '-f', '-'],
      rendered.stdout,
    );
    expect(dry.code, `${label(file)}: ${dry.stderr}`).toBe(0);
  });

  it('refuses bad values with a clear message (values.schema.json)', async () => {
    const bad = await helm(
      'template',
      'kt',
      chart,
      '--set',
      'tempo.distributor=not a host',
      '--set',
      'ingester.replicas=0',
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("at '/tempo/distributor': 'not a host' does not match pattern");
    expect(bad.stderr).toContain("at '/ingester/replicas': minimum: got 0, want 1");
    const tunables = await helm('template', 'kt', chart, '--set', 'operator.glibcTunables=mmap_threshold');
    expect(tunables.code).not.toBe(0);
    expect(tunables.stderr).toContain(
      "at '/operator/glibcTunables': 'mmap_threshold' does not match pattern",
    );
  });

  it("passes the operator's settings to its flags, NODE_OPTIONS and GLIBC_TUNABLES, lease timing only with leader election", async () => {
    const operator = async (...set: string[]) => {
      const out = await helm(
        'template',
        'kt',
        chart,
        '--show-only',
        'templates/operator-deployment.yaml',
        ...set.flatMap((s) => ['--set', s]),
      );
      expect(out.code, out.stderr).toBe(0);
      const docs = yaml.loadAll(out.stdout) as (Deployment & { kind?: string })[];
      const container = docs.find((d) => d?.kind === 'Deployment')?.spec.template.spec.containers[0];
      return {
        flags: (container?.args ?? []).filter((a) =>
          /^--(api-concurrency|configmap-budget-bytes|leader-election|lease-seconds|renew-deadline-seconds|retry-seconds)/.test(
            a,
          ),
        ),
        nodeOptions: container?.env?.find((e) => e.name === 'NODE_OPTIONS')?.value,
        glibcTunables: container?.env?.find((e) => e.name === 'GLIBC_TUNABLES')?.value,
      };
    };
    expect(await operator()).toEqual({
      flags: ['--api-concurrency=16', '--configmap-budget-bytes=1032192'],
      nodeOptions: '--max-semi-space-size=4 --max-old-space-size=192',
      glibcTunables: 'glibc.malloc.mmap_threshold=131072',
    });
    expect((await operator('operator.nodeOptions=')).nodeOptions).toBeUndefined();
    expect((await operator('operator.glibcTunables=')).glibcTunables).toBeUndefined();
    expect(
      (
        await operator(
          'operator.replicas=3',
          'operator.apiConcurrency=8',
          'operator.configMapBudgetBytes=524288',
          'operator.leaderElection.leaseSeconds=30',
          'operator.leaderElection.renewDeadlineSeconds=20',
          'operator.leaderElection.retrySeconds=4',
        )
      ).flags,
    ).toEqual([
      '--api-concurrency=8',
      '--configmap-budget-bytes=524288',
      '--leader-election',
      '--lease-seconds=30',
      '--renew-deadline-seconds=20',
      '--retry-seconds=4',
    ]);
  });

  let op: RunningOperator | undefined;
  it('installs; the operator then writes the ConfigMap the pods mount; upgrades; uninstalls keeping the CRDs', async () => {
    const install = await helm('install', 'kt', chart, '--namespace', 'koder');
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toContain('kubectl label namespace');
    const deployments = await kubectl('get', 'deploy', '-n', 'koder', '-o', 'name');
    expect(deployments.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'deployment.apps/kt-ingester',
      'deployment.apps/kt-operator',
      'deployment.apps/kt-query',
    ]);

    // No kubelet here: run the operator process with the arguments the chart gives its pod (the
    // webhook needs a Service the API server could reach, which a test cannot offer).
    const manifest = await helm('get', 'manifest', 'kt', '--namespace', 'koder');
    const docs = yaml.loadAll(manifest.stdout) as (Deployment | null)[];
    const deployment = (name: string) =>
      docs.find((d) => d?.kind === 'Deployment' && d.metadata.name === name);
    const podSpec = (name: string) => deployment(name)?.spec.template.spec;
    const args = (podSpec('kt-operator')?.containers[0]?.args ?? []).filter(
      (a) => !a.startsWith('--webhook') && !a.startsWith('--ingester-endpoint'),
    );
    op = await startOperatorProcess(cp, args); // the chart's --namespace wins over the harness default
    expect((await kubectl('apply', '-f', repo('examples/tenants'))).code).toBe(0);
    const mounted = args.find((a) => a.startsWith('--ingester-configmap='))?.split('=')[1];
    expect(podSpec('kt-ingester')?.volumes?.[0]?.configMap?.name).toBe(mounted);
    expect(podSpec('kt-query')?.volumes?.[0]?.configMap?.name).toBe(mounted);
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    const config = await until('the tenant in the mounted ConfigMap', async () => {
      const cm = await core.readNamespacedConfigMap({ name: mounted ?? '', namespace: 'koder' });
      return cm.data?.['config.yaml']?.includes('id: support-bot') ? cm.data['config.yaml'] : undefined;
    });
    expect(config).toContain('endpoint: kt-tempo.koder.svc:4317'); // the managed Tempo's distributor
    const overrides = await until('the Tempo overrides Tempo mounts', async () => {
      const cm = await core.readNamespacedConfigMap({ name: 'kt-tempo-overrides', namespace: 'koder' });
      return cm.data?.['overrides.yaml']?.includes('support-bot:') ? cm.data['overrides.yaml'] : undefined;
    });
    expect(overrides).toContain('block_retention: 720h');
    const tempo = (await kubectl('get', 'statefulset', 'kt-tempo', '-n', 'koder', '-o', 'json')).stdout;
    expect(
      JSON.parse(tempo).spec.template.spec.volumes.map(
        (v: { configMap?: { name: string } }) => v.configMap?.name,
      ),
    ).toContain('kt-tempo-overrides');

    const upgrade = await helm(
      'upgrade',
      'kt',
      chart,
      '--namespace',
      'koder',
      '-f',
      repo('examples/values/production.yaml'),
    );
    expect(upgrade.code, upgrade.stderr).toBe(0);
    expect((await kubectl('get', 'ingress', 'kt-query', '-n', 'koder')).code).toBe(0);

    const uninstall = await helm('uninstall', 'kt', '--namespace', 'koder');
    expect(uninstall.code, uninstall.stderr).toBe(0);
    expect((await kubectl('get', 'deploy', '-n', 'koder', '-o', 'name')).stdout.trim()).toBe('');
    expect((await kubectl('get', 'crd', 'tracetenants.trace.koder.dev')).code).toBe(0); // Helm keeps CRDs
    await op.stop();
  });
});

// What the chart sets in Tempo so that what the ingesters accepted reaches it and stays (docs/tempo.md);
// rendered with helm alone.
const helmOnly = requireBinaries('helm');
describe.skipIf(!helmOnly.ok)(suiteTitle('Helm chart: the managed Tempo', helmOnly), () => {
  interface Doc {
    kind: string;
    metadata: { name: string; annotations?: Record<string, string> };
    data?: Record<string, string>;
    spec?: { template: { spec: V1PodSpec } };
  }
  const render = async (...set: string[]) => {
    const r = await runCommand(binaryPath('helm'), [
      'template',
      'kt',
      chart,
      '--namespace',
      'koder',
      ...set.flatMap((s) => ['--set', s]),
    ]);
    expect(r.code, r.stderr).toBe(0);
    return (yaml.loadAll(r.stdout) as (Doc | null)[]).filter((d): d is Doc => !!d);
  };
  const tempoConfig = (docs: Doc[]) =>
    yaml.load(
      docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'kt-tempo')?.data?.['tempo.yaml'] ?? '',
    ) as {
      server: Record<string, number>;
      distributor: { receivers: { otlp: { protocols: { grpc: Record<string, unknown> } } } };
      overrides: { defaults: unknown; per_tenant_override_config: string };
    };

  it("query.identity: the proxy's headers and addresses as flags of either store, refused without the addresses", async () => {
    const flags = (docs: Doc[]) =>
      (
        docs.find((d) => d.kind !== 'Service' && d.metadata.name === 'kt-query')?.spec?.template.spec
          .containers[0]?.args ?? []
      ).filter((a) => /^--(identity-header|groups-header|trusted-proxy)=/.test(a));
    const identity = [
      'query.identity.header=X-Forwarded-Email',
      'query.identity.groupsHeader=X-Forwarded-Groups',
      'query.identity.trustedProxies={10.8.0.0/16,fd00::/8}',
    ];
    const expected = [
      '--identity-header=X-Forwarded-Email',
      '--groups-header=X-Forwarded-Groups',
      '--trusted-proxy=10.8.0.0/16',
      '--trusted-proxy=fd00::/8',
    ];
    expect(flags(await render())).toEqual([]);
    expect(flags(await render(...identity))).toEqual(expected);
    expect(flags(await render(...identity, 'store=embedded', 'tempo.managed=false'))).toEqual(expected);
    const refused = await runCommand(binaryPath('helm'), [
      'template',
      'kt',
      chart,
      '--set',
      'query.identity.header=X-Forwarded-Email',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('query.identity.header needs query.identity.trustedProxies');
  });

  it("ingester.nodeOptions: the ingesters' NODE_OPTIONS (a 16 MiB young generation, a 2 GiB old one), beside POD_NAME or alone", async () => {
    const env = async (...set: string[]) =>
      (await render(...set))
        .find((d) => d.kind === 'Deployment' && d.metadata.name === 'kt-ingester')
        ?.spec?.template.spec.containers[0]?.env?.map((e) => [e.name, e.value ?? 'from field']);
    expect(await env()).toEqual([
      ['POD_NAME', 'from field'],
      ['NODE_OPTIONS', '--max-semi-space-size=16 --max-old-space-size=2048'],
    ]);
    expect(await env('ingester.traceRouting.enabled=false')).toEqual([
      ['NODE_OPTIONS', '--max-semi-space-size=16 --max-old-space-size=2048'],
    ]);
    expect(await env('ingester.nodeOptions=')).toEqual([['POD_NAME', 'from field']]);
    expect(await env('ingester.nodeOptions=', 'ingester.traceRouting.enabled=false')).toBeUndefined();
  });

  it('ingester.persistence: a StatefulSet with a claim per replica for its log, the autoscaler following it', async () => {
    const ingester = (docs: Doc[]) =>
      docs.find((d) => d.metadata.name === 'kt-ingester' && ['Deployment', 'StatefulSet'].includes(d.kind));
    const plain = await render();
    expect(ingester(plain)?.kind).toBe('Deployment');
    expect(ingester(plain)?.spec?.template.spec.volumes?.find((v) => v.name === 'data')?.emptyDir).toEqual(
      {},
    );
    const docs = await render(
      'ingester.persistence.enabled=true',
      'ingester.persistence.storageClassName=fast',
    );
    const set = ingester(docs) as Doc & {
      spec: { serviceName: string; volumeClaimTemplates: { spec: Record<string, unknown> }[] };
    };
    expect(set.kind).toBe('StatefulSet');
    expect(set.spec.serviceName).toBe('kt-ingester-peers');
    expect(set.spec.template.spec.volumes?.find((v) => v.name === 'data')).toBeUndefined();
    expect(set.spec.volumeClaimTemplates[0]?.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast',
      resources: { requests: { storage: '5Gi' } },
    });
    const hpa = docs.find((d) => d.kind === 'HorizontalPodAutoscaler') as unknown as {
      spec: { scaleTargetRef: { kind: string } };
    };
    expect(hpa.spec.scaleTargetRef.kind).toBe('StatefulSet');
  });

  it("sets the OTLP/gRPC receiver's message limit explicitly, and Tempo's own gRPC limits at least as high", async () => {
    const config = tempoConfig(await render());
    expect(config.distributor.receivers.otlp.protocols.grpc).toEqual({
      endpoint: '0.0.0.0:4317',
      max_recv_msg_size_mib: 16,
    });
    expect(config.server.grpc_server_max_recv_msg_size).toBe(16 * 1024 * 1024);
    const bigger = tempoConfig(await render('tempo.otlpMaxRecvMsgSizeMiB=32'));
    expect(bigger.distributor.receivers.otlp.protocols.grpc.max_recv_msg_size_mib).toBe(32);
    expect(bigger.server.grpc_server_max_recv_msg_size).toBe(32 * 1024 * 1024);
    expect(bigger.server.grpc_server_max_send_msg_size).toBe(32 * 1024 * 1024);
  });

  it('creates the overrides file at install (a hook Helm never overwrites) and mounts it, not optional', async () => {
    const docs = await render();
    const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'kt-tempo-overrides');
    expect(cm?.metadata.annotations).toMatchObject({
      'helm.sh/hook': 'pre-install',
      'helm.sh/hook-delete-policy': 'before-hook-creation',
    });
    expect(yaml.load(cm?.data?.['overrides.yaml'] ?? '')).toEqual({ overrides: {} });
    const volume = docs
      .find((d) => d.kind === 'StatefulSet' && d.metadata.name === 'kt-tempo')
      ?.spec?.template.spec.volumes?.find((v) => v.name === 'overrides');
    expect(volume?.configMap).toEqual({ name: 'kt-tempo-overrides' });
    expect(tempoConfig(docs).overrides.per_tenant_override_config).toBe(
      '/etc/tempo-overrides/overrides.yaml',
    );
    const external = await render(
      'tempo.managed=false',
      'tempo.distributor=tempo:4317',
      'tempo.queryUrl=http://tempo:3200',
    );
    expect(external.filter((d) => d.metadata.name.startsWith('kt-tempo'))).toEqual([]);
  });

  it("defaults every tenant to a default TraceTenant's byte limits, and sets the rate strategy where Tempo reads it", async () => {
    const { tempoTenantOverrides } = await import('../../operator/src/compile/tempo-overrides.ts');
    const { compaction: _, ...perTenant } = tempoTenantOverrides(
      { spansPerSecond: 5000, burst: 10000, maxAttributeValueBytes: 65536, maxRequestBytes: 8388608 },
      '336h',
    );
    expect(tempoConfig(await render()).overrides.defaults).toEqual({
      ...perTenant,
      ingestion: { rate_strategy: 'local', ...perTenant.ingestion },
    });
  });
});

// The pod webhook with a real kube-apiserver calling it over TLS: pods created through the API come
// back wired (or untouched), pod creation survives the webhook being down, and a process started with
// exactly the injected environment exports to an ingester as the right tenant.
import { fileURLToPath } from 'node:url';
import { decodeTraceRequest, getAttribute } from '@koder-trace/ingester/otlp';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import * as yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../harness/control-plane.ts';
import { type GrpcCapture, startGrpcCapture } from '../harness/grpc-capture.ts';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { type RunningOperator, startOperatorProcess } from '../harness/operator.ts';
import { freePort } from '../harness/ports.ts';
import { runCommand } from '../harness/process.ts';
import { requireBinaries, suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const bins = requireBinaries('etcd', 'kube-apiserver', 'kubectl');
const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

const envOf = (pod: V1Pod) => pod.spec?.containers[0]?.env ?? [];
const podSpec = (name: string, extra: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { name, labels: { 'app.kubernetes.io/name': 'checkout' }, ...extra.metadata },
  spec: {
    containers: [{ name: 'app', image: 'registry.invalid/app:1', ...(extra.spec?.containers?.[0] ?? {}) }],
  },
});

describe.skipIf(!bins.ok)(suiteTitle('pod webhook called by a real kube-apiserver', bins), () => {
  let cp: ControlPlane;
  let core: CoreV1Api;
  let op: RunningOperator;
  let storage: GrpcCapture;
  let ingester: RunningIngester;
  let webhookPort: number;
  const kubectl = (...args: string[]) => cp.kubectl(args);
  const operatorArgs = () => [
    '--webhook-url',
    `https://127.0.0.1:${webhookPort}`,
    '--webhook-port',
    String(webhookPort),
    '--ingester-endpoint',
    ingester.httpUrl,
  ];

  beforeAll(async () => {
    cp = await startControlPlane();
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await cp.installCrds();
    for (const [ns, labels] of [
      ['koder-trace', {}],
      ['team-a', { 'trace.koder.dev/tenant': 'support-bot' }],
      ['apps', { 'trace.koder.dev/tenant': 'support-bot' }],
      ['other', {}],
    ] as const) {
      await core.createNamespace({ body: { metadata: { name: ns, labels } } });
    }
    // Storage stand-in and an ingester; its tenants come from the operator's ConfigMap below.
    storage = await startGrpcCapture();
    ingester = await startIngesterProcess({
      exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 10 },
      tenants: [],
    });
    webhookPort = await freePort();
    op = await startOperatorProcess(cp, operatorArgs());
    expect((await kubectl('apply', '-f', repo('examples/tenants'))).code).toBe(0);
    await until('the webhook registration', async () => {
      const out = await kubectl(
        'get',
        'mutatingwebhookconfiguration',
        'koder-trace-pod-injector',
        '-o',
        'jsonpath={.webhooks[0].clientConfig.caBundle}',
      );
      return out.stdout.length > 100 ? true : undefined;
    });
    const config = await until('the tenant in the ingester config', async () => {
      const cm = await core.readNamespacedConfigMap({
        name: 'koder-trace-ingester',
        namespace: 'koder-trace',
      });
      const doc = yaml.load(cm.data?.['config.yaml'] ?? '') as { tenants: unknown[] };
      return doc.tenants.length ? doc : undefined;
    });
    await ingester.writeConfig({ ...config, exporter: { endpoint: storage.endpoint, maxBatchDelayMs: 10 } });
    await until('the ingester to load the tenants', async () =>
      (await ingester.metric('koder_ingester_config_reloads_total', { result: 'ok' })) > 0 ? true : undefined,
    );
  });
  afterAll(async () => {
    await op?.stop();
    await ingester?.stop();
    await storage?.close();
    await cp?.stop();
  });

  it('wires a pod in an opted-in namespace, with the token by reference', async () => {
    const pod = await core.createNamespacedPod({ namespace: 'team-a', body: podSpec('wired') });
    const env = envOf(pod);
    expect(env.find((e) => e.name === 'KODER_TRACE_TOKEN')?.valueFrom?.secretKeyRef).toEqual({
      name: 'support-bot-token',
      key: 'token',
    });
    expect(env.find((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT')?.value).toBe(ingester.httpUrl);
    expect(env.find((e) => e.name === 'OTEL_SERVICE_NAME')?.value).toBe('checkout');
    const secret = await core.readNamespacedSecret({ name: 'support-bot-token', namespace: 'team-a' });
    const token = Buffer.from(secret.data?.token ?? '', 'base64').toString();
    expect(JSON.stringify(pod.spec)).not.toContain(token);
    expect(pod.metadata?.annotations?.['trace.koder.dev/injected']).toBe('support-bot');
    expect(pod.metadata?.annotations?.['trace.koder.dev/ingester-endpoint']).toBe(ingester.httpUrl);
  });

  it('keeps the token Secret present in other namespaces it wires, and leaves other namespaces alone', async () => {
    const copy = await until('the token copy in apps', () =>
      core
        .listNamespacedSecret({ namespace: 'apps', labelSelector: 'trace.koder.dev/token-copy=true' })
        .then((l) => l.items[0]),
    );
    expect(copy.metadata?.labels?.['trace.koder.dev/token-copy']).toBe('true');
    const wired = await core.createNamespacedPod({ namespace: 'apps', body: podSpec('wired-elsewhere') });
    expect(copy.metadata?.name).toMatch(/^koder-trace-support-bot-[0-9a-f]{10}-token$/);
    expect(envOf(wired).find((e) => e.name === 'KODER_TRACE_TOKEN')?.valueFrom?.secretKeyRef?.name).toBe(
      copy.metadata?.name,
    );
    const untouched = await core.createNamespacedPod({ namespace: 'other', body: podSpec('plain') });
    expect(envOf(untouched)).toEqual([]);
  });

  it("lets a container's own OTEL_* win and honours the opt-out annotation", async () => {
    const own = await core.createNamespacedPod({
      namespace: 'team-a',
      body: podSpec('own-name', {
        spec: { containers: [{ name: 'app', env: [{ name: 'OTEL_SERVICE_NAME', value: 'mine' }] }] },
      }),
    });
    expect(
      envOf(own)
        .filter((e) => e.name === 'OTEL_SERVICE_NAME')
        .map((e) => e.value),
    ).toEqual(['mine']);
    const optedOut = await core.createNamespacedPod({
      namespace: 'team-a',
      body: podSpec('opted-out', {
        metadata: { name: 'opted-out', annotations: { 'trace.koder.dev/inject': 'false' } },
      }),
    });
    expect(envOf(optedOut)).toEqual([]);
  });

  it('exports, from exactly the injected environment, to the ingester as the right tenant', async () => {
    const pod = await core.readNamespacedPod({ name: 'wired', namespace: 'team-a' });
    const secret = await core.readNamespacedSecret({ name: 'support-bot-token', namespace: 'team-a' });
    // Resolve the env as the kubelet would: Secret and downward-API references, then $(VAR) expansion.
    const resolved: Record<string, string> = {};
    for (const e of envOf(pod)) {
      let value = e.value ?? '';
      if (e.valueFrom?.secretKeyRef)
        value = Buffer.from(secret.data?.[e.valueFrom.secretKeyRef.key] ?? '', 'base64').toString();
      if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') value = pod.metadata?.name ?? '';
      resolved[e.name] = value.replace(/\$\(([A-Z0-9_]+)\)/g, (_m, v: string) => resolved[v] ?? '');
    }
    const before = storage.requests.length;
    // The app sends an LLM call: the tenant's policy keeps all of those (and only 10% of other spans).
    const run = await runCommand(process.execPath, [repo('test/fixtures/env-only-app.ts')], {
      env: { PATH: process.env.PATH, OTEL_LOG_LEVEL: 'warn', ...resolved },
      timeoutMs: 30_000,
    });
    expect(run.code, run.stderr).toBe(0);
    await until('the span in storage', async () =>
      storage.requests.length > before ? true : undefined,
    ).catch(async (err) => {
      const metrics = (await (await fetch(`${ingester.adminUrl}/metrics`)).text())
        .split('\n')
        .filter((l) => l.startsWith('koder_ingester_'));
      throw new Error(`${err}\napp stderr: ${run.stderr.slice(-3000)}\ningester: ${metrics.join('\n')}`);
    });
    const req = storage.requests[before];
    expect(req?.orgId).toBe('support-bot');
    const res = decodeTraceRequest(req?.bytes ?? Buffer.alloc(0)).resourceSpans[0]?.resource.attributes ?? [];
    expect(getAttribute(res, 'service.name')).toBe('checkout');
    expect(getAttribute(res, 'k8s.pod.name')).toBe('wired');
    expect(getAttribute(res, 'k8s.namespace.name')).toBe('team-a');
    expect(getAttribute(res, 'koder.tenant')).toBe('support-bot');
  });

  it('still admits pods when the webhook is down (failurePolicy Ignore)', async () => {
    await op.stop();
    const pod = await core.createNamespacedPod({ namespace: 'team-a', body: podSpec('while-down') });
    expect(pod.metadata?.name).toBe('while-down');
    expect(envOf(pod)).toEqual([]);
    op = await startOperatorProcess(cp, operatorArgs());
  });

  it('leaves its registration alone at restart and on every resync (nothing written)', async () => {
    await op.stop();
    // The registration is in place from before; a restarted operator with resyncs every second
    // compares what the API server holds (with its defaults, as typed objects) with what it sets.
    op = await startOperatorProcess(cp, [...operatorArgs(), '--resync-seconds', '1']);
    await new Promise((r) => setTimeout(r, 3500));
    expect(await op.metric('koder_operator_reconciles_total', { result: 'ok' })).toBeGreaterThanOrEqual(3);
    expect(await op.metric('koder_operator_writes_total')).toBe(0);
  });
});

// The chart the way users run it, in a real single-node cluster (test/harness/cluster.ts): the images
// built by scripts/build-images.sh, `helm install` with imagePullPolicy Never, every pod Ready, the
// example tenants applied and Ready, and a labelled namespace's new Deployment of an OTel SDK app wired
// by the real webhook (through its Service, with the operator's certificate), its spans going through
// the ingester Service and on to Tempo's distributor — here the reference collector, whose OTLP
// receiver is the one Tempo's distributor is built on (Tempo's image cannot be pulled here).
// One cluster serves the whole file; it is torn down after it, and the host is checked to be as it was.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, hostState, requireCluster, startCluster } from '../harness/cluster.ts';
import { suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const available = requireCluster('ingester', 'operator', 'query', 'demo-app', 'otelcol');

const NS = 'koder';
const RELEASE = 'kt';

// Tempo's distributor stood in for by the reference collector: OTLP/gRPC in, spans logged in detail
// (the debug exporter) so the test can see what arrived.
const distributor = (image: string) => `
apiVersion: v1
kind: ConfigMap
metadata: { name: tempo-distributor, namespace: ${NS} }
data:
  config.yaml: |
    receivers:
      otlp:
        protocols:
          grpc: { endpoint: 0.0.0.0:4317, include_metadata: true }
    exporters:
      debug: { verbosity: detailed }
    service:
      telemetry:
        metrics: { level: none }
      pipelines:
        traces: { receivers: [otlp], exporters: [debug] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: tempo-distributor, namespace: ${NS} }
spec:
  selector: { matchLabels: { app: tempo-distributor } }
  template:
    metadata:
      labels: { app: tempo-distributor }
      annotations: { trace.koder.dev/inject: "false" }
    spec:
      containers:
        - name: otelcol
          image: ${image}
          imagePullPolicy: Never
          args: [--config=/etc/otelcol/config.yaml]
          ports: [{ name: otlp-grpc, containerPort: 4317 }]
          readinessProbe: { tcpSocket: { port: otlp-grpc } }
          volumeMounts: [{ name: config, mountPath: /etc/otelcol }]
      volumes: [{ name: config, configMap: { name: tempo-distributor } }]
---
apiVersion: v1
kind: Service
metadata: { name: tempo-distributor, namespace: ${NS} }
spec:
  selector: { app: tempo-distributor }
  ports: [{ name: otlp-grpc, port: 4317, targetPort: otlp-grpc, appProtocol: grpc }]
`;

const demoDeployment = (image: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: demo-app, namespace: team-a }
spec:
  replicas: 1
  selector: { matchLabels: { app: demo-app } }
  template:
    metadata: { labels: { app: demo-app } }
    spec:
      containers:
        - name: app
          image: ${image}
          imagePullPolicy: Never
`;

const hostPaths = (state: string[]) =>
  state.filter(
    (s) => !s.startsWith('mount ') || /koder-cluster|\/run\/netns|\/run\/containerd|kubelet/.test(s),
  );

describe.skipIf(!available.ok)(suiteTitle('the chart in a real cluster', available), () => {
  let cluster: Cluster;
  let before: string[];
  const timings: Record<string, number> = {};
  const ok = async (what: string, p: ReturnType<Cluster['kubectl']>) => {
    const r = await p;
    expect(r.code, `${what}: ${r.stderr}${r.stdout}`).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    before = hostPaths(hostState());
    const t = Date.now();
    cluster = await startCluster({ images: ['ingester', 'operator', 'query', 'demo-app', 'otelcol'] });
    timings.clusterReadyS = (Date.now() - t) / 1000;
  }, 300_000);

  afterAll(async () => {
    const t = Date.now();
    await cluster?.stop();
    timings.teardownS = (Date.now() - t) / 1000;
    console.log(`[cluster] timings ${JSON.stringify(timings)}`);
    // Teardown left the machine as it found it.
    expect(hostPaths(hostState())).toEqual(before);
  }, 180_000);

  it('helm install with the built images: every pod becomes Ready', { timeout: 420_000 }, async () => {
    const images = cluster.images;
    await ok('namespace', cluster.kubectl(['create', 'namespace', NS]));
    await ok(
      'distributor',
      cluster.kubectl(['apply', '-f', '-'], { input: distributor(images.otelcol?.reference as string) }),
    );
    const t = Date.now();
    const install = await cluster.helm(
      [
        'install',
        RELEASE,
        repo('charts/koder-trace'),
        '-n',
        NS,
        '--wait',
        '--timeout',
        '6m',
        '--set',
        `image.tag=${images.ingester?.tag}`,
        '--set',
        'image.pullPolicy=Never',
        '--set',
        'tempo.managed=false',
        '--set',
        `tempo.distributor=tempo-distributor.${NS}.svc:4317`,
        '--set',
        `tempo.queryUrl=http://tempo-distributor.${NS}.svc:3200`,
      ],
      { timeoutMs: 420_000 },
    );
    const pods = await cluster.kubectl(['get', 'pods', '-n', NS, '-o', 'wide']);
    expect(install.code, `${install.stderr}\n${pods.stdout}`).toBe(0);
    timings.helmInstallS = (Date.now() - t) / 1000;
    await ok(
      'pods Ready',
      cluster.kubectl(['wait', '-n', NS, 'pods', '--all', '--for=condition=Ready', '--timeout=120s'], {
        timeoutMs: 130_000,
      }),
    );
    const names = (await ok('pods', cluster.kubectl(['get', 'pods', '-n', NS, '-o', 'name']))).split('\n');
    for (const c of ['operator', 'ingester', 'query']) {
      expect(
        names.some((n) => n.startsWith(`pod/${RELEASE}-${c}-`)),
        `a ${c} pod`,
      ).toBe(true);
    }
  });

  it('kubectl apply -f examples/tenants/: the tenant and its policy become Ready', {
    timeout: 180_000,
  }, async () => {
    await ok('apply', cluster.kubectl(['apply', '-f', repo('examples/tenants/')]));
    await until(
      'TraceTenant support-bot Ready',
      async () =>
        (
          await cluster.kubectl([
            'get',
            'tracetenant',
            'support-bot',
            '-n',
            'team-a',
            '-o',
            'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
          ])
        ).stdout === 'True',
      120_000,
    );
    await until(
      'SamplingPolicy llm-first Ready',
      async () =>
        (
          await cluster.kubectl([
            'get',
            'samplingpolicy',
            'llm-first',
            '-n',
            'team-a',
            '-o',
            'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
          ])
        ).stdout === 'True',
      60_000,
    );
  });

  it("a labelled namespace: a new Deployment is wired by the webhook and its spans reach the ingesters and Tempo's distributor", {
    timeout: 300_000,
  }, async () => {
    await ok(
      'label',
      cluster.kubectl(['label', 'namespace', 'team-a', 'trace.koder.dev/tenant=support-bot']),
    );
    await ok(
      'deploy',
      cluster.kubectl(['apply', '-f', '-'], {
        input: demoDeployment(cluster.images['demo-app']?.reference as string),
      }),
    );
    await ok(
      'rollout',
      cluster.kubectl(['rollout', 'status', '-n', 'team-a', 'deployment/demo-app', '--timeout=120s'], {
        timeoutMs: 130_000,
      }),
    );
    const pod = JSON.parse(
      await ok('pod', cluster.kubectl(['get', 'pods', '-n', 'team-a', '-l', 'app=demo-app', '-o', 'json'])),
    ).items[0] as {
      metadata: { name: string; annotations?: Record<string, string> };
      spec: { containers: { env?: { name: string; value?: string }[] }[] };
    };
    const env = Object.fromEntries((pod.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://${RELEASE}-ingester.${NS}.svc:4318`);
    expect(env.OTEL_EXPORTER_OTLP_HEADERS).toContain('Authorization=Bearer');
    // The app's spans, sent with the tenant's token to the ingester Service, arrive at the distributor.
    const seen = await until(
      "the demo app's spans at Tempo's distributor",
      async () => {
        const logs = await cluster.kubectl(['logs', '-n', NS, 'deployment/tempo-distributor', '--tail=-1']);
        return logs.stdout.includes(`Str(${pod.metadata.name}-`) ? logs.stdout : undefined;
      },
      120_000,
    );
    expect(seen).toContain('chat gpt-4o');
    expect(seen).toContain('gen_ai.request.model');
  });
});

// The chart the way users run it, in a real single-node cluster (test/harness/cluster.ts): the images
// built by scripts/build-images.sh, `helm install` with imagePullPolicy Never, every pod Ready, the
// example tenants applied and Ready, and a labelled namespace's new Deployment of an OTel SDK app wired
// by the real webhook (through its Service, with the operator's certificate), its spans going through
// the ingester Service and on to Tempo's distributor — here the reference collector, whose OTLP
// receiver is the one Tempo's distributor is built on (Tempo's image cannot be pulled here).
// Then the chart's embedded store (`store: embedded`, by `helm upgrade`): the query service becomes a
// one-replica StatefulSet with its SQLite store on a PersistentVolumeClaim (bound to a hostPath
// PersistentVolume the test makes: this cluster has no storage class), the ingesters export to it, and
// the demo app's spans are read back through the query Service with the tenant's token — and neither
// another tenant's token nor none reads them.
// One cluster serves the whole file; it is torn down after it, and the host is checked to be as it was.
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
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

// A local PersistentVolume for the embedded store's claim (data-<release>-query-0), on a host folder
// inside the cluster's own folder (removed at teardown), owned by the images' user 10001.
const storeVolume = (path: string) => `
apiVersion: v1
kind: PersistentVolume
metadata: { name: koder-query-store }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: koder-local
  claimRef: { namespace: ${NS}, name: data-${RELEASE}-query-0 }
  hostPath: { path: ${path}, type: Directory }
`;

// A second tenant, in its own namespace; the operator makes its token Secret (other-token).
const otherTenant = `
apiVersion: v1
kind: Namespace
metadata: { name: team-b }
---
apiVersion: trace.koder.dev/v1alpha1
kind: TraceTenant
metadata: { name: other, namespace: team-b }
spec: {}
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
  // The release as the first test installs it (Tempo path: the collector as its distributor), plus more.
  const chartArgs = (...more: string[]) => [
    RELEASE,
    repo('charts/koder-trace'),
    '-n',
    NS,
    '--wait',
    '--timeout',
    '6m',
    `--set=image.tag=${cluster.images.ingester?.tag}`,
    '--set=image.pullPolicy=Never',
    '--set=tempo.managed=false',
    `--set=tempo.distributor=tempo-distributor.${NS}.svc:4317`,
    `--set=tempo.queryUrl=http://tempo-distributor.${NS}.svc:3200`,
    ...more.map((m) => `--set=${m}`),
  ];
  const tenantToken = (ns: string, secret: string) =>
    until(
      `the token in Secret ${ns}/${secret}`,
      async () => {
        const r = await cluster.kubectl(['get', 'secret', secret, '-n', ns, '-o', 'jsonpath={.data.token}']);
        return r.code === 0 && r.stdout ? Buffer.from(r.stdout, 'base64').toString('utf8').trim() : undefined;
      },
      120_000,
    );
  const demoPod = async () =>
    JSON.parse(
      await ok('pod', cluster.kubectl(['get', 'pods', '-n', 'team-a', '-l', 'app=demo-app', '-o', 'json'])),
    ).items[0] as {
      metadata: { name: string; annotations?: Record<string, string> };
      spec: {
        containers: {
          env?: {
            name: string;
            value?: string;
            valueFrom?: { secretKeyRef?: { name: string; key: string } };
          }[];
        }[];
      };
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
    const install = await cluster.helm(['install', ...chartArgs()], { timeoutMs: 420_000 });
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
    const pod = await demoPod();
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

  it('store: embedded: the query StatefulSet keeps the spans on its volume and reads them back to their tenant only', {
    timeout: 600_000,
  }, async () => {
    const t = Date.now();
    const volume = join(cluster.dir, 'volumes', 'query-store');
    mkdirSync(volume, { recursive: true });
    chownSync(volume, 10001, 10001);
    await ok('volume', cluster.kubectl(['apply', '-f', '-'], { input: storeVolume(volume) }));
    const upgrade = await cluster.helm(
      [
        'upgrade',
        ...chartArgs(
          'store=embedded',
          'query.embedded.persistence.size=1Gi',
          'query.embedded.persistence.storageClassName=koder-local',
        ),
      ],
      { timeoutMs: 420_000 },
    );
    const pods = await cluster.kubectl(['get', 'pods,pvc', '-n', NS, '-o', 'wide']);
    expect(upgrade.code, `${upgrade.stderr}\n${pods.stdout}`).toBe(0);
    expect(
      await ok(
        'pvc',
        cluster.kubectl([
          'get',
          'pvc',
          `data-${RELEASE}-query-0`,
          '-n',
          NS,
          '-o',
          'jsonpath={.status.phase}',
        ]),
      ),
    ).toBe('Bound');
    // The operator (rolled with its new --tempo-endpoint) points the ingesters' exporter at the store;
    // exporter settings are read at start, so the ingesters are restarted once the config says so.
    const storeEndpoint = `${RELEASE}-query.${NS}.svc:4317`;
    await until(
      "the ingester config's exporter endpoint is the embedded store",
      async () =>
        (
          await cluster.kubectl(['get', 'configmap', `${RELEASE}-ingester-config`, '-n', NS, '-o', 'json'])
        ).stdout.includes(storeEndpoint),
      120_000,
    );
    await ok('restart', cluster.kubectl(['rollout', 'restart', '-n', NS, `deployment/${RELEASE}-ingester`]));
    await ok(
      'ingesters rolled',
      cluster.kubectl(['rollout', 'status', '-n', NS, `deployment/${RELEASE}-ingester`, '--timeout=180s'], {
        timeoutMs: 190_000,
      }),
    );
    timings.embeddedUpgradeS = (Date.now() - t) / 1000;

    // The tenant's token: the Secret the operator made, which the webhook wires into the demo pod.
    const pod = await demoPod();
    const secretRef = pod.spec.containers[0]?.env?.find((e) => e.valueFrom?.secretKeyRef)?.valueFrom
      ?.secretKeyRef;
    expect(secretRef?.name).toBe('support-bot-token');
    const token = await tenantToken('team-a', 'support-bot-token');
    // The proxy resolves names as given (no search domains): the Service's full name.
    const api = `http://${RELEASE}-query.${NS}.svc.cluster.local:8080/api/v1`;
    const get = (path: string, bearer?: string) =>
      cluster.fetch(`${api}${path}`, bearer ? { headers: { authorization: `Bearer ${bearer}` } } : undefined);

    type Row = { traceId: string; rootName: string; models: string[] };
    let lastAnswer = '';
    const rows = await until(
      "the demo app's traces through the query Service",
      async () => {
        const r = await get('/traces?name=chat%20gpt-4o&limit=20', token);
        lastAnswer = `${r.status} ${r.text().slice(0, 300)}`;
        const traces = r.status === 200 ? r.json<{ traces: Row[] }>().traces : [];
        return traces.length > 0 ? traces : undefined;
      },
      180_000,
    ).catch(async (err: Error) => {
      // What each side saw, in the failure message.
      const logs = await Promise.all(
        [`statefulset/${RELEASE}-query`, `deployment/${RELEASE}-ingester`, 'deployment/demo-app'].map(
          async (w) =>
            `--- ${w}\n${(await cluster.kubectl(['logs', '-n', w.includes('demo') ? 'team-a' : NS, w, '--tail=30'])).stdout}`,
        ),
      );
      throw new Error(`${err.message}; last answer: ${lastAnswer}\n${logs.join('\n')}`);
    });
    timings.readBackS = (Date.now() - t) / 1000;
    expect(rows[0]?.models).toContain('gpt-4o');
    const traceId = rows[0]?.traceId as string;
    const detail = await get(`/traces/${traceId}`, token);
    expect(detail.status, detail.text()).toBe(200);
    // The span is the demo pod's own (koder.request_id <pod name>-<n>), kept on the volume.
    expect(detail.text()).toContain(`${pod.metadata.name}-`);
    expect(existsSync(join(volume, 'traces.db')), 'the SQLite file on the PersistentVolume').toBe(true);

    // No token: refused. Another tenant's token: its own (empty) view, and the trace is not found.
    expect((await get('/traces')).status).toBe(401);
    expect((await get(`/traces/${traceId}`)).status).toBe(401);
    await ok('other tenant', cluster.kubectl(['apply', '-f', '-'], { input: otherTenant }));
    const other = await tenantToken('team-b', 'other-token');
    expect(other).not.toBe(token);
    // The query service has the new tenant once the kubelet has refreshed the mounted config.
    const otherView = await until(
      'the other tenant known to the query service',
      async () => {
        const r = await get('/traces?limit=1000', other).catch(() => undefined);
        return r?.status === 200 ? r.json<{ traces: Row[] }>().traces : undefined;
      },
      180_000,
    );
    expect(otherView.map((r) => r.traceId)).not.toContain(traceId);
    expect(otherView).toEqual([]);
    const foreign = await get(`/traces/${traceId}`, other);
    expect(foreign.status, foreign.text()).toBe(404);
    // And the tenant still reads its trace.
    expect((await get(`/traces/${traceId}`, token)).status).toBe(200);
  });
});

// The chart the way users run it, in a real single-node cluster (test/harness/cluster.ts), one cluster
// for the whole file, each test building on the release as the one before left it: `helm install` with
// the images scripts/build-images.sh built; the example tenants; a labelled namespace's new Deployment
// wired by the real webhook, its spans going through the ingester Service to Tempo's distributor (the
// reference collector behind a probe that records each call's X-Scope-OrgID), each tenant's under its
// own id; the embedded store (`helm upgrade --set store=embedded`), read back to its tenant only;
// NOTES.txt's commands run as printed; a token rotation rolling an opted-in Deployment
// (trace.koder.dev/roll-on-change); `helm upgrade` rolling only what a value configures; `helm
// uninstall` keeping CRDs, tenants, tokens and stored traces; an ingester pod deleted under load with
// nothing acknowledged lost; the operator's leader deleted, the other replica taking over with one
// webhook certificate; an ingester volume replayed; ratings delivered, signed, to a tenant's prompt
// registry running in the cluster. Torn down after, and the host is checked to be as it was (docs/cluster.md).
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifySignature } from '@koder-trace/ingester/registry-webhook';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, hostState, requireCluster, startCluster } from '../harness/cluster.ts';
import { TEST_CGROUP_PREFIX } from '../harness/memory-cgroup.ts';
import { binaryPath, suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const available = requireCluster('ingester', 'operator', 'query', 'demo-app', 'otelcol');

const NS = 'koder';
const RELEASE = 'kt';

/**
 * A fixture script (test/cluster/fixtures/<script>) run from the demo-app image with Node's own type
 * stripping: its ConfigMap, a Deployment the webhook leaves alone, and a Service in front of one port.
 */
function nodeFixture(
  nodeImage: string,
  f: {
    name: string;
    script: string;
    args: string[];
    port: { name: string; number: number; appProtocol?: string };
  },
) {
  const appProtocol = f.port.appProtocol ? `, appProtocol: ${f.port.appProtocol}` : '';
  return `
apiVersion: v1
kind: ConfigMap
metadata: { name: ${f.name}, namespace: ${NS} }
data:
  ${f.script}: ${JSON.stringify(readFileSync(repo(`test/cluster/fixtures/${f.script}`), 'utf8'))}
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${f.name}, namespace: ${NS} }
spec:
  selector: { matchLabels: { app: ${f.name} } }
  template:
    metadata:
      labels: { app: ${f.name} }
      annotations: { trace.koder.dev/inject: "false" }
    spec:
      containers:
        - name: fixture
          image: ${nodeImage}
          imagePullPolicy: Never
          command: [node, /fixture/${f.script}]
          args: ${JSON.stringify(f.args)}
          ports: [{ name: ${f.port.name}, containerPort: ${f.port.number} }]
          readinessProbe: { tcpSocket: { port: ${f.port.name} } }
          volumeMounts: [{ name: fixture, mountPath: /fixture }]
      volumes: [{ name: fixture, configMap: { name: ${f.name} } }]
---
apiVersion: v1
kind: Service
metadata: { name: ${f.name}, namespace: ${NS} }
spec:
  selector: { app: ${f.name} }
  ports: [{ name: ${f.port.name}, port: ${f.port.number}, targetPort: ${f.port.name}${appProtocol} }]
`;
}

// Tempo's distributor stood in for by the reference collector (OTLP/gRPC in, spans logged in detail by
// the debug exporter), behind a recording proxy (fixtures/distributor-probe.ts, run from the demo-app
// image) that logs each Export call's X-Scope-OrgID and the demo pods in it: the collector's build here
// cannot show request headers.
const distributor = (collectorImage: string, nodeImage: string) => `
apiVersion: v1
kind: ConfigMap
metadata: { name: reference-collector, namespace: ${NS} }
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
metadata: { name: reference-collector, namespace: ${NS} }
spec:
  selector: { matchLabels: { app: reference-collector } }
  template:
    metadata:
      labels: { app: reference-collector }
      annotations: { trace.koder.dev/inject: "false" }
    spec:
      containers:
        - name: otelcol
          image: ${collectorImage}
          imagePullPolicy: Never
          args: [--config=/etc/otelcol/config.yaml]
          ports: [{ name: otlp-grpc, containerPort: 4317 }]
          readinessProbe: { tcpSocket: { port: otlp-grpc } }
          volumeMounts: [{ name: config, mountPath: /etc/otelcol }]
      volumes: [{ name: config, configMap: { name: reference-collector } }]
---
apiVersion: v1
kind: Service
metadata: { name: reference-collector, namespace: ${NS} }
spec:
  selector: { app: reference-collector }
  ports: [{ name: otlp-grpc, port: 4317, targetPort: otlp-grpc, appProtocol: grpc }]
---
${nodeFixture(nodeImage, {
  name: 'tempo-distributor',
  script: 'distributor-probe.ts',
  args: ['4317', `reference-collector.${NS}.svc.cluster.local:4317`],
  port: { name: 'otlp-grpc', number: 4317, appProtocol: 'grpc' },
})}`;

// A tenant's prompt registry (fixtures/registry-receiver.ts), logging each rating webhook it is sent.
const registryReceiver = (nodeImage: string) =>
  nodeFixture(nodeImage, {
    name: 'registry-receiver',
    script: 'registry-receiver.ts',
    args: ['8080'],
    port: { name: 'http', number: 8080 },
  });

const demoDeployment = (image: string, namespace = 'team-a', name = 'demo-app') => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  replicas: 1
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: app
          image: ${image}
          imagePullPolicy: Never
`;

// A local PersistentVolume for a claim (the embedded store's data-<release>-query-0, an ingester's
// data-<release>-ingester-<n>), on a host folder inside the cluster's own folder (removed at
// teardown), owned by the images' user 10001.
const hostVolume = (path: string, name: string, claim: string) => `
apiVersion: v1
kind: PersistentVolume
metadata: { name: ${name} }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: koder-local
  claimRef: { namespace: ${NS}, name: ${claim} }
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
    (s) =>
      (!s.startsWith('mount ') || /koder-cluster|\/run\/netns|\/run\/containerd|kubelet/.test(s)) &&
      // Memory cgroups of tests running beside this suite come and go on their own (each removes its).
      !s.includes(`/${TEST_CGROUP_PREFIX}`),
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
  type Pod = {
    metadata: {
      name: string;
      uid: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      deletionTimestamp?: string;
    };
    status?: { podIP?: string; phase?: string };
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
  const pods = async (ns: string, selector: string) =>
    (
      JSON.parse(await ok('pods', cluster.kubectl(['get', 'pods', '-n', ns, '-l', selector, '-o', 'json'])))
        .items as Pod[]
    ).filter((p) => !p.metadata.deletionTimestamp);
  /** The demo app's pod (of the Deployment's current ReplicaSet once a rollout is complete). */
  const demoPod = async (ns = 'team-a') => {
    const [pod] = await pods(ns, 'app=demo-app');
    if (!pod) throw new Error(`no demo-app pod in ${ns}`);
    return pod;
  };
  /** Pod name -> uid of the release's pods, by component. */
  const releasePods = async () =>
    Object.fromEntries(
      (await pods(NS, `app.kubernetes.io/instance=${RELEASE}`)).map((p) => [
        p.metadata.name,
        `${p.metadata.labels?.['app.kubernetes.io/component']} ${p.metadata.uid}`,
      ]),
    );
  // The release as the embedded-store test switches it (and later tests keep it).
  const embeddedArgs = [
    'store=embedded',
    'query.embedded.persistence.size=1Gi',
    'query.embedded.persistence.storageClassName=koder-local',
  ];
  // Shared between the tests below, in order.
  const state: { traceId?: string } = {};
  /** A request to the query API through its Service, with a tenant's token. */
  const queryGet = (path: string, bearer?: string) =>
    cluster.fetch(
      `http://${RELEASE}-query.${NS}.svc.cluster.local:8080/api/v1${path}`,
      bearer ? { headers: { authorization: `Bearer ${bearer}` } } : undefined,
    );
  const tenantReady = (ns: string, name: string) =>
    until(
      `TraceTenant ${ns}/${name} Ready`,
      async () =>
        (
          await cluster.kubectl([
            'get',
            'tracetenant',
            name,
            '-n',
            ns,
            '-o',
            'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
          ])
        ).stdout === 'True',
      120_000,
    );
  /** A PersistentVolume bound ahead to `claim`, on a new folder of the cluster's. */
  const hostPersistentVolume = async (name: string, claim: string) => {
    const volume = join(cluster.dir, 'volumes', name);
    mkdirSync(volume, { recursive: true });
    chownSync(volume, 10001, 10001);
    await ok(
      'volume',
      cluster.kubectl(['apply', '-f', '-'], { input: hostVolume(volume, `koder-${name}`, claim) }),
    );
    return volume;
  };
  /** An annotation trace.koder.dev/<key> on the demo app's pod template in team-a ('' when none). */
  const demoTemplateAnnotation = async (key: string) =>
    (
      await cluster.kubectl([
        'get',
        'deployment',
        'demo-app',
        '-n',
        'team-a',
        '-o',
        `jsonpath={.spec.template.metadata.annotations.trace\\.koder\\.dev/${key}}`,
      ])
    ).stdout;
  const rolledOut = (ns: string, workload: string, seconds = 180) =>
    ok(
      `${workload} rolled out`,
      cluster.kubectl(['rollout', 'status', '-n', ns, workload, `--timeout=${seconds}s`], {
        timeoutMs: seconds * 1000 + 10_000,
      }),
    );

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
      cluster.kubectl(['apply', '-f', '-'], {
        input: distributor(images.otelcol?.reference as string, images['demo-app']?.reference as string),
      }),
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
    // The app's spans, sent with the tenant's token to the ingester Service, arrive at the distributor
    // (through the probe, at the reference collector).
    const seen = await until(
      "the demo app's spans at Tempo's distributor",
      async () => {
        const logs = await cluster.kubectl(['logs', '-n', NS, 'deployment/reference-collector', '--tail=-1']);
        return logs.stdout.includes(`Str(${pod.metadata.name}-`) ? logs.stdout : undefined;
      },
      120_000,
    );
    expect(seen).toContain('chat gpt-4o');
    expect(seen).toContain('gen_ai.request.model');
  });

  it("Tempo's ingest contract: each tenant's spans reach the distributor with that tenant's X-Scope-OrgID", {
    timeout: 300_000,
  }, async () => {
    // A second tenant in its own namespace, with its own demo app.
    await ok('other tenant', cluster.kubectl(['apply', '-f', '-'], { input: otherTenant }));
    await tenantReady('team-b', 'other');
    await ok('label', cluster.kubectl(['label', 'namespace', 'team-b', 'trace.koder.dev/tenant=other']));
    await ok(
      'deploy',
      cluster.kubectl(['apply', '-f', '-'], {
        input: demoDeployment(cluster.images['demo-app']?.reference as string, 'team-b'),
      }),
    );
    await rolledOut('team-b', 'deployment/demo-app');
    const a = (await demoPod('team-a')).metadata.name;
    const b = (await demoPod('team-b')).metadata.name;
    type Call = { orgId: string | null; pods: string[]; status: string; bytes: number };
    const calls = await until(
      "both tenants' spans at the distributor",
      async () => {
        const logs = await cluster.kubectl(['logs', '-n', NS, 'deployment/tempo-distributor', '--tail=-1']);
        const all = logs.stdout
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Call);
        const withA = all.filter((c) => c.pods.includes(a) && c.status === '0');
        const withB = all.filter((c) => c.pods.includes(b) && c.status === '0');
        return withA.length > 0 && withB.length > 0 ? all : undefined;
      },
      150_000,
    );
    // Every call carries a tenant; a call holds one tenant's spans, under that tenant's id.
    expect(calls.every((c) => typeof c.orgId === 'string' && c.orgId.length > 0)).toBe(true);
    expect(calls.some((c) => c.pods.includes(a) && c.pods.includes(b))).toBe(false);
    for (const c of calls.filter((x) => x.pods.includes(a))) expect(c.orgId).toBe('support-bot');
    for (const c of calls.filter((x) => x.pods.includes(b))) expect(c.orgId).toBe('other');
    // The collector (Tempo's receiver) took them: the team-b pod's spans are in its output too.
    const collector = await cluster.kubectl([
      'logs',
      '-n',
      NS,
      'deployment/reference-collector',
      '--tail=-1',
    ]);
    expect(collector.stdout).toContain(`Str(${b}-`);
    // The second demo app goes: the embedded store's test below expects the other tenant to have no traces.
    await ok('delete', cluster.kubectl(['delete', 'deployment', 'demo-app', '-n', 'team-b', '--wait=true']));
  });

  it('store: embedded: the query StatefulSet keeps the spans on its volume and reads them back to their tenant only', {
    timeout: 600_000,
  }, async () => {
    const t = Date.now();
    const volume = await hostPersistentVolume('query-store', `data-${RELEASE}-query-0`);
    const upgrade = await cluster.helm(['upgrade', ...chartArgs(...embeddedArgs)], { timeoutMs: 420_000 });
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
    state.traceId = traceId;
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

  it("NOTES.txt's commands work as printed", { timeout: 300_000 }, async () => {
    const notes = await cluster.helm(['get', 'notes', RELEASE, '-n', NS]);
    expect(notes.code, notes.stderr).toBe(0);
    // The commands: the lines indented as commands; only their <placeholders> are filled in.
    const commands = notes.stdout
      .split('\n')
      .filter((l) => /^ {5}(kubectl|curl) /.test(l))
      .map((l) => l.trim());
    expect(commands.length, notes.stdout).toBe(7);
    const token = await tenantToken('team-a', 'support-bot-token');
    // A namespace of its own for step 2, with a Deployment to annotate.
    await ok('namespace', cluster.kubectl(['create', 'namespace', 'team-c']));
    await ok(
      'web',
      cluster.kubectl(['apply', '-f', '-'], {
        input: demoDeployment(cluster.images['demo-app']?.reference as string, 'team-c', 'web'),
      }),
    );
    const fill = (c: string) =>
      c
        .replaceAll('<namespace>', 'team-c')
        .replaceAll('<deployment>', 'web')
        .replaceAll('<tenant namespace>', 'team-a')
        .replaceAll('<tenant>', 'support-bot')
        .replaceAll('<token>', token);
    const path = `${dirname(binaryPath('kubectl'))}:${dirname(binaryPath('helm'))}:${process.env.PATH}`;
    const outputs: string[] = [];
    let portForward: ReturnType<Cluster['spawn']> | undefined;
    try {
      for (const command of commands.map(fill)) {
        expect(command, 'every placeholder filled in').not.toMatch(/<[a-z ]+>/);
        if (command.includes(' port-forward ')) {
          portForward = cluster.spawn('notes-port-forward', 'bash', [
            '-c',
            `export PATH=${path}; exec ${command}`,
          ]);
          // "then browse http://127.0.0.1:8080/": the UI answers there.
          const page = await until(
            'the UI through the port-forward',
            async () => {
              const r = await cluster.run('curl', ['-sf', 'http://127.0.0.1:8080/']);
              return r.code === 0 ? r.stdout : undefined;
            },
            60_000,
          );
          expect(page.toLowerCase()).toContain('<html');
          continue;
        }
        const r = await cluster.run('bash', ['-c', `export PATH=${path}; cd ${repo('.')} && ${command}`]);
        expect(r.code, `${command}: ${r.stderr}${r.stdout}`).toBe(0);
        outputs.push(r.stdout);
      }
    } finally {
      await portForward?.stop();
    }
    const [apply, list, label, annotate, secret, curl] = outputs;
    expect(apply).toContain('tracetenant.trace.koder.dev/support-bot');
    expect(list).toMatch(/support-bot\s/);
    expect(label).toContain('namespace/team-c labeled');
    expect(annotate).toContain('deployment.apps/web annotated');
    expect(secret).toBe(token);
    // The tenant's traces (the newest 50 by default), as the API gives them to its token.
    const traces = (JSON.parse(curl ?? '{}') as { traces?: { traceId: string }[] }).traces ?? [];
    expect(traces.length).toBeGreaterThan(0);
    await ok('cleanup', cluster.kubectl(['delete', 'namespace', 'team-c', '--wait=false']));
  });

  it('roll on injected-config change: rotating the token rolls the opted-in Deployment, whose new pod sends with the new token', {
    timeout: 480_000,
  }, async () => {
    await ok(
      'annotate',
      cluster.kubectl([
        'annotate',
        'deployment',
        'demo-app',
        '-n',
        'team-a',
        'trace.koder.dev/roll-on-change=true',
      ]),
    );
    // A Deployment of the same tenant that did not opt in: it must not roll.
    await ok(
      'steady',
      cluster.kubectl(['apply', '-f', '-'], {
        input: demoDeployment(cluster.images['demo-app']?.reference as string, 'team-a', 'steady'),
      }),
    );
    await rolledOut('team-a', 'deployment/steady');
    const [steady] = await pods('team-a', 'app=steady');
    const before = await demoPod('team-a');
    const oldToken = await tenantToken('team-a', 'support-bot-token');
    const newToken = `kt_${randomBytes(24).toString('base64url')}`;
    const t = Date.now();
    await ok(
      'rotate',
      cluster.kubectl([
        'patch',
        'secret',
        'support-bot-token',
        '-n',
        'team-a',
        '--type=merge',
        '-p',
        JSON.stringify({ stringData: { token: newToken } }),
      ]),
    );
    // The operator stamps the new digest on the pod template: a real rollout, a new ReplicaSet.
    const digest = await until(
      "the injected-config digest on demo-app's pod template",
      async () => (await demoTemplateAnnotation('injected-config')) || undefined,
      120_000,
    );
    expect(digest).toMatch(/^[0-9a-f]{16}$/);
    await rolledOut('team-a', 'deployment/demo-app');
    const after = await until(
      'only the new pod left',
      async () => {
        const all = await pods('team-a', 'app=demo-app');
        return all.length === 1 && all[0]?.metadata.uid !== before.metadata.uid ? all[0] : undefined;
      },
      120_000,
    );
    expect(after.metadata.labels?.['pod-template-hash']).not.toBe(
      before.metadata.labels?.['pod-template-hash'],
    );
    expect(after.metadata.annotations?.['trace.koder.dev/injected-config']).toBe(digest);
    const rs = await ok(
      'replicasets',
      cluster.kubectl(['get', 'rs', '-n', 'team-a', '-l', 'app=demo-app', '-o', 'name']),
    );
    expect(rs.trim().split('\n').length).toBe(2);
    // The new pod's spans are accepted with the new token and read back with it; the old token is refused.
    let last = '';
    await until(
      "the new pod's spans, read with the rotated token",
      async () => {
        const r = await queryGet('/traces?name=chat%20gpt-4o&limit=5', newToken).catch(() => undefined);
        last = `${r?.status} ${r?.text().slice(0, 200)}`;
        if (r?.status !== 200) return undefined;
        for (const row of r.json<{ traces: { traceId: string }[] }>().traces) {
          const d = await queryGet(`/traces/${row.traceId}`, newToken);
          if (d.status === 200 && d.text().includes(`${after.metadata.name}-`)) return true;
        }
        return undefined;
      },
      300_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last answer: ${last}`);
    });
    console.log(`[cluster] token rotation to the new pod's spans read back: ${(Date.now() - t) / 1000} s`);
    expect((await queryGet('/traces?limit=1', oldToken)).status).toBe(401);
    // The Deployment that did not opt in kept its pod (and its one ReplicaSet).
    const steadyNow = await pods('team-a', 'app=steady');
    expect(steadyNow.map((p) => p.metadata.uid)).toEqual([steady?.metadata.uid]);
    const steadySets = await ok(
      'rs',
      cluster.kubectl(['get', 'rs', '-n', 'team-a', '-l', 'app=steady', '-o', 'name']),
    );
    expect(steadySets.trim().split('\n')).toHaveLength(1);
    await ok('cleanup', cluster.kubectl(['delete', 'deployment', 'steady', '-n', 'team-a']));
  });

  it('an endpoint change restarts the operator and rolls the opted-in Deployment: its pod ends up with the new endpoint', {
    timeout: 600_000,
  }, async () => {
    // The same ingester Service by its fully qualified name: a new endpoint that still works.
    const fqdn = `http://${RELEASE}-ingester.${NS}.svc.cluster.local:4318`;
    const upgrade = async (...extra: string[]) => {
      const r = await cluster.helm(['upgrade', ...chartArgs(...embeddedArgs, ...extra)], {
        timeoutMs: 420_000,
      });
      expect(r.code, r.stderr).toBe(0);
    };
    const endpointOf = (p: Pod) => ({
      stamped: p.metadata.annotations?.['trace.koder.dev/ingester-endpoint'],
      env: p.spec.containers[0]?.env?.find((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT')?.value,
    });
    /** Until the demo app runs one pod, of a new template, given `endpoint`. */
    const wiredWith = (endpoint: string, before: Pod) =>
      until(
        `demo-app's pod wired with ${endpoint}`,
        async () => {
          const all = await pods('team-a', 'app=demo-app');
          const [p] = all;
          if (all.length !== 1 || !p || p.metadata.uid === before.metadata.uid) return undefined;
          const e = endpointOf(p);
          return e.env === endpoint && e.stamped === endpoint ? p : undefined;
        },
        300_000,
      );
    const rewired = async () => (await demoTemplateAnnotation('rewired')) || '0';
    const before = await demoPod('team-a');
    const defaultEndpoint = endpointOf(before).env as string;
    expect(endpointOf(before).stamped).toBe(defaultEndpoint);
    const rewiredBefore = await rewired();
    const t = Date.now();
    await upgrade(`operator.webhook.ingesterEndpoint=${fqdn}`);
    // While the old operator pod terminates it may still answer the webhook with the old endpoint;
    // the new one then rolls the Deployment again, so the pod that stays is wired with the new one.
    const after = await wiredWith(fqdn, before);
    console.log(
      `[cluster] endpoint change to the demo pod rewired: ${(Date.now() - t) / 1000} s ` +
        `(re-rolls for an outdated webhook: ${Number(await rewired()) - Number(rewiredBefore)})`,
    );
    await rolledOut('team-a', 'deployment/demo-app');
    // Back to the default: rolled again, to the default endpoint.
    await upgrade();
    await wiredWith(defaultEndpoint, after);
    await rolledOut('team-a', 'deployment/demo-app');
  });

  it('helm upgrade: the same values roll nothing; a changed value rolls only what it configures', {
    timeout: 480_000,
  }, async () => {
    const generations = async () =>
      ok(
        'generations',
        cluster.kubectl([
          'get',
          'deployments,statefulsets',
          '-n',
          NS,
          '-l',
          `app.kubernetes.io/instance=${RELEASE}`,
          '-o',
          'jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.generation} {end}',
        ]),
      );
    const podsBefore = await releasePods();
    const genBefore = await generations();
    const same = await cluster.helm(['upgrade', ...chartArgs(...embeddedArgs)], { timeoutMs: 420_000 });
    expect(same.code, same.stderr).toBe(0);
    expect(await generations()).toBe(genBefore);
    expect(await releasePods()).toEqual(podsBefore);

    // The embedded store's retention is an argument of the query pod only: it alone rolls.
    const changed = await cluster.helm(
      ['upgrade', ...chartArgs(...embeddedArgs, 'query.embedded.retentionHours=200')],
      { timeoutMs: 420_000 },
    );
    expect(changed.code, changed.stderr).toBe(0);
    await rolledOut(NS, `statefulset/${RELEASE}-query`);
    const podsAfter = await until(
      'the query pod replaced',
      async () => {
        const now = await releasePods();
        return now[`${RELEASE}-query-0`] && now[`${RELEASE}-query-0`] !== podsBefore[`${RELEASE}-query-0`]
          ? now
          : undefined;
      },
      120_000,
    );
    for (const [name, uid] of Object.entries(podsBefore)) {
      if (name === `${RELEASE}-query-0`) continue;
      expect(podsAfter[name], `${name} untouched`).toBe(uid);
    }
    const args = await ok(
      'args',
      cluster.kubectl([
        'get',
        'pod',
        `${RELEASE}-query-0`,
        '-n',
        NS,
        '-o',
        'jsonpath={.spec.containers[0].args}',
      ]),
    );
    expect(args).toContain('--retention-hours=200');
    // The traces survived the roll (on the volume).
    const token = await tenantToken('team-a', 'support-bot-token');
    const back = await until(
      'the store back',
      async () => (await queryGet(`/traces/${state.traceId}`, token).catch(() => undefined))?.status === 200,
      120_000,
    );
    expect(back).toBe(true);
  });

  it('helm uninstall keeps the CRDs, the tenants, their tokens and the stored traces; a new install reads them', {
    timeout: 600_000,
  }, async () => {
    const token = await tenantToken('team-a', 'support-bot-token');
    const uninstall = await cluster.helm(['uninstall', RELEASE, '-n', NS, '--wait'], { timeoutMs: 300_000 });
    expect(uninstall.code, uninstall.stderr).toBe(0);
    await until(
      "the release's pods gone",
      async () => (await pods(NS, `app.kubernetes.io/instance=${RELEASE}`)).length === 0,
      120_000,
    );
    // crds/ stay (helm never deletes them), and with them every TraceTenant and SamplingPolicy.
    await ok(
      'crds',
      cluster.kubectl(['get', 'crd', 'tracetenants.trace.koder.dev', 'samplingpolicies.trace.koder.dev']),
    );
    const tenants = await ok('tenants', cluster.kubectl(['get', 'tt', '-A', '-o', 'name']));
    expect(tenants).toContain('tracetenant.trace.koder.dev/support-bot');
    expect(tenants).toContain('tracetenant.trace.koder.dev/other');
    await ok('policies', cluster.kubectl(['get', 'sp', 'llm-first', '-n', 'team-a']));
    // The tokens (Secrets the operator made, not part of the release) stay as they were.
    expect(await tenantToken('team-a', 'support-bot-token')).toBe(token);
    // The embedded store's claim (made by the StatefulSet, not the release) stays, bound, with the data.
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
    expect(existsSync(join(cluster.dir, 'volumes', 'query-store', 'traces.db'))).toBe(true);
    // What the operator wrote outside the release stays too (docs/cluster.md lists it).
    await ok(
      'webhook registration',
      cluster.kubectl(['get', 'mutatingwebhookconfiguration', `${RELEASE}-pod-injector`]),
    );
    await ok(
      'ingester config',
      cluster.kubectl(['get', 'configmap', `${RELEASE}-ingester-config`, '-n', NS]),
    );

    // Installed again (now with two operator replicas, for the fault tests): the same trace, same token.
    const install = await cluster.helm(['install', ...chartArgs(...embeddedArgs, 'operator.replicas=2')], {
      timeoutMs: 420_000,
    });
    expect(install.code, install.stderr).toBe(0);
    const back = await until(
      'the trace stored before the uninstall',
      async () => {
        const r = await queryGet(`/traces/${state.traceId}`, token).catch(() => undefined);
        return r?.status === 200 ? r.text() : undefined;
      },
      180_000,
    );
    expect(back).toContain('chat gpt-4o');
  });

  // A tenant whose spans are decided as they arrive (SamplingPolicy mode: head, all kept), for the
  // fault tests: its spans stay on the ingester that acknowledged them (never handed to a peer).
  const headTenant = `
apiVersion: trace.koder.dev/v1alpha1
kind: SamplingPolicy
metadata: { name: keep-all-head, namespace: team-a }
spec: { mode: head, defaultProbability: 1 }
---
apiVersion: trace.koder.dev/v1alpha1
kind: TraceTenant
metadata: { name: fault-head, namespace: team-a }
spec:
  samplingPolicyRef: { name: keep-all-head }
`;

  it('an ingester pod deleted under load: every acknowledged span is stored (head sampling)', {
    timeout: 600_000,
  }, async () => {
    await ok('head tenant', cluster.kubectl(['apply', '-f', '-'], { input: headTenant }));
    await tenantReady('team-a', 'fault-head');
    const tokens = {
      head: await tenantToken('team-a', 'fault-head-token'),
      trace: await tenantToken('team-a', 'support-bot-token'),
    };
    const run = randomBytes(4).toString('hex');
    const name = `fault-load-${run}`;
    const ingest = `http://${RELEASE}-ingester.${NS}.svc.cluster.local:4318/v1/traces`;
    // One trace of one LLM-call span per request (kept by either tenant's policy), OTLP/JSON.
    const body = (traceId: string, spanName: string) =>
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fault-load' } }] },
            scopeSpans: [
              {
                scope: { name: 'chart.cluster.test' },
                spans: [
                  {
                    traceId,
                    spanId: randomBytes(8).toString('hex'),
                    name: spanName,
                    kind: 1,
                    startTimeUnixNano: `${BigInt(Date.now() - 5) * 1_000_000n}`,
                    endTimeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`,
                    attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }],
                  },
                ],
              },
            ],
          },
        ],
      });
    const send = (token: string, traceId: string, spanName: string) =>
      cluster.fetch(ingest, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: body(traceId, spanName),
      });
    // Both ingesters and the query service know the new tenant (their mounted config refreshed).
    await until(
      'the head tenant accepted by the ingesters and the query service',
      async () => {
        for (let i = 0; i < 6; i++) {
          const r = await send(tokens.head, randomBytes(16).toString('hex'), `warm-up-${run}`);
          if (r.status !== 200) return undefined;
        }
        return (await queryGet('/traces?limit=1', tokens.head)).status === 200;
      },
      180_000,
    );
    type Kind = keyof typeof tokens;
    const acked: Record<Kind, string[]> = { head: [], trace: [] };
    const refused: Record<string, number> = {};
    const MAX = 1800; // 900 per tenant: the query API lists at most 1000 traces in one answer
    let sent = 0;
    let stop = false;
    const worker = async () => {
      while (!stop && sent < MAX) {
        const kind: Kind = sent++ % 2 === 0 ? 'head' : 'trace';
        const traceId = randomBytes(16).toString('hex');
        try {
          const r = await send(tokens[kind], traceId, name);
          // Acknowledged: 200 with no rejected spans (a partial success names what it did not take).
          const rejected =
            r.status === 200
              ? Number(
                  r.json<{ partialSuccess?: { rejectedSpans?: string } }>().partialSuccess?.rejectedSpans ??
                    0,
                )
              : 1;
          if (r.status === 200 && rejected === 0) acked[kind].push(traceId);
          else refused[r.status] = (refused[r.status] ?? 0) + 1;
        } catch (err) {
          const key = (err as Error).message.slice(0, 40);
          refused[key] = (refused[key] ?? 0) + 1;
        }
        await new Promise((res) => setTimeout(res, 40));
      }
    };
    const load = Promise.all([worker(), worker(), worker()]);
    // Mid-load, the pod of one ingester is deleted (graceful: SIGTERM, its queue delivered on the way
    // out); its log is followed to the end.
    await until('some spans acknowledged', () => acked.head.length >= 100, 60_000);
    const ingesters = await pods(NS, 'app.kubernetes.io/component=ingester');
    const victim = ingesters[0]?.metadata.name as string;
    const victimLog = cluster.spawn('victim-log', binaryPath('kubectl'), ['logs', '-f', '-n', NS, victim]);
    const ackedBeforeDelete = acked.head.length + acked.trace.length;
    await ok(
      'delete',
      cluster.kubectl(['delete', 'pod', victim, '-n', NS, '--wait=true'], { timeoutMs: 120_000 }),
    );
    await new Promise((res) => setTimeout(res, 5_000)); // load goes on while the replacement starts
    stop = true;
    await load;
    await victimLog.stop();
    const shutdown = victimLog
      .tail(4)
      .split('\n')
      .filter((l) => l.trim());
    await rolledOut(NS, `deployment/${RELEASE}-ingester`);
    console.log(
      `[cluster] fault load: ${sent} sent, acknowledged ${acked.head.length} head + ${acked.trace.length} trace (${ackedBeforeDelete} before the delete of ${victim} among ${ingesters.length}), refused ${JSON.stringify(refused)}; victim: ${shutdown.join(' | ')}`,
    );
    expect(acked.head.length + acked.trace.length).toBeGreaterThan(ackedBeforeDelete);
    const missingOf = async (kind: Kind) => {
      const r = await queryGet(`/traces?name=${name}&limit=1000`, tokens[kind]).catch(() => undefined);
      if (r?.status !== 200) return undefined;
      const stored = new Set(r.json<{ traces: { traceId: string }[] }>().traces.map((t) => t.traceId));
      return acked[kind].filter((id) => !stored.has(id));
    };
    // Head sampling: every acknowledged trace is stored.
    let missing: string[] = [];
    await until(
      'every acknowledged trace in the store',
      async () => {
        missing = (await missingOf('head')) ?? acked.head;
        return missing.length === 0;
      },
      180_000,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}: ${missing.length} of ${acked.head.length} acknowledged traces missing; victim: ${shutdown.join(' | ')}`,
      );
    });
    // Trace sampling (the default mode): the deleted pod decided what it held on its way out (graceful
    // stop), and the replicas route each trace to its owner, so once every trace's quiet period has
    // passed each acknowledged trace (one LLM call: kept by the policy) is stored too.
    await until(
      'every acknowledged trace-mode trace in the store',
      async () => {
        missing = (await missingOf('trace')) ?? acked.trace;
        return missing.length === 0;
      },
      180_000,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}: ${missing.length} of ${acked.trace.length} acknowledged trace-mode traces missing; victim: ${shutdown.join(' | ')}`,
      );
    });
  });

  it('ingesters scaled to 3: they find each other, and a trace whose spans reach different pods is stored whole', {
    timeout: 420_000,
  }, async () => {
    await ok('scale', cluster.kubectl(['scale', `deployment/${RELEASE}-ingester`, '-n', NS, '--replicas=3']));
    await rolledOut(NS, `deployment/${RELEASE}-ingester`);
    const ingesters = await until(
      'three ingesters, each routing among all three',
      async () => {
        const all = await pods(NS, 'app.kubernetes.io/component=ingester');
        if (all.length !== 3 || all.some((p) => !p.status?.podIP)) return undefined;
        for (const p of all) {
          const r = await cluster.fetch(`http://${p.status?.podIP}:8888/metrics`).catch(() => undefined);
          if (!r?.text().includes('koder_ingester_peers{self="1"} 3')) return undefined;
        }
        return all;
      },
      180_000,
    );
    const token = await tenantToken('team-a', 'support-bot-token');
    const t0 = BigInt(Date.now()) * 1_000_000n;
    const span = (traceId: string, spanId: string, parent: string, name: string, error = false) => ({
      traceId,
      spanId,
      ...(parent ? { parentSpanId: parent } : {}),
      name,
      kind: 1,
      startTimeUnixNano: `${t0}`,
      endTimeUnixNano: `${t0 + 5_000_000n}`,
      ...(error ? { status: { code: 2, message: 'tool failed' } } : {}),
    });
    const body = (s: unknown) =>
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'scattered' } }] },
            scopeSpans: [{ scope: { name: 'chart.cluster.test' }, spans: [s] }],
          },
        ],
      });
    // Each trace: two children, one failing (so the policy keeps the trace whole), then the agent's
    // root, in the order an SDK exports them (a span when it ends), each sent to a different pod.
    // Without routing the failing span would be stored alone.
    const traces = Array.from({ length: 12 }, () => {
      const traceId = randomBytes(16).toString('hex');
      const root = randomBytes(8).toString('hex');
      return [
        span(traceId, randomBytes(8).toString('hex'), root, 'execute_tool lookup'),
        span(traceId, randomBytes(8).toString('hex'), root, 'execute_tool refund', true),
        span(traceId, root, '', 'invoke_agent scattered'),
      ];
    });
    for (const spans of traces)
      for (const [k, s] of spans.entries()) {
        const pod = ingesters[k] as Pod;
        const r = await cluster.fetch(`http://${pod.status?.podIP}:4318/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: body(s),
        });
        expect(r.status, r.text()).toBe(200);
      }
    for (const spans of traces) {
      const traceId = spans[2]?.traceId as string;
      const got = await until(
        `trace ${traceId} stored`,
        async () => {
          const r = await queryGet(`/traces/${traceId}`, token);
          return r.status === 200 ? r.json<{ spans: { name: string }[] }>() : undefined;
        },
        120_000,
      );
      const names = got.spans.map((s) => s.name).filter((n) => n !== 'koder.usage');
      expect(names.sort(), `trace ${traceId}`).toEqual([
        'execute_tool lookup',
        'execute_tool refund',
        'invoke_agent scattered',
      ]);
    }
    let forwarded = 0;
    for (const p of ingesters) {
      const m = (await cluster.fetch(`http://${p.status?.podIP}:8888/metrics`)).text();
      for (const line of m.split('\n'))
        if (line.startsWith('koder_ingester_forwarded_spans_total') && line.includes('result="ok"'))
          forwarded += Number(line.split(' ').at(-1));
    }
    console.log(
      `[cluster] 3 ingesters: ${traces.length} scattered traces stored whole, ${forwarded} spans forwarded`,
    );
    expect(forwarded).toBeGreaterThan(0);
  });

  it('the operator leader pod deleted: the other replica takes over and the webhook keeps wiring pods, with one certificate', {
    timeout: 480_000,
  }, async () => {
    const lease = async () =>
      (
        await cluster.kubectl([
          'get',
          'lease',
          `${RELEASE}-operator`,
          '-n',
          NS,
          '-o',
          'jsonpath={.spec.holderIdentity}',
        ])
      ).stdout;
    const operators = await until(
      'two operator pods Ready',
      async () => {
        const all = await pods(NS, 'app.kubernetes.io/component=operator');
        return all.length === 2 && all.every((p) => p.status?.phase === 'Running') ? all : undefined;
      },
      120_000,
    );
    await ok(
      'ready',
      cluster.kubectl(
        [
          'wait',
          '-n',
          NS,
          'pods',
          '-l',
          'app.kubernetes.io/component=operator',
          '--for=condition=Ready',
          '--timeout=120s',
        ],
        { timeoutMs: 130_000 },
      ),
    );
    const leader = await until(
      'a leader',
      async () => {
        const h = await lease();
        return operators.some((p) => p.metadata.name === h) ? h : undefined;
      },
      60_000,
    );
    const follower = operators.find((p) => p.metadata.name !== leader) as Pod;
    // The certificate each replica serves (the shared Secret's), and the registration's CA.
    const served = async (ip: string) => {
      const r = await cluster.run(process.execPath, [
        '-e',
        `const s=require('node:tls').connect({host:'${ip}',port:9443,rejectUnauthorized:false},()=>{console.log(s.getPeerX509Certificate().fingerprint256);s.end()});s.on('error',e=>{console.error(e.message);process.exit(1)})`,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    const secretCert = async () =>
      ok(
        'tls secret',
        cluster.kubectl([
          'get',
          'secret',
          `${RELEASE}-webhook-tls`,
          '-n',
          NS,
          '-o',
          'jsonpath={.data.tls\\.crt}',
        ]),
      );
    const caBundle = async () =>
      ok(
        'caBundle',
        cluster.kubectl([
          'get',
          'mutatingwebhookconfiguration',
          `${RELEASE}-pod-injector`,
          '-o',
          'jsonpath={.webhooks[0].clientConfig.caBundle}',
        ]),
      );
    const certBefore = await secretCert();
    const caBefore = await caBundle();
    const fingerprints = new Set(await Promise.all(operators.map((p) => served(p.status?.podIP as string))));
    expect(fingerprints.size, 'both replicas serve the same certificate').toBe(1);

    const t = Date.now();
    await ok('delete leader', cluster.kubectl(['delete', 'pod', leader, '-n', NS, '--wait=false']));
    // Pods created meanwhile are still wired (the webhook fails open, so an unwired pod would pass silently).
    await ok('scale', cluster.kubectl(['scale', 'deployment', 'demo-app', '-n', 'team-a', '--replicas=3']));
    const newLeader = await until(
      'the other replica leading',
      async () => ((await lease()) === follower.metadata.name ? true : undefined),
      90_000,
    );
    expect(newLeader).toBe(true);
    console.log(`[cluster] operator failover: ${(Date.now() - t) / 1000} s to the new leader`);
    await rolledOut('team-a', 'deployment/demo-app');
    for (const p of await pods('team-a', 'app=demo-app')) {
      const env = p.spec.containers[0]?.env?.map((e) => e.name) ?? [];
      expect(env, `${p.metadata.name} wired`).toContain('OTEL_EXPORTER_OTLP_ENDPOINT');
    }
    // The new leader reconciles: a new tenant becomes Ready.
    await ok(
      'tenant',
      cluster.kubectl(['apply', '-f', '-'], {
        input:
          'apiVersion: trace.koder.dev/v1alpha1\nkind: TraceTenant\nmetadata: { name: after-failover, namespace: team-b }\nspec: {}\n',
      }),
    );
    await tenantReady('team-b', 'after-failover');
    // One certificate still: the Secret, the registration's CA and what every replica (the replacement too) serves.
    const now = await until(
      'two operator pods Ready again',
      async () => {
        const all = await pods(NS, 'app.kubernetes.io/component=operator');
        const ready =
          (
            await cluster.kubectl([
              'wait',
              '-n',
              NS,
              'pods',
              '-l',
              'app.kubernetes.io/component=operator',
              '--for=condition=Ready',
              '--timeout=5s',
            ])
          ).code === 0;
        return all.length === 2 && ready ? all : undefined;
      },
      180_000,
    );
    expect(await secretCert()).toBe(certBefore);
    expect(await caBundle()).toBe(caBefore);
    const after = new Set(await Promise.all(now.map((p) => served(p.status?.podIP as string))));
    expect([...after]).toEqual([...fingerprints]);
    await ok(
      'scale back',
      cluster.kubectl(['scale', 'deployment', 'demo-app', '-n', 'team-a', '--replicas=1']),
    );
  });

  it('ingester.persistence: a pod deleted with spans it could not deliver (storage down) is replaced by one that replays them from its volume', {
    timeout: 600_000,
  }, async () => {
    for (const i of [0, 1]) await hostPersistentVolume(`ingester-${i}`, `data-${RELEASE}-ingester-${i}`);
    const upgrade = await cluster.helm(
      [
        'upgrade',
        ...chartArgs(
          ...embeddedArgs,
          'ingester.persistence.enabled=true',
          'ingester.persistence.size=1Gi',
          'ingester.persistence.storageClassName=koder-local',
          'ingester.autoscaling.enabled=false',
          'ingester.replicas=2',
        ),
      ],
      { timeoutMs: 420_000 },
    );
    expect(upgrade.code, upgrade.stderr).toBe(0);
    await rolledOut(NS, `statefulset/${RELEASE}-ingester`);
    const token = await tenantToken('team-a', 'fault-head-token');
    const pod0 = async () =>
      (await pods(NS, 'app.kubernetes.io/component=ingester')).find(
        (p) => p.metadata.name === `${RELEASE}-ingester-0`,
      );
    const first = await until(
      'ingester-0 running with an IP',
      async () => ((await pod0())?.status?.podIP ? pod0() : undefined),
      120_000,
    );
    const ip = first?.status?.podIP as string;
    // Storage goes away: the embedded store's StatefulSet scaled to none.
    await ok(
      'store down',
      cluster.kubectl(['scale', 'statefulset', `${RELEASE}-query`, '-n', NS, '--replicas=0']),
    );
    await until(
      'the store gone',
      async () => ((await pods(NS, 'app.kubernetes.io/component=query')).length === 0 ? true : undefined),
      120_000,
    );
    // Traces acknowledged by ingester-0 itself (its pod IP), which cannot deliver them.
    const traceIds: string[] = [];
    for (let i = 0; i < 40; i++) {
      const traceId = randomBytes(16).toString('hex');
      const r = await cluster.fetch(`http://${ip}:4318/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: 'persistence' } }] },
              scopeSpans: [
                {
                  spans: [
                    {
                      traceId,
                      spanId: randomBytes(8).toString('hex'),
                      name: 'chat gpt-4o',
                      kind: 1,
                      startTimeUnixNano: `${BigInt(Date.now() - 5) * 1_000_000n}`,
                      endTimeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`,
                    },
                  ],
                },
              ],
            },
          ],
        }),
      });
      expect(r.status, r.text()).toBe(200);
      traceIds.push(traceId);
    }
    // The pod goes (SIGKILL after 2 s: far too soon to deliver, as at a grace deadline); the
    // StatefulSet makes ingester-0 again, on the same claim.
    await ok(
      'delete',
      cluster.kubectl([
        'delete',
        'pod',
        `${RELEASE}-ingester-0`,
        '-n',
        NS,
        '--grace-period=2',
        '--wait=true',
      ]),
    );
    await until(
      'a new ingester-0',
      async () => {
        const p = await pod0();
        return p && p.metadata.uid !== first?.metadata.uid && p.status?.podIP ? true : undefined;
      },
      180_000,
    );
    await rolledOut(NS, `statefulset/${RELEASE}-ingester`);
    await ok(
      'store up',
      cluster.kubectl(['scale', 'statefulset', `${RELEASE}-query`, '-n', NS, '--replicas=1']),
    );
    await rolledOut(NS, `statefulset/${RELEASE}-query`);
    const t = Date.now();
    const missing = new Set(traceIds);
    await until(
      'every acknowledged trace stored',
      async () => {
        for (const id of [...missing]) {
          const r = await queryGet(`/traces/${id}`, token).catch(() => undefined);
          if (r?.status === 200) missing.delete(id);
        }
        return missing.size === 0 ? true : undefined;
      },
      240_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${missing.size} of ${traceIds.length} missing`);
    });
    console.log(
      `[cluster] ingester volume: ${traceIds.length} traces replayed by the new pod, stored ${(Date.now() - t) / 1000} s after the store came back`,
    );
  });

  it("ratings reach the tenant's prompt registry from the ingester pods, signed with the tenant's secret", {
    timeout: 420_000,
  }, async () => {
    const t = Date.now();
    await ok(
      'receiver',
      cluster.kubectl(['apply', '-f', '-'], {
        input: registryReceiver(cluster.images['demo-app']?.reference as string),
      }),
    );
    await rolledOut(NS, 'deployment/registry-receiver');
    const secret = randomBytes(16).toString('hex');
    await ok(
      'signing secret',
      cluster.kubectl([
        'create',
        'secret',
        'generic',
        'registry-signing',
        '-n',
        'team-a',
        `--from-literal=webhook=${secret}`,
      ]),
    );
    const url = `http://registry-receiver.${NS}.svc.cluster.local:8080/ratings`;
    await ok(
      'promptRegistry',
      cluster.kubectl([
        'patch',
        'tracetenant',
        'support-bot',
        '-n',
        'team-a',
        '--type=merge',
        '-p',
        JSON.stringify({
          spec: { promptRegistry: { url, signingSecretRef: { name: 'registry-signing', key: 'webhook' } } },
        }),
      ]),
    );
    await tenantReady('team-a', 'support-bot');
    const token = await tenantToken('team-a', 'support-bot-token');
    // A rating span as an application sends it. The ingesters take the tenant's registry from their
    // mounted config (and the secret from the mounted copy) within the kubelet's sync: until then a
    // rating is stored but not delivered, so one is sent every few seconds until one arrives.
    const rating = () => {
      const traceId = randomBytes(16).toString('hex');
      const now = `${BigInt(Date.now()) * 1_000_000n}`;
      const attr = (key: string, value: Record<string, unknown>) => ({ key, value });
      return {
        traceId,
        body: JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: [attr('service.name', { stringValue: 'support-bot' })] },
              scopeSpans: [
                {
                  scope: { name: 'chart.cluster.test' },
                  spans: [
                    {
                      traceId,
                      spanId: randomBytes(8).toString('hex'),
                      parentSpanId: randomBytes(8).toString('hex'),
                      name: 'koder.rating',
                      kind: 1,
                      startTimeUnixNano: now,
                      endTimeUnixNano: now,
                      attributes: [
                        attr('koder.rating.score', { doubleValue: 0.9 }),
                        attr('koder.rating.comment', { stringValue: 'right first time' }),
                        attr('koder.prompt.id', { stringValue: 'support-answer' }),
                        attr('koder.prompt.version', { stringValue: 'v3' }),
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        }),
      };
    };
    const sent = new Set<string>();
    type Delivery = { signature: string | null; deliveryId: string | null; body: string; path: string };
    const delivery = await until(
      'a rating delivered to the registry',
      async () => {
        const logs = await cluster.kubectl(['logs', 'deployment/registry-receiver', '-n', NS]);
        const got = logs.stdout
          .split('\n')
          .filter((l) => l.startsWith('{"method"'))
          .map((l) => JSON.parse(l) as Delivery)
          .find((d) => sent.has(JSON.parse(d.body).trace_id));
        if (got) return got;
        const r = rating();
        const res = await cluster.fetch(`http://${RELEASE}-ingester.${NS}.svc.cluster.local:4318/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: r.body,
        });
        if (res.status === 200) sent.add(r.traceId);
        await new Promise((ok) => setTimeout(ok, 3000));
        return undefined;
      },
      300_000,
    );
    expect(delivery.path).toBe('/ratings');
    expect(verifySignature(secret, delivery.signature ?? undefined, delivery.body, Date.now() / 1000)).toBe(
      true,
    );
    expect(
      verifySignature('another secret', delivery.signature ?? undefined, delivery.body, Date.now() / 1000),
    ).toBe(false);
    expect(JSON.parse(delivery.body)).toMatchObject({
      type: 'koder.rating',
      tenant: expect.any(String),
      prompt_id: 'support-answer',
      prompt_version: 'v3',
      score: 0.9,
      comment: 'right first time',
      id: delivery.deliveryId,
    });
    console.log(
      `[cluster] prompt registry: first delivery ${(Date.now() - t) / 1000} s after the receiver was applied, ${sent.size} rating(s) sent`,
    );
  });
});

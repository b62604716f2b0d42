// `node bench/operator-scale.ts [TENANTS] [POLICIES]`: the operator at scale against a real
// kube-apiserver + etcd (test binaries), the way docs/operator.md reports it. TENANTS TraceTenants
// (default 1,000) and POLICIES SamplingPolicies (default 100) in 10 namespaces are created at once
// (64 requests in flight, the policies first but not awaited), with the operator already running under
// the chart's NODE_OPTIONS and GLIBC_TUNABLES. Measured from the first create: when the ingester
// ConfigMap holds every tenant, when every TraceTenant is Ready (both watched); the writes in the API
// server's audit log by kind; writes while idle afterwards; the operator's CPU time, peak RSS (VmHWM)
// and peak anonymous RSS, heap in use and reconcile count.
// BENCH_COLD=1 creates them all with the operator stopped and then starts it, times measured from its
// start: the operator's own work, without the API server also taking the creates. Either way the
// operator is then restarted and the writes of the restart (goal: none) are counted from the audit log.
// Then, the operator stopped, the API server's floor: the same two writes per tenant from a bare
// client (apiServerFloor; BENCH_FLOOR=0 leaves it out).
// BENCH_KEEP_LOG=FILE keeps the operator's log; BENCH_NODE_OPTIONS and BENCH_GLIBC_TUNABLES replace
// the chart's; BENCH_OPERATOR_ARGS adds flags (say `--api-concurrency 32`).
import { randomBytes } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { type AgentOptions, Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@koder-trace/ingester/config';
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { startControlPlane } from '../test/harness/control-plane.ts';
import { freePort } from '../test/harness/ports.ts';
import { startProcess, waitUntilReady } from '../test/harness/process.ts';
import { scrapeMetric } from '../test/harness/prometheus.ts';
import { CHART_VALUES } from './servers.ts';

const TENANTS = Number(process.argv[2] ?? 1000);
const POLICIES = Number(process.argv[3] ?? 100);
const NAMESPACES = 10;
const IN_FLIGHT = 64;
// The chart's (charts/koder-trace values operator.nodeOptions, operator.glibcTunables), unless
// BENCH_NODE_OPTIONS or BENCH_GLIBC_TUNABLES (empty: glibc's defaults) says otherwise.
const NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS ?? CHART_VALUES.operator.nodeOptions ?? '';
const GLIBC_TUNABLES = process.env.BENCH_GLIBC_TUNABLES ?? CHART_VALUES.operator.glibcTunables ?? '';
const MAIN = fileURLToPath(new URL('../operator/src/main.ts', import.meta.url));
const GROUP = { group: 'trace.koder.dev', version: 'v1alpha1' };

const cp = await startControlPlane({ audit: true });
const core = cp.kubeConfig.makeApiClient(CoreV1Api);
const custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
await cp.installCrds();
for (const ns of ['koder-trace', ...Array.from({ length: NAMESPACES }, (_, i) => `team-${i}`)])
  await core.createNamespace({ body: { metadata: { name: ns } } });

const COLD = process.env.BENCH_COLD === '1';
const port = await freePort();
const admin = `http://127.0.0.1:${port}`;
let starts = 0;
async function startOperator() {
  const p = startProcess({
    name: 'operator',
    command: process.execPath,
    args: [
      MAIN,
      '--kubeconfig',
      cp.kubeconfigPath,
      '--namespace',
      'koder-trace',
      '--admin-port',
      String(port),
      ...(process.env.BENCH_OPERATOR_ARGS?.split(' ').filter(Boolean) ?? []),
    ],
    env: { ...process.env, NODE_OPTIONS, GLIBC_TUNABLES },
    logFile: join(cp.dir, `operator-${++starts}.log`),
  });
  await waitUntilReady(p, async () => (await fetch(`${admin}/readyz`)).ok, 30_000);
  return p;
}
let op = COLD ? undefined : await startOperator();
// The operator's CPU time (user + system) so far, in seconds.
const cpuSeconds = () => {
  const fields = readFileSync(`/proc/${op?.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(((Number(fields[11]) + Number(fields[12])) / 100).toFixed(1));
};
const rssPeakMiB = () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${op?.pid}/status`, 'utf8'));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
};
const writesBefore = op ? await scrapeMetric(`${admin}/metrics`, 'koder_operator_writes_total') : 0;

async function inParallel<T>(items: T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}
const policy = (p: number) => ({
  apiVersion: 'trace.koder.dev/v1alpha1',
  kind: 'SamplingPolicy',
  metadata: { name: `p${p}`, namespace: `team-${p % NAMESPACES}` },
  spec: {
    defaultProbability: 0.2,
    rules: [
      { name: 'keep-svc', match: [{ field: 'service', op: 'equals', value: `svc-${p}` }], probability: 1 },
    ],
  },
});
const tenant = (i: number) => ({
  apiVersion: 'trace.koder.dev/v1alpha1',
  kind: 'TraceTenant',
  metadata: { name: `t${i}`, namespace: `team-${i % NAMESPACES}` },
  spec: { samplingPolicyRef: { name: `p${i % POLICIES}` } },
});
const create = (plural: string) => (o: { metadata: { namespace: string } }) =>
  custom.createNamespacedCustomObject({ ...GROUP, plural, namespace: o.metadata.namespace, body: o });

// Progress is watched, as `kubectl wait` does, not polled: listing 10,000 TraceTenants every 250 ms
// cost the API server more than the operator's own status writes did.
let configComplete = false;
const ready = new Set<string>();
let onProgress = () => {};
const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;
type Tenant = KubernetesObject & { status?: { conditions?: { type?: string; status?: string }[] } };
const tenantWatch = makeInformer<Tenant>(
  cp.kubeConfig,
  `/apis/${GROUP.group}/${GROUP.version}/tracetenants`,
  () =>
    custom.listClusterCustomObject({ ...GROUP, plural: 'tracetenants' }) as Promise<
      KubernetesListObject<Tenant>
    >,
);
const noteTenant = (t: Tenant) => {
  const isReady = t.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  if (isReady) ready.add(keyOf(t));
  else ready.delete(keyOf(t));
  onProgress();
};
tenantWatch.on('add', noteTenant);
tenantWatch.on('update', noteTenant);
tenantWatch.on('delete', (t) => ready.delete(keyOf(t)));
const configWatch = makeInformer<V1ConfigMap>(
  cp.kubeConfig,
  '/api/v1/namespaces/koder-trace/configmaps',
  () => core.listNamespacedConfigMap({ namespace: 'koder-trace' }),
);
const noteConfig = (cm: V1ConfigMap) => {
  if (cm.metadata?.name !== 'koder-trace-ingester' || configComplete) return;
  const parsed = parseConfig(cm.data?.['config.yaml'] ?? '');
  configComplete = parsed.ok && parsed.config.tenants.length === TENANTS;
  onProgress();
};
configWatch.on('add', noteConfig);
configWatch.on('update', noteConfig);
const watches = [tenantWatch, configWatch];
// An informer stops on a watch error other than 410 Gone; start it again (it relists) as the operator does.
let watching = true;
for (const w of watches)
  w.on('error', () => {
    if (watching) setTimeout(() => watching && void w.start().catch(() => {}), 500);
  });
await Promise.all(watches.map((w) => w.start()));

let t0 = performance.now();
const secs = (t: number) => ((t - t0) / 1000).toFixed(1);
const applying = Promise.all([
  inParallel(
    Array.from({ length: POLICIES }, (_, p) => policy(p)),
    8,
    create('samplingpolicies'),
  ),
  inParallel(
    Array.from({ length: TENANTS }, (_, i) => tenant(i)),
    IN_FLIGHT,
    create('tracetenants'),
  ),
]);
let appliedAt = 0;
void applying.then(() => {
  appliedAt = performance.now();
  onProgress();
});
// Cold: everything exists before the operator starts; its start is time zero.
let coldApplySeconds: number | undefined;
if (COLD) {
  await applying;
  coldApplySeconds = Number(((performance.now() - t0) / 1000).toFixed(1));
  t0 = performance.now();
  appliedAt = t0;
  op = await startOperator();
}

// The operator's heap in use (the live set plus garbage not yet collected) and its anonymous memory
// (RSS less the pages mapped from files — Node's binary and libraries, shared and reclaimable —
// which is what a container's memory limit has to hold), sampled every second.
let heapPeakMiB = 0;
let anonPeakMiB = 0;
const heapSampler = setInterval(() => {
  const anon = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${op?.pid}/status`, 'utf8'));
  anonPeakMiB = Math.max(anonPeakMiB, Math.round(Number(anon?.[1] ?? 0) / 1024));
  void scrapeMetric(`${admin}/metrics`, 'nodejs_heap_size_used_bytes')
    .then((b) => {
      heapPeakMiB = Math.max(heapPeakMiB, Math.round(b / 2 ** 20));
    })
    .catch(() => {});
}, 1000);
let configAt = 0;
let readyAt = 0;
const converged = new Promise<void>((resolve) => {
  const check = () => {
    if (!configAt && configComplete) configAt = performance.now();
    if (!readyAt && configAt && appliedAt && ready.size === TENANTS) {
      readyAt = performance.now();
      resolve();
    }
  };
  onProgress = check;
  check();
});
const timeout = setTimeout(() => {
  throw new Error('did not converge in 10 minutes');
}, 600_000);
await converged;
clearTimeout(timeout);
watching = false;
await Promise.all(watches.map((w) => w.stop()));
// Settled: no write for 3 s (SamplingPolicies' usedBy may still follow the last tenants). Then idle.
const writesNow = () => scrapeMetric(`${admin}/metrics`, 'koder_operator_writes_total');
let settled = await writesNow();
for (let quiet = 0; quiet < 3; ) {
  await new Promise((r) => setTimeout(r, 1000));
  const n = await writesNow();
  quiet = n === settled ? quiet + 1 : 0;
  settled = n;
}
const settledAt = performance.now() - 3000;
await new Promise((r) => setTimeout(r, 5000));
const idle = (await writesNow()) - settled;
// The operator's writes (the bench's own creates and the API server's bootstrap left out).
const OPERATOR_WRITES =
  / (secrets|configmaps|events|tracetenants\/status|samplingpolicies\/status|mutatingwebhookconfigurations) /;
const operatorWrites = async () =>
  ((await cp.auditedWrites?.()) ?? []).filter((w) => OPERATOR_WRITES.test(w));
const writes = await operatorWrites();
const byKind = new Map<string, number>();
for (const w of writes) {
  const [verb, resource] = w.split(' ');
  const k = `${verb} ${resource}`;
  byKind.set(k, (byKind.get(k) ?? 0) + 1);
}
const reconciles = await scrapeMetric(`${admin}/metrics`, 'koder_operator_reconciles_total');
const peakRssMiB = rssPeakMiB();
const operatorCpuSeconds = cpuSeconds();
const heapUsedAtEndMiB = Math.round(
  (await scrapeMetric(`${admin}/metrics`, 'nodejs_heap_size_used_bytes')) / 2 ** 20,
);
clearInterval(heapSampler);
// A restart over everything in place: the new operator lists, compiles, finds it all as it should be.
await op?.stop();
const restartedAt = performance.now();
op = await startOperator();
while ((await scrapeMetric(`${admin}/metrics`, 'koder_operator_reconciles_total')) < 1)
  await new Promise((r) => setTimeout(r, 250));
let restartWrites = await writesNow();
for (let quiet = 0; quiet < 5; ) {
  await new Promise((r) => setTimeout(r, 1000));
  const n = await writesNow();
  quiet = n === restartWrites ? quiet + 1 : 0;
  restartWrites = n;
}
const auditedRestartWrites = (await operatorWrites()).slice(writes.length);
const restartQuietAfterSeconds = Number(((performance.now() - restartedAt) / 1000 - 5).toFixed(1));
const restartPeakRssMiB = rssPeakMiB();
await op?.stop();

// The API server's floor for the same work, the operator stopped: each tenant's two writes (a token
// Secret create, a status merge patch that changes the status) sent by a bare keep-alive client at
// the operator's default concurrency (16), nothing in between. What the operator takes beyond this
// is its own; the floor is what two shared cores give. (Slightly optimistic: no watcher is served.)
async function apiServerFloorSeconds(): Promise<number> {
  const opts: AgentOptions & { headers?: Record<string, string> } = {};
  await cp.kubeConfig.applyToHTTPSOptions(opts);
  const agent = new HttpsAgent({ ...opts, keepAlive: true });
  const server = cp.kubeConfig.getCurrentCluster()?.server ?? '';
  const send = (method: string, path: string, type: string, body: unknown) =>
    new Promise<void>((resolve, reject) => {
      const req = httpsRequest(
        new URL(path, server),
        { method, agent, headers: { ...opts.headers, 'content-type': type, accept: 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () =>
            (res.statusCode ?? 0) < 300
              ? resolve()
              : reject(new Error(`${method} ${path}: ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const listed = (await custom.listClusterCustomObject({ ...GROUP, plural: 'tracetenants' })) as {
    items: Tenant[];
  };
  const start = performance.now();
  await inParallel(listed.items, 16, async (t) => {
    const { name = '', namespace = '', uid = '' } = t.metadata ?? {};
    await send('POST', `/api/v1/namespaces/${namespace}/secrets?fieldManager=floor`, 'application/json', {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: `${name}-floor`,
        namespace,
        labels: { 'app.kubernetes.io/managed-by': 'floor', 'trace.koder.dev/tenant-token': name },
        ownerReferences: [
          { apiVersion: 'trace.koder.dev/v1alpha1', kind: 'TraceTenant', name, uid, controller: true },
        ],
      },
      stringData: { token: randomBytes(32).toString('base64url') },
    });
    const status = {
      ...t.status,
      conditions: t.status?.conditions?.map((c) => ({ ...c, message: 'floor' })),
    };
    await send(
      'PATCH',
      `/apis/${GROUP.group}/${GROUP.version}/namespaces/${namespace}/tracetenants/${name}/status?fieldManager=floor`,
      'application/merge-patch+json',
      { status },
    );
  });
  agent.destroy();
  return Number(((performance.now() - start) / 1000).toFixed(1));
}
const floorSeconds = process.env.BENCH_FLOOR === '0' ? undefined : await apiServerFloorSeconds();
console.log(
  JSON.stringify(
    {
      tenants: TENANTS,
      policies: POLICIES,
      mode: COLD
        ? 'created with the operator stopped, then started (times from its start)'
        : 'created while running',
      nodeOptions: NODE_OPTIONS,
      glibcTunables: GLIBC_TUNABLES,
      applySeconds: coldApplySeconds ?? Number(secs(appliedAt)),
      configCompleteSeconds: Number(secs(configAt)),
      allReadySeconds: Number(secs(readyAt)),
      afterApplyEnd: {
        configCompleteSeconds: Number(((configAt - appliedAt) / 1000).toFixed(1)),
        allReadySeconds: Number(((readyAt - appliedAt) / 1000).toFixed(1)),
      },
      settledSeconds: Number(secs(settledAt)),
      operatorWrites: settled - writesBefore,
      auditedOperatorWrites: writes.length,
      auditedByKind: Object.fromEntries([...byKind].sort((a, b) => b[1] - a[1])),
      idleWritesIn5sAfterSettling: idle,
      reconciles,
      operatorCpuSeconds,
      peakRssMiB,
      peakAnonRssMiB: anonPeakMiB,
      peakHeapUsedMiB: heapPeakMiB,
      heapUsedAtEndMiB,
      restart: {
        quietAfterSeconds: restartQuietAfterSeconds,
        operatorWrites: restartWrites,
        auditedOperatorWrites: auditedRestartWrites.length,
        peakRssMiB: restartPeakRssMiB,
      },
      ...(floorSeconds === undefined
        ? {}
        : {
            apiServerFloor: {
              seconds: floorSeconds,
              // Operator start → all Ready over the floor: cold runs only (else the creates are in it).
              ...(COLD
                ? { allReadyOverFloor: Number((Number(secs(readyAt)) / floorSeconds).toFixed(2)) }
                : {}),
            },
          }),
      load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    },
    null,
    2,
  ),
);
// The operator's log (each run's writes and duration) outlives the control plane's directory.
if (process.env.BENCH_KEEP_LOG) copyFileSync(join(cp.dir, 'operator-1.log'), process.env.BENCH_KEEP_LOG);
await cp.stop();

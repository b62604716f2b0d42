#!/usr/bin/env node
// `operator [--kubeconfig FILE] …`: reconciles TraceTenants and SamplingPolicies into the ingester
// config, token Secrets, Tempo overrides and statuses. Outside a cluster it uses the kubeconfig;
// inside, its service account. The only place that reads argv, the environment and signals.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import type { TraceTenant } from './api/types.generated.ts';
import { parseOperatorArgs, USAGE } from './config.ts';
import { shareConnections } from './controller/connections.ts';
import { startInformers } from './controller/informers.ts';
import { countWrites, createKube, guardWrites } from './controller/kube.ts';
import { startLeaderElection } from './controller/leader.ts';
import { createReconcileMemo, reconcile } from './controller/reconciler.ts';
import { createRollout, deploymentsApi } from './controller/rollout.ts';
import { createTrigger } from './controller/trigger.ts';
import { webhookConfiguration } from './manifests/webhook-config.ts';
import { createWebhookServer } from './webhook/server.ts';
import { newTls, tlsSecret, usableTls } from './webhook/tls.ts';

if (process.argv.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
const cfg = parseOperatorArgs(process.argv.slice(2), process.env);
const log = pino({ name: 'operator', level: cfg.logLevel });
const kc = new KubeConfig();
if (cfg.kubeconfig) kc.loadFromFile(cfg.kubeconfig);
else kc.loadFromCluster();
shareConnections(kc); // one keep-alive connection pool for every client, not a handshake per request

const registry = new Registry();
collectDefaultMetrics({ register: registry }); // process_resident_memory_bytes, heap sizes, event loop lag
const reconciles = new Counter({
  name: 'koder_operator_reconciles_total',
  help: 'Reconcile runs by result',
  labelNames: ['result'],
  registers: [registry],
});
const writes = new Counter({
  name: 'koder_operator_writes_total',
  help: 'Objects, statuses and Events written',
  registers: [registry],
});

// Every write is checked against leadership right before it is sent (a deposed leader writes nothing),
// and counted once the API server has taken it.
const kube = guardWrites(
  countWrites(createKube(kc, cfg.fieldManager, 'koder-trace-operator'), () => writes.inc()),
  () => leading(),
);
// What reconciles learned (tokens, ConfigMaps, statuses written), trusted for one resync period.
const memo = createReconcileMemo(cfg.resyncSeconds * 1000);
// Opted-in Deployments rolled when the config injected into their pods changes (rollout.ts).
const rollout = cfg.webhook
  ? createRollout({
      api: deploymentsApi(kc, cfg.fieldManager),
      ingesterEndpoint: cfg.webhook.ingesterEndpoint,
      log,
      canWrite: () => leading(),
    })
  : undefined;
// While changes keep coming, statuses wait for the run that follows — for 10 s at most, so a steady
// stream of changes cannot hold them back.
const STATUS_DEFER_MAX_MS = 10_000;
let deferringSince: number | undefined;
const deferStatuses = () => {
  const now = performance.now();
  if (trigger.pending()) {
    deferringSince ??= now;
    if (now - deferringSince < STATUS_DEFER_MAX_MS) return true;
  }
  deferringSince = undefined;
  return false;
};
// The webhook's certificate Secret is shared by every replica and written without the leadership
// check: whoever comes first creates it (create-if-absent), everyone else reads what it holds.
const tlsKube = createKube(kc, cfg.fieldManager, 'koder-trace-operator');

let ready = false;
/** Whether this replica may write: always without leader election, else while it holds the Lease. */
const leading = () => election?.isLeader() ?? true;

const trigger = createTrigger(
  async () => {
    if (!ready || !leading()) return; // nothing to do until every part has started
    const started = performance.now();
    const report = await reconcile({
      caches,
      kube,
      cfg,
      log,
      now: () => new Date(),
      newToken: () => `kt_${randomBytes(24).toString('base64url')}`,
      ...(webhook ? { webhook: { configuration: webhook.configuration } } : {}),
      memo,
      deferStatuses,
      ...(rollout ? { rollout } : {}),
    });
    if (report.errors.length)
      throw new Error(`${report.errors.length} step(s) failed: ${report.errors.slice(0, 3).join('; ')}`);
    reconciles.inc({ result: 'ok' });
    const ms = Math.round(performance.now() - started);
    const deferred = report.statusesDeferred ? { statusesDeferred: true } : {};
    if (report.writes) log.info({ writes: report.writes, ms, ...deferred }, 'reconciled');
    else log.debug({ ms }, 'reconciled, nothing to write');
  },
  {
    resyncMs: cfg.resyncSeconds * 1000,
    onError: (err, retryInMs) => {
      reconciles.inc({ result: 'error' });
      log.error({ err: String(err), retryInMs }, 'reconcile failed; retrying');
    },
  },
);

const caches = await startInformers(kc, () => trigger.request(), log);
const webhook = cfg.webhook ? await startWebhook(cfg.webhook) : undefined;

/**
 * The chain in the shared Secret when still usable; else one issued here and written only if the
 * Secret is still as read (created if absent, replaced at the resourceVersion read), so replicas
 * starting together all end up serving the one chain that won.
 */
async function sharedTls(w: NonNullable<typeof cfg.webhook>) {
  for (let attempt = 0; ; attempt++) {
    const secret = await tlsKube.readSecret(cfg.namespace, w.tlsSecret);
    const usable = usableTls(secret, new Date());
    if (usable) return usable;
    const tls = await newTls(w.dnsNames, w.ipAddresses, new Date());
    const body = tlsSecret(w.tlsSecret, cfg.namespace, tls);
    const written = secret
      ? (await tlsKube.replaceSecret({
          ...body,
          metadata: { ...body.metadata, resourceVersion: secret.metadata?.resourceVersion },
        })) === 'replaced'
      : (await tlsKube.createSecret(body)) === 'created';
    if (written) {
      log.info({ secret: `${cfg.namespace}/${w.tlsSecret}` }, 'webhook certificate issued');
      return tls;
    }
    if (attempt >= 5) throw new Error(`webhook certificate Secret ${w.tlsSecret}: kept changing under us`);
  }
}

/** Serving certificate from the shared Secret (made when absent or near expiry), then the HTTPS server. */
async function startWebhook(w: NonNullable<typeof cfg.webhook>) {
  let tls = await sharedTls(w);
  const server = createWebhookServer(
    {
      tenants: () => caches.tenants.list() as TraceTenant[],
      namespaceLabels: (name) => caches.namespaces.get(name)?.metadata?.labels ?? {},
      settings: { ingesterEndpoint: w.ingesterEndpoint },
      log,
    },
    tls,
  );
  await new Promise<void>((resolve) => server.listen(w.port, resolve));
  log.info({ port: (server.address() as AddressInfo).port }, 'pod webhook serving');
  const state = { server, configuration: webhookConfiguration(w.configurationName, w.target, tls.caCert) };
  // Renewal: re-read (or re-issue) twice a day; a new chain is served at once and the caBundle follows.
  // Whoever finds it near expiry first renews it; the others pick up what it wrote.
  setInterval(async () => {
    const next = await sharedTls(w).catch((err) => {
      log.error({ err: String(err) }, 'webhook certificate not renewed');
      return undefined;
    });
    if (!next || next.cert === tls.cert) return;
    tls = next;
    server.setSecureContext({ cert: next.cert, key: next.key });
    state.configuration = webhookConfiguration(w.configurationName, w.target, next.caCert);
    trigger.request();
  }, 12 * 3600_000).unref();
  return state;
}
const election = cfg.leaderElection
  ? startLeaderElection(
      kc,
      {
        namespace: cfg.namespace,
        name: cfg.leaseName,
        identity: cfg.identity,
        leaseMs: cfg.leaseSeconds * 1000,
        renewDeadlineMs: cfg.renewDeadlineSeconds * 1000,
        retryMs: cfg.retrySeconds * 1000,
      },
      { onStartedLeading: () => trigger.request() },
      log,
    )
  : undefined;

ready = true;
trigger.request();

const admin = createServer((req, res) => {
  if (req.url === '/metrics') {
    void registry
      .metrics()
      .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
  } else if (req.url === '/healthz') res.writeHead(200).end('ok\n');
  else if (req.url === '/readyz') res.writeHead(ready ? 200 : 503).end(ready ? 'ready\n' : 'starting\n');
  else if (req.url === '/leader') res.writeHead(200).end(`${leading()}\n`);
  else res.writeHead(404).end();
});
admin.listen(cfg.adminPort, () => {
  log.info(
    {
      adminPort: (admin.address() as AddressInfo).port,
      namespace: cfg.namespace,
      leaderElection: cfg.leaderElection,
    },
    'operator started',
  );
});

async function shutdown(signal: string): Promise<void> {
  log.info({ signal }, 'shutting down');
  trigger.stop();
  await election?.stop();
  await caches.stop();
  webhook?.server.close();
  admin.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

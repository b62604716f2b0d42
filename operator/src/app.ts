// Assembles an operator from its config: caches (list + watch) → one reconcile loop (coalescing
// trigger) → the API server, plus leader election, the pod webhook with its shared certificate and the
// admin server. The CLI (main.ts) and tests start operators this way; nothing here reads argv, the
// environment or signals.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminServer } from '@koder-trace/ingester/admin';
import { KubeConfig } from '@kubernetes/client-node';
import { type Logger, pino } from 'pino';
import type { TraceTenant } from './api/types.generated.ts';
import type { OperatorConfig, WebhookConfig } from './config.ts';
import { shareConnections } from './controller/connections.ts';
import { startInformers } from './controller/informers.ts';
import { countWrites, createKube, guardWrites, type Kube, withDeadline } from './controller/kube.ts';
import { type LeaderElection, startLeaderElection } from './controller/leader.ts';
import { createReconcileMemo, reconcile } from './controller/reconciler.ts';
import { createRollout, deploymentsApi } from './controller/rollout.ts';
import { createTrigger, type Trigger } from './controller/trigger.ts';
import { webhookConfiguration } from './manifests/webhook-config.ts';
import { createMetrics, type OperatorMetrics } from './metrics.ts';
import { instanceOf } from './naming.ts';
import { certManagerTls, renewPeriodically, sharedTls } from './webhook/certificate.ts';
import { createWebhookServer } from './webhook/server.ts';

export interface OperatorOptions {
  logger?: Logger;
  /** The API server and credentials; default: cfg.kubeconfig if set, else the in-cluster account. */
  kubeConfig?: KubeConfig;
}

export interface Operator {
  readonly adminPort: number;
  /** The webhook's HTTPS port, when the webhook is served. */
  readonly webhookPort: number | undefined;
  readonly metrics: OperatorMetrics;
  /** Whether this replica may write: always without leader election, else while it holds the Lease. */
  leading(): boolean;
  /** Stops reconciling, hands the Lease back, stops the watches and closes both servers. */
  close(): Promise<void>;
}

/** While changes keep coming, statuses wait for the run that follows — for this long at most. */
const STATUS_DEFER_MAX_MS = 10_000;

function loadKubeConfig(cfg: OperatorConfig): KubeConfig {
  const kc = new KubeConfig();
  if (cfg.kubeconfig) kc.loadFromFile(cfg.kubeconfig);
  else kc.loadFromCluster();
  return kc;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startOperator(cfg: OperatorConfig, opts: OperatorOptions = {}): Promise<Operator> {
  const log = opts.logger ?? pino({ name: 'operator', level: cfg.logLevel });
  const kc = opts.kubeConfig ?? loadKubeConfig(cfg);
  shareConnections(kc); // one keep-alive connection pool for every client, not a handshake per request
  const metrics = createMetrics();

  let ready = false;
  let election: LeaderElection | undefined;
  const leading = () => election?.isLeader() ?? true;
  // Every write is checked against leadership right before it is sent (a deposed leader writes
  // nothing), and counted once the API server has taken it.
  const kube = guardWrites(
    countWrites(withDeadline(createKube(kc, cfg.fieldManager, 'koder-trace-operator')), () =>
      metrics.writes.inc(),
    ),
    leading,
  );
  // What reconciles learned (tokens, ConfigMaps, statuses written), trusted for one resync period.
  const memo = createReconcileMemo(cfg.resyncSeconds * 1000);
  // Opted-in Deployments rolled when the config injected into their pods changes (rollout.ts).
  const rollout = cfg.webhook
    ? createRollout({
        api: deploymentsApi(kc, cfg.fieldManager),
        ingesterEndpoint: cfg.webhook.ingesterEndpoint,
        log,
        canWrite: leading,
        recheck: () => trigger.request(),
      })
    : undefined;
  let webhook: Awaited<ReturnType<typeof startWebhook>> | undefined;

  // Statuses wait while more changes are queued, for STATUS_DEFER_MAX_MS at most, so a steady stream
  // of changes cannot hold them back.
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

  const trigger: Trigger = createTrigger(
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
        ...(webhook ? { webhook: { configuration: webhook.configuration() } } : {}),
        memo,
        deferStatuses,
        ...(rollout ? { rollout } : {}),
      });
      if (report.errors.length)
        throw new Error(`${report.errors.length} step(s) failed: ${report.errors.slice(0, 3).join('; ')}`);
      metrics.reconciles.inc({ result: 'ok' });
      const ms = Math.round(performance.now() - started);
      const deferred = report.statusesDeferred ? { statusesDeferred: true } : {};
      if (report.writes) log.info({ writes: report.writes, ms, ...deferred }, 'reconciled');
      else log.debug({ ms }, 'reconciled, nothing to write');
    },
    {
      resyncMs: cfg.resyncSeconds * 1000,
      onError: (err, retryInMs) => {
        metrics.reconciles.inc({ result: 'error' });
        log.error({ err: String(err), retryInMs }, 'reconcile failed; retrying');
      },
    },
  );

  const caches = await startInformers(kc, () => trigger.request(), log);

  /** Serving certificate from the shared Secret (made when absent or near expiry), then the HTTPS server. */
  async function startWebhook(w: WebhookConfig) {
    // The certificate Secret is written without the leadership check: every replica serves the webhook.
    const tlsKube: Kube = withDeadline(createKube(kc, cfg.fieldManager, 'koder-trace-operator'));
    const renew =
      w.certificates === 'cert-manager'
        ? () => certManagerTls(tlsKube, cfg.namespace, w.tlsSecret, log)
        : () => sharedTls(tlsKube, cfg.namespace, w, log);
    const tls = await renew();
    const server = createWebhookServer(
      {
        tenants: () => caches.tenants.list() as TraceTenant[],
        namespaceLabels: (name) => caches.namespaces.get(name)?.metadata?.labels ?? {},
        settings: { ingesterEndpoint: w.ingesterEndpoint },
        log,
      },
      tls,
    );
    const port = await listen(server as unknown as Server, w.port);
    log.info({ port }, 'pod webhook serving');
    let configuration = webhookConfiguration(w.configurationName, w.target, tls.caCert, instanceOf(cfg));
    // A renewed chain is served at once and the caBundle follows with the next reconcile.
    const stopRenewal = renewPeriodically(
      tls,
      renew,
      (next) => {
        server.setSecureContext({ cert: next.cert, key: next.key });
        configuration = webhookConfiguration(w.configurationName, w.target, next.caCert, instanceOf(cfg));
        trigger.request();
      },
      log,
      w.tlsRereadSeconds * 1000,
    );
    return {
      port,
      configuration: () => configuration,
      close() {
        stopRenewal();
        server.close();
      },
    };
  }
  try {
    webhook = cfg.webhook ? await startWebhook(cfg.webhook) : undefined;
  } catch (err) {
    trigger.stop();
    await caches.stop();
    throw err;
  }

  election = cfg.leaderElection
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

  const admin = createAdminServer({
    registry: metrics.registry,
    ready: () => ready,
    routes: { 'GET /leader': (_req, res) => void res.writeHead(200).end(`${leading()}\n`) },
    log,
  });
  const adminPort = await listen(admin, cfg.adminPort);
  log.info({ adminPort, namespace: cfg.namespace, leaderElection: cfg.leaderElection }, 'operator started');

  return {
    adminPort,
    webhookPort: webhook?.port,
    metrics,
    leading,
    async close() {
      ready = false;
      trigger.stop();
      await election?.stop();
      await caches.stop();
      webhook?.close();
      await new Promise<void>((resolve) => admin.close(() => resolve()));
    },
  };
}

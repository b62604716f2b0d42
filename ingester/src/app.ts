// Assembles an ingester from a config: receivers → pipeline → queue → sink, plus the admin server and
// config hot reload. The CLI (main.ts), the one-machine stack and tests all start ingesters this way.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { type Logger, pino } from 'pino';
import { deadLetterRoutes } from './admin/dead-letter.ts';
import { createAdminServer } from './admin/server.ts';
import { configFrom, parseConfig } from './config/load.ts';
import type { IngesterConfigDoc } from './config/schema.ts';
import { createDeadLetter } from './export/dead-letter.ts';
import { createOtlpGrpcSink } from './export/otlp-grpc-sink.ts';
import { createExportQueue } from './export/queue.ts';
import { discardSink, type SpanSink } from './export/sink.ts';
import { createBufferPool } from './memory/buffer-pool.ts';
import { createByteBudget } from './memory/byte-budget.ts';
import { containerMemoryLimit, fitBudget } from './memory/fit-budget.ts';
import { setHeapGrowth } from './memory/heap-growth.ts';
import { createMetrics } from './metrics.ts';
import { createPipeline } from './pipeline/pipeline.ts';
import { countLedgerTokens } from './pipeline/usage.ts';
import { limitConnections } from './receive/connections.ts';
import { createGrpcReceiver } from './receive/grpc.ts';
import { createHttpReceiver } from './receive/http.ts';
import { startRegistryWebhook } from './registry-webhook/deliverer.ts';
import { deliverRatings } from './registry-webhook/pipeline-hook.ts';
import { startDiscovery } from './route/discovery.ts';
import { createForwarder } from './route/forwarder.ts';
import { createRouteMetrics } from './route/metrics.ts';
import { readPeerSecret } from './route/peer-auth.ts';
import { createPeerServer } from './route/peer-server.ts';
import { createRouter } from './route/router.ts';
import { createTailMetrics } from './tail/metrics.ts';
import { openRescueStore, RESCUE_ENTRY_BYTES } from './tail/rescue-store.ts';
import { createTailSampler } from './tail/tail-sampler.ts';
import { buildRegistry, type TenantRegistry } from './tenants/registry.ts';
import { clientTls, peerCredentials } from './tls.ts';
import { openWal } from './wal/wal.ts';

export interface IngesterOptions {
  /** A config file, re-read when it changes. */
  configPath?: string;
  /** Or the config text itself (no reload). */
  configText?: string;
  /** Or the config document itself, as a program built it (no reload). */
  config?: unknown;
  /** Overrides the exporter from the config (the embedded store plugs in here). */
  sink?: SpanSink;
  logger?: Logger;
  /** Fill pooled buffers as they are returned, so that a read after release shows (tests). */
  poisonPooledBuffers?: boolean;
}

export interface Ingester {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly adminPort: number;
  readonly config: () => Readonly<IngesterConfigDoc>;
  /** The tenants in force (rebuilt on reload): the one-machine query API authenticates with it too. */
  readonly registry: () => TenantRegistry;
  /** Re-reads the config file; returns the errors when the new file was refused (old one kept). */
  reload(): string[];
  /** Stops accepting, flushes the queue within the grace period, closes everything. Returns spans left. */
  stop(): Promise<number>;
}

function listenHttp(server: HttpServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Pooled buffers: up to a request at the default maxRequestBytes; kept for reuse at most this. */
const POOLED_MAX_BYTES = 16 * 1024 * 1024;
const POOLED_KEEP_BYTES = 64 * 1024 * 1024;

export async function startIngester(opts: IngesterOptions): Promise<Ingester> {
  const log = opts.logger ?? pino({ name: 'ingester' });
  setHeapGrowth();
  const readText = () => opts.configText ?? (opts.configPath ? readFileSync(opts.configPath, 'utf8') : '');
  const first = opts.config !== undefined ? configFrom(opts.config) : parseConfig(readText());
  if (!first.ok) throw new Error(`invalid ingester config:\n  ${first.errors.join('\n  ')}`);
  let config = first.config;
  // Before anything is opened: a budget the container cannot hold would end in an OOM kill.
  const memoryLimit = containerMemoryLimit();
  const fitted = fitBudget(config.memory.maxBytes, memoryLimit);
  if (!fitted.ok) throw new Error(fitted.error);
  const budgetBytes = fitted.maxBytes;
  log.info({ budgetBytes, memoryLimit }, 'memory budget');
  const metrics = createMetrics({ maxLabelValues: () => config.metrics.maxLabelValues });
  // Request bodies and export requests are joined into reused buffers (memory/buffer-pool.ts).
  const pool = createBufferPool({
    maxBytes: POOLED_MAX_BYTES,
    keepBytes: Math.min(POOLED_KEEP_BYTES, Math.floor(budgetBytes / 4)),
    ...(opts.poisonPooledBuffers ? { poison: true } : {}),
  });
  metrics.pool.taken = () => pool.taken;
  metrics.pool.kept = () => pool.kept;
  metrics.configValid.set(1);
  let registry: TenantRegistry = buildRegistry(config, undefined, Date.now());
  let shuttingDown = false;

  const sink =
    opts.sink ??
    (config.exporter.kind === 'none'
      ? discardSink
      : createOtlpGrpcSink({
          endpoint: config.exporter.endpoint,
          timeoutMs: config.exporter.timeoutMs,
          tls: clientTls(config.exporter.insecure, config.exporter.tls),
          pool,
        }));
  const deadLetter = config.exporter.deadLetterDir
    ? createDeadLetter(config.exporter.deadLetterDir)
    : undefined;
  // Before anything is opened: a replica that cannot see its peers does not start.
  const discovery = config.cluster.discovery
    ? await startDiscovery(config.cluster.discovery, { log })
    : undefined;
  const wal = config.wal.dir ? await openWal(config.wal) : undefined;
  if (wal) metrics.wal.bytes = () => wal.bytes;
  for (const problem of wal?.problems ?? [])
    log.warn({ problem }, 'write-ahead log: a torn or damaged tail was cut');
  const budget = createByteBudget(budgetBytes, (used) => metrics.bufferedBytes.set(used));
  metrics.budgetBytes.set(budgetBytes);
  const queue = createExportQueue({
    sink,
    config: config.exporter,
    metrics,
    log,
    deadLetter,
    tenantCount: () => registry.tenants.size,
    wal,
    budget,
    pool,
  });
  // Dropped traces wait here for a late rating (tail.rescue.dir; none: late ratings are kept alone).
  const rescueCfg = config.tail.rescue;
  const rescue = rescueCfg.dir
    ? openRescueStore(rescueCfg, (delta) =>
        delta > 0 ? budget.take(delta * RESCUE_ENTRY_BYTES) : budget.release(-delta * RESCUE_ENTRY_BYTES),
      )
    : undefined;
  // Trace-complete sampling (policy mode trace): spans wait for their trace's decision here.
  const tail = createTailSampler({
    ...(rescue ? { rescue } : {}),
    queue,
    ...(wal ? { wal } : {}),
    budget,
    metrics,
    tailMetrics: createTailMetrics(metrics.registry),
    policyOf: (tenant) => registry.tenants.get(tenant)?.policy,
    settings: () => config.tail,
    log,
    countTokens: (tenant, counted) => countLedgerTokens(counted, tenant, metrics),
  });
  // What an earlier run acknowledged and storage had not yet taken goes out first; spans whose trace
  // was not decided yet (pending records) go back into the trace buffer.
  if (wal?.replayed.length) {
    let spans = 0;
    for (const r of wal.replayed) {
      if (r.pending) tail.replay(r.tenant, r.request, r.segment);
      else queue.replay(r.tenant, r.request, r.spans, r.segment);
      spans += r.spans;
    }
    metrics.walReplayedSpans.inc(spans);
    log.info({ spans, records: wal.replayed.length }, 'write-ahead log replayed');
  }
  // With peers, each trace is buffered and decided by the replica that owns it (ingester/src/route):
  // from the peer list in config, or in a cluster the replicas the headless Service's EndpointSlices
  // list (read at start; the list itself is followed).
  const selfId = config.cluster.selfId || process.env.POD_NAME || hostname();
  const clusterNow = () =>
    discovery ? { ...config.cluster, selfId, peers: discovery.peers() } : config.cluster;
  const peerSecret =
    config.cluster.peers.length || discovery ? readPeerSecret(config.cluster.secretFile) : undefined;
  const routeMetrics = peerSecret ? createRouteMetrics(metrics.registry) : undefined;
  const peerTls = peerSecret ? peerCredentials(config.cluster.tls) : undefined;
  const forwarder =
    peerSecret && routeMetrics && peerTls
      ? createForwarder({
          settings: () => config.cluster,
          secret: peerSecret.value,
          tls: peerTls.client,
          metrics: routeMetrics,
        })
      : undefined;
  const router = forwarder ? createRouter({ cluster: clusterNow, forwarder }) : undefined;
  const showPeers = () => {
    const c = clusterNow();
    routeMetrics?.peers.reset();
    routeMetrics?.peers.set({ self: c.peers.some((p) => p.id === c.selfId) ? '1' : '0' }, c.peers.length);
  };
  showPeers();
  discovery?.onChange(showPeers);
  // When the peer list changes, buffered traces another replica owns now move to it, whole.
  // And once per change of the peer list, the decisions held for traces others own now go to them, so
  // late spans there follow what was decided here (best effort: a lost hand-over only means those
  // late spans are decided on their own, as before).
  /** The periodic hand-off under way, if any. */
  let handingOff: Promise<void> | undefined;
  let decisionsFor: unknown = clusterNow().peers;
  const handDecisions = async () => {
    const peers = clusterNow().peers;
    if (!router || peers === decisionsFor) return;
    decisionsFor = peers;
    await handDecisionsTo(router.ownerOf);
  };
  const handDecisionsTo = async (ownerOf: NonNullable<typeof router>['ownerOf']) => {
    if (!forwarder || !routeMetrics) return;
    for (const { peer, items } of tail.decisionsOwnedElsewhere(ownerOf).values())
      await forwarder.handDecisions(peer, items).then(
        () => routeMetrics.decisionsHanded.inc({ result: 'ok' }, items.length),
        (err: Error) => {
          routeMetrics.decisionsHanded.inc({ result: 'failed' }, items.length);
          log.warn(
            { peer: peer.id, decisions: items.length, err: err.message },
            'handing decisions over failed',
          );
        },
      );
  };
  const handOff = () => {
    if (!router || !forwarder || handingOff || shuttingDown) return;
    handingOff = tail
      .handOff(router.ownerOf, forwarder.forward)
      .then(handDecisions)
      .catch((err) => log.error({ err }, 'handing buffered traces to their owners failed; retried'))
      .finally(() => {
        handingOff = undefined;
      });
  };
  const handOffTimer = router ? setInterval(handOff, 1000) : undefined;
  handOffTimer?.unref();
  /**
   * Leaving the peers (shutting down): the buffered traces go to the replicas that own them without
   * this one (each arrives durable there and is decided whole, with its later spans), then the
   * decisions (late spans there follow them). What is not handed over by the deadline is decided here.
   */
  const leavePeers = async (deadline: number) => {
    if (!router || !forwarder) return;
    const work = (async () => {
      await handingOff;
      const spans = await tail.handOff(router.successorOf, forwarder.forward);
      await handDecisionsTo(router.successorOf);
      if (spans) log.info({ spans }, 'leaving the peers: buffered traces handed to their next owners');
    })().catch((err: Error) => log.warn({ err: err.message }, 'leaving the peers: hand-over failed'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      work,
      new Promise<void>((r) => {
        timer = setTimeout(r, Math.max(0, deadline - Date.now()));
      }),
    ]);
    clearTimeout(timer);
  };
  // Ratings also go to the tenant's prompt registry, as signed webhooks from a durable outbox.
  let targets = { of: config.tenants, map: new Map(config.tenants.map((t) => [t.id, t.promptRegistry])) };
  const registryOf = (tenant: string) => {
    if (targets.of !== config.tenants)
      targets = { of: config.tenants, map: new Map(config.tenants.map((t) => [t.id, t.promptRegistry])) };
    return targets.map.get(tenant);
  };
  const promptRegistry = startRegistryWebhook({
    settings: {
      ...config.promptRegistry,
      initialMs: config.promptRegistry.initialBackoffMs,
      maxMs: config.promptRegistry.maxBackoffMs,
    },
    targetOf: registryOf,
    metrics,
    log,
    budget,
  });
  const pipeline = deliverRatings(
    createPipeline({ queue, metrics, wal, tail, ...(router ? { router } : {}) }),
    promptRegistry,
    (tenant) => registryOf(tenant) !== undefined,
  );
  const peerServer =
    peerSecret && routeMetrics
      ? createPeerServer({
          secret: peerSecret,
          registry: () => registry,
          pipeline,
          budget,
          metrics: routeMetrics,
          log,
          maxReceiveBytes: 64 * 1024 * 1024,
          isShuttingDown: () => shuttingDown,
          ...(peerTls ? { credentials: peerTls.server } : {}),
          onDecisions: (items) => tail.adoptDecisions(items),
        })
      : undefined;
  const receiverDeps = {
    registry: () => registry,
    pipeline,
    metrics,
    log,
    isShuttingDown: () => shuttingDown,
    budget,
    pool,
  };

  const http = createHttpReceiver(receiverDeps, config.listen);
  const grpc = createGrpcReceiver({
    ...receiverDeps,
    limits: config.listen,
    ...(config.listen.tls ? { tls: config.listen.tls } : {}),
  });
  const admin = createAdminServer({
    registry: metrics.registry,
    ready: () => !shuttingDown,
    tokenSha256: () => config.admin.tokenSha256,
    routes: deadLetterRoutes(deadLetter, queue),
    log,
  });

  const { host } = config.listen;
  const grpcPort = await grpc.listen(host, config.listen.grpcPort);
  limitConnections(admin, config.listen); // internal, but it must not be starved either
  const httpPort = await listenHttp(http, host, config.listen.httpPort);
  const adminPort = await listenHttp(admin, host, config.listen.adminPort);
  const peerPort = peerServer ? await peerServer.listen(host, config.cluster.port) : undefined;
  log.info(
    {
      grpcPort,
      httpPort,
      adminPort,
      peerPort,
      tenants: config.tenants.length,
      singleTenant: registry.singleTenant,
    },
    'ingester listening',
  );

  const reload = (): string[] => {
    const next = parseConfig(readText());
    if (!next.ok) {
      metrics.configReloads.inc({ result: 'invalid' });
      metrics.configValid.set(0);
      log.error({ errors: next.errors }, 'config file refused; the previous config stays in force');
      return next.errors;
    }
    if (
      JSON.stringify(next.config.listen) !== JSON.stringify(config.listen) ||
      JSON.stringify(next.config.exporter) !== JSON.stringify(config.exporter)
    ) {
      log.warn(
        'listen and exporter settings change only on restart; tenants, limits and sampling were reloaded',
      );
    }
    registry = buildRegistry(next.config, registry, Date.now());
    config = next.config;
    metrics.configReloads.inc({ result: 'ok' });
    metrics.configValid.set(1);
    showPeers(); // a static peer list comes with the config
    log.info({ tenants: config.tenants.length }, 'config reloaded');
    return [];
  };
  if (opts.configPath && opts.configText === undefined && opts.config === undefined) {
    // Polling stat follows the symlink swap Kubernetes uses to update a mounted ConfigMap.
    watchFile(opts.configPath, { interval: 500 }, (cur, prev) => {
      if (cur.mtimeMs !== prev.mtimeMs || cur.ino !== prev.ino || cur.size !== prev.size) reload();
    });
  }

  return {
    grpcPort,
    httpPort,
    adminPort,
    config: () => config,
    registry: () => registry,
    reload,
    async stop() {
      shuttingDown = true;
      if (opts.configPath) unwatchFile(opts.configPath);
      const grace = Date.now() + config.shutdownGraceMs;
      await grpc.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      // Peers are refused from here on (SHUTTING_DOWN: they tell their clients to retry).
      await peerServer?.close();
      if (handOffTimer) clearInterval(handOffTimer);
      // Half the grace period at most, so what stays is still decided and queued here in time.
      await leavePeers(Date.now() + (grace - Date.now()) / 2);
      router?.close();
      discovery?.close();
      http.closeIdleConnections();
      // Buffered traces are decided now and kept ones join the queue, log or not: a log on a pod's
      // emptyDir does not outlive the pod (a rolling update, a drain), so leaving them for the next
      // start would lose spans already acknowledged. A crash (no shutdown) still replays them.
      const notQueued = await tail.close(true, grace);
      const left = notQueued + (await queue.drain(grace));
      if (left > 0 && !wal) log.error({ spans: left }, 'spans not delivered before the shutdown deadline');
      await sink.close();
      await promptRegistry.close();
      await wal?.close();
      await new Promise<void>((resolve) => admin.close(() => resolve()));
      log.info({ undelivered: left }, 'ingester stopped');
      return left;
    },
  };
}

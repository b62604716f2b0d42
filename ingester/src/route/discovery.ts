// Peer discovery in a cluster: watch the headless Service's EndpointSlices (list + watch through
// client-node's informer, which relists on 410 Gone) and hand the ready replicas to the router as
// the peer list. Loaded only when cluster.discovery is set, so the client library costs nothing
// to an ingester run from a peer list or alone.
import type { V1EndpointSlice } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ClusterConfig, Peer } from '../config/schema.ts';
import { peersFromSlices, samePeers } from './endpoint-slices.ts';

export interface Discovery {
  /** The ready replicas now (a new array each time they change, so the router rebuilds its ring). */
  peers(): Peer[];
  /** Called after each change of the list. */
  onChange(listener: (peers: Peer[]) => void): void;
  close(): void;
}

type DiscoverySettings = NonNullable<ClusterConfig['discovery']>;

/**
 * Starts watching; resolves once the first complete list is in (so routing starts from the real
 * replica set), rejects if that list cannot be taken within `firstListMs`.
 */
export async function startDiscovery(
  settings: DiscoverySettings,
  deps: { log: Logger; firstListMs?: number },
): Promise<Discovery> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (settings.kubeconfig) kc.loadFromFile(settings.kubeconfig);
  else kc.loadFromCluster();
  const api = kc.makeApiClient(k8s.DiscoveryV1Api);
  const labelSelector = `kubernetes.io/service-name=${settings.service}`;
  const informer = k8s.makeInformer<V1EndpointSlice>(
    kc,
    `/apis/discovery.k8s.io/v1/namespaces/${settings.namespace}/endpointslices`,
    () => api.listNamespacedEndpointSlice({ namespace: settings.namespace, labelSelector }),
    labelSelector,
  );
  let peers: Peer[] = [];
  let stopped = false;
  const listeners: ((peers: Peer[]) => void)[] = [];
  const refresh = () => {
    const next = peersFromSlices(informer.list(settings.namespace), settings.portName);
    if (samePeers(peers, next)) return;
    peers = next;
    deps.log.info({ peers: next.map((p) => p.id) }, 'ingester replicas changed');
    for (const l of listeners) l(next);
  };
  for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, refresh);
  informer.on('error', (err) => {
    if (stopped) return;
    // The peer list in force stays until the watch is back: routing goes on with what it knew.
    deps.log.warn({ err: String(err) }, 'watching ingester replicas failed; restarting in 2 s');
    setTimeout(() => {
      if (!stopped) informer.start().catch(() => {});
    }, 2000).unref();
  });
  const firstListMs = deps.firstListMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      informer.start(),
      new Promise((_, fail) => {
        timer = setTimeout(
          () =>
            fail(
              new Error(
                `cluster.discovery: no list of EndpointSlices for Service ${settings.namespace}/${settings.service} within ${firstListMs} ms`,
              ),
            ),
          firstListMs,
        );
      }),
    ]);
  } catch (err) {
    stopped = true;
    await informer.stop().catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
  refresh();
  return {
    peers: () => peers,
    onChange: (listener) => listeners.push(listener),
    close() {
      stopped = true;
      informer.stop().catch(() => {});
    },
  };
}

// Caches of TraceTenants, SamplingPolicies and the operator's token Secrets, kept current by
// list + watch (client-node's informer relists on 410 Gone). When a watch fails for good the informer
// is restarted after a backoff. Every change calls `onChange`, which only marks work to do.
//
// startInformers resolves only once every cache holds a complete list: the watches start (and after
// an error such as the API server's 429, restart) independently, and a reconcile run while one cache
// is still empty would see, say, tenants without their policies and report a false PolicyNotFound.
import {
  CoreV1Api,
  CustomObjectsApi,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  type ObjectCache,
  type V1Namespace,
  type V1Secret,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP, PLURAL, VERSION } from '../api/crds.ts';
import type { SamplingPolicy, TraceTenant } from '../api/types.generated.ts';
import { TOKEN_LABEL } from '../naming.ts';

export interface Caches {
  tenants: ObjectCache<TraceTenant & KubernetesObject>;
  policies: ObjectCache<SamplingPolicy & KubernetesObject>;
  secrets: ObjectCache<V1Secret>;
  namespaces: ObjectCache<V1Namespace>;
  /** True once every cache has been filled by a complete list (it stays so across relists). */
  synced(): boolean;
  stop(): Promise<void>;
}

/** `list`, noting when a complete list has been taken into the cache (after the informer stored it). */
function noteSynced<T>(list: () => Promise<T>, onSynced: () => void): () => Promise<T> {
  return async () => {
    const result = await list();
    // The informer adds the items right after this promise settles, in the same turn: mark it then.
    setImmediate(onSynced);
    return result;
  };
}

/** Written by kubectl apply (client side): a full copy of the object, never read by the operator. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops from a cached object what the operator never reads and what is most of its size: the
 * managedFields of every field manager (and kubectl's last-applied copy). The cache holds the very
 * object the informer hands to its callbacks, so this runs in place, before anything else sees it.
 * At 10,000 tenants this is most of the caches' memory.
 */
export function slim(obj: KubernetesObject): void {
  const meta = obj.metadata;
  if (!meta) return;
  delete meta.managedFields;
  if (meta.annotations?.[LAST_APPLIED] !== undefined) delete meta.annotations[LAST_APPLIED];
}

function watchForever<T extends KubernetesObject>(
  name: string,
  informer: Informer<T>,
  onChange: () => void,
  log: Logger,
): Informer<T> {
  // Registered first: the informer calls back in order of registration.
  informer.on('add', slim);
  informer.on('update', slim);
  for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, onChange);
  let stopped = false;
  let delay = 1000;
  informer.on('error', (err) => {
    if (stopped) return;
    log.warn({ informer: name, err: String(err), retryInMs: delay }, 'watch failed; restarting');
    setTimeout(() => {
      if (!stopped) informer.start().catch(() => {});
    }, delay).unref();
    delay = Math.min(delay * 2, 30_000);
  });
  informer.on('connect', () => {
    delay = 1000;
  });
  const stop = informer.stop.bind(informer);
  informer.stop = async () => {
    stopped = true;
    await stop();
  };
  return informer;
}

export async function startInformers(kc: KubeConfig, onChange: () => void, log: Logger): Promise<Caches> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const pending = new Set<string>();
  let done = false;
  let allSynced: () => void = () => {};
  const synced = new Promise<void>((resolve) => {
    allSynced = resolve;
  });
  const listed =
    <T>(name: string, list: () => Promise<T>) =>
    () => {
      pending.add(name);
      return noteSynced(list, () => {
        if (!pending.delete(name) || pending.size || done) return;
        done = true;
        allSynced();
        onChange();
      })();
    };
  for (const name of [PLURAL.TraceTenant, PLURAL.SamplingPolicy, 'secrets', 'namespaces']) pending.add(name);

  const customInformer = (plural: string) =>
    makeInformer(
      kc,
      `/apis/${GROUP}/${VERSION}/${plural}`,
      listed(
        plural,
        () =>
          custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural }) as Promise<
            KubernetesListObject<never>
          >,
      ),
    );
  const tenants = customInformer(PLURAL.TraceTenant);
  const policies = customInformer(PLURAL.SamplingPolicy);
  const secrets = makeInformer(
    kc,
    '/api/v1/secrets',
    listed('secrets', () => core.listSecretForAllNamespaces({ labelSelector: TOKEN_LABEL })),
    TOKEN_LABEL,
  );
  // Namespaces: their labels route pods to tenants and decide where token copies must exist.
  const namespaces = makeInformer(
    kc,
    '/api/v1/namespaces',
    listed('namespaces', () => core.listNamespace()),
  );
  const all = [
    watchForever(PLURAL.TraceTenant, tenants, onChange, log),
    watchForever(PLURAL.SamplingPolicy, policies, onChange, log),
    watchForever('secrets', secrets, onChange, log),
    watchForever('namespaces', namespaces, onChange, log),
  ];
  await Promise.all(all.map((i) => i.start()));
  await synced; // a list that failed (e.g. 429) is retried by watchForever; wait for all of them
  return {
    tenants: tenants as unknown as Caches['tenants'],
    policies: policies as unknown as Caches['policies'],
    secrets,
    namespaces,
    synced: () => done,
    async stop() {
      await Promise.all(all.map((i) => i.stop()));
    },
  };
}

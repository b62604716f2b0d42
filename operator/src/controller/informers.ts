// Caches of TraceTenants, SamplingPolicies and the operator's token Secrets, kept current by
// list + watch (client-node's informer relists on 410 Gone). When a watch fails for good the informer
// is restarted after a backoff. Every change calls `onChange`, which only marks work to do.
//
// startInformers resolves only once every cache holds a complete list: the watches start (and after
// an error such as the API server's 429, restart) independently, and a reconcile run while one cache
// is still empty would see, say, tenants without their policies and report a false PolicyNotFound.
import {
  type Informer,
  type KubeConfig,
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
import { listPaged } from './paged-list.ts';

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
 * The metadata is replaced by a copy rather than trimmed with `delete`: V8 turns an object that
 * loses a property into a hash table (a heap snapshot at 10,000 tenants held 11.6 MiB of them).
 */
export function slim(obj: KubernetesObject): void {
  const meta = obj.metadata;
  if (!meta || (meta.managedFields === undefined && meta.annotations?.[LAST_APPLIED] === undefined)) return;
  const { managedFields: _, annotations, ...kept } = meta;
  if (annotations) {
    const { [LAST_APPLIED]: __, ...rest } = annotations;
    obj.metadata = { ...kept, annotations: rest };
  } else obj.metadata = kept;
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

  const informer = <T extends KubernetesObject>(name: string, path: string, labelSelector?: string) =>
    makeInformer<T>(
      kc,
      path,
      listed(name, () => listPaged<T>(kc, path, { labelSelector, each: slim })),
      labelSelector,
    );
  const customPath = (plural: string) => `/apis/${GROUP}/${VERSION}/${plural}`;
  const tenants = informer<TraceTenant & KubernetesObject>(
    PLURAL.TraceTenant,
    customPath(PLURAL.TraceTenant),
  );
  const policies = informer<SamplingPolicy & KubernetesObject>(
    PLURAL.SamplingPolicy,
    customPath(PLURAL.SamplingPolicy),
  );
  const secrets = informer<V1Secret>('secrets', '/api/v1/secrets', TOKEN_LABEL);
  // Namespaces: their labels route pods to tenants and decide where token copies must exist.
  const namespaces = informer<V1Namespace>('namespaces', '/api/v1/namespaces');
  const all = [
    watchForever(PLURAL.TraceTenant, tenants, onChange, log),
    watchForever(PLURAL.SamplingPolicy, policies, onChange, log),
    watchForever('secrets', secrets, onChange, log),
    watchForever('namespaces', namespaces, onChange, log),
  ];
  await Promise.all(all.map((i) => i.start()));
  await synced; // a list that failed (e.g. 429) is retried by watchForever; wait for all of them
  return {
    tenants,
    policies,
    secrets,
    namespaces,
    synced: () => done,
    async stop() {
      await Promise.all(all.map((i) => i.stop()));
    },
  };
}

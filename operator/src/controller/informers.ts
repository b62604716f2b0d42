// Caches of TraceTenants, SamplingPolicies and the operator's token Secrets, kept current by
// list + watch (client-node's informer relists on 410 Gone). When a watch fails for good the informer
// is restarted after a backoff. Every change calls `onChange`, which only marks work to do.
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
import { TOKEN_LABEL } from '../manifests/token-secret.ts';

export interface Caches {
  tenants: ObjectCache<TraceTenant & KubernetesObject>;
  policies: ObjectCache<SamplingPolicy & KubernetesObject>;
  secrets: ObjectCache<V1Secret>;
  namespaces: ObjectCache<V1Namespace>;
  stop(): Promise<void>;
}

function watchForever<T extends KubernetesObject>(
  name: string,
  informer: Informer<T>,
  onChange: () => void,
  log: Logger,
): Informer<T> {
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
  const listCustom = (plural: string) => () =>
    custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural }) as Promise<
      KubernetesListObject<never>
    >;

  const customInformer = (plural: string) =>
    makeInformer(kc, `/apis/${GROUP}/${VERSION}/${plural}`, listCustom(plural));
  const tenants = customInformer(PLURAL.TraceTenant);
  const policies = customInformer(PLURAL.SamplingPolicy);
  const secrets = makeInformer(
    kc,
    '/api/v1/secrets',
    () => core.listSecretForAllNamespaces({ labelSelector: TOKEN_LABEL }),
    TOKEN_LABEL,
  );
  // Namespaces: their labels route pods to tenants and decide where token copies must exist.
  const namespaces = makeInformer(kc, '/api/v1/namespaces', () => core.listNamespace());
  const all = [
    watchForever(PLURAL.TraceTenant, tenants, onChange, log),
    watchForever(PLURAL.SamplingPolicy, policies, onChange, log),
    watchForever('secrets', secrets, onChange, log),
    watchForever('namespaces', namespaces, onChange, log),
  ];
  await Promise.all(all.map((i) => i.start()));
  return {
    tenants: tenants as unknown as Caches['tenants'],
    policies: policies as unknown as Caches['policies'],
    secrets,
    namespaces,
    async stop() {
      await Promise.all(all.map((i) => i.stop()));
    },
  };
}

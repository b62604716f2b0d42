// Pod roll on injected-config change. The webhook wires a pod once, when it is admitted: the ingester
// endpoint, the tenant id and a reference to the token Secret (resolved by the kubelet when the
// container starts). A token rotation, a new tenant id or a new endpoint therefore reaches running pods
// only when they are recreated. Deployments that opt in with the annotation
// `trace.koder.dev/roll-on-change: "true"` are rolled for it: the digest of what their pods would be
// given now is stamped on the pod template, and the Deployment controller does a normal rolling update
// (new ReplicaSet, maxUnavailable/maxSurge honoured). Everything else is never touched.
//
// The digest last seen is kept on the Deployment itself (annotation trace.koder.dev/injected-config),
// so a restarted operator knows what the pods have. A Deployment opting in without it is compared with
// the wiring of the previous run (its pods got that), else just recorded: opting in alone never rolls.
// Deployments are listed only for the namespaces whose wiring changed since the last run (all of them,
// once, on the first run), so a resync or an unrelated change costs no request.
import { createHash } from 'node:crypto';
import {
  AppsV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1Namespace,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { TraceTenant } from '../api/types.generated.ts';
import { routesForNamespace, tenantForPod } from '../routing.ts';

/** On a Deployment: "true" rolls it when the config injected into its pods changes. */
export const ROLL_ANNOTATION = 'trace.koder.dev/roll-on-change';
/** The digest of the injected config, on the Deployment (last seen) and its pod template (rolled for). */
export const INJECTED_CONFIG_ANNOTATION = 'trace.koder.dev/injected-config';

/** What decides the config injected into pods: the caches' tenants and namespaces, and the tokens. */
export interface Wiring {
  tenants: readonly TraceTenant[];
  namespaces: readonly V1Namespace[];
  /** A tenant's token as the reconciler read it (undefined: not known in this run). */
  tokenOf: (tenant: TraceTenant) => string | undefined;
}

const hash = (text: string, length: number) =>
  createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length);
const keyOf = (tt: TraceTenant) => `${tt.metadata?.namespace ?? 'default'}/${tt.metadata?.name ?? ''}`;

const labelsOf = (w: Wiring, name: string) =>
  w.namespaces.find((n) => n.metadata?.name === name)?.metadata?.labels ?? {};

/**
 * The digest of what the webhook would inject into a pod of this Deployment now: "none" when it would
 * wire nothing, undefined when the tenant's token is not known (nothing is decided on a gap).
 */
export function injectedConfigDigest(
  deployment: V1Deployment,
  w: Wiring,
  ingesterEndpoint: string,
): string | undefined {
  const namespace = deployment.metadata?.namespace ?? 'default';
  const pod = { metadata: deployment.spec?.template?.metadata ?? {} };
  const tt = tenantForPod(pod, { name: namespace, labels: labelsOf(w, namespace) }, w.tenants);
  if (!tt) return 'none';
  const token = w.tokenOf(tt);
  if (token === undefined) return undefined;
  const tenantId = tt.spec?.tenantId ?? tt.metadata?.name ?? '';
  // The tenant (by namespace/name) decides which Secret the pod reads; its id and token what it sends.
  return hash(JSON.stringify([ingesterEndpoint, keyOf(tt), tenantId, hash(token, 64)]), 16);
}

/** Per namespace, everything its pods' wiring depends on (to find the namespaces that changed). */
export function namespaceWiring(w: Wiring, ingesterEndpoint: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const ns of w.namespaces) {
    const name = ns.metadata?.name ?? '';
    const routes = routesForNamespace({ name, labels: ns.metadata?.labels ?? {} }, w.tenants);
    if (routes.length === 0) continue;
    const parts = routes.map((r) => [
      keyOf(r.tenant),
      r.tenant.spec?.tenantId ?? '',
      r.podSelector,
      hash(w.tokenOf(r.tenant) ?? '', 64),
    ]);
    out.set(name, hash(JSON.stringify([ingesterEndpoint, parts]), 32));
  }
  return out;
}

/** The namespaces whose wiring differs between two runs (wired in either). */
export function changedNamespaces(before: Map<string, string>, now: Map<string, string>): Set<string> {
  const out = new Set<string>();
  for (const [ns, v] of now) if (before.get(ns) !== v) out.add(ns);
  for (const ns of before.keys()) if (!now.has(ns)) out.add(ns);
  return out;
}

/**
 * The merge patch for one Deployment, or undefined to leave it. `now` is its digest under the current
 * wiring; `previous` under the last run's (undefined on the first run). With the template's
 * annotation changed the Deployment controller rolls the pods; with only the Deployment's it does not.
 */
export function rolloutPatch(
  deployment: V1Deployment,
  now: string | undefined,
  previous: string | undefined,
): { patch: object; rolls: boolean } | undefined {
  if (deployment.metadata?.annotations?.[ROLL_ANNOTATION] !== 'true' || now === undefined) return undefined;
  const seen = deployment.metadata?.annotations?.[INJECTED_CONFIG_ANNOTATION] ?? previous;
  if (seen === now) {
    // Unchanged, but not recorded yet: record it (no roll).
    if (deployment.metadata?.annotations?.[INJECTED_CONFIG_ANNOTATION] === now) return undefined;
    return { patch: { metadata: { annotations: { [INJECTED_CONFIG_ANNOTATION]: now } } }, rolls: false };
  }
  const record = { metadata: { annotations: { [INJECTED_CONFIG_ANNOTATION]: now } } };
  if (seen === undefined) return { patch: record, rolls: false }; // opted in before we knew: record only
  return {
    patch: {
      ...record,
      spec: { template: { metadata: { annotations: { [INJECTED_CONFIG_ANNOTATION]: now } } } },
    },
    rolls: true,
  };
}

/** The Deployments API the rollout uses (the real one in createRollout; a fake in unit tests). */
export interface DeploymentsApi {
  list(namespace?: string): Promise<V1Deployment[]>;
  patch(namespace: string, name: string, patch: object): Promise<void>;
}

export function deploymentsApi(kc: KubeConfig, fieldManager: string): DeploymentsApi {
  const apps = kc.makeApiClient(AppsV1Api);
  return {
    async list(namespace) {
      const r = namespace
        ? await apps.listNamespacedDeployment({ namespace })
        : await apps.listDeploymentForAllNamespaces({});
      return r.items;
    },
    async patch(namespace, name, body) {
      await apps.patchNamespacedDeployment(
        { namespace, name, body, fieldManager },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    },
  };
}

/**
 * The rollout step: called by every reconcile run with the wiring it computed; returns the Deployments
 * patched. Throws (after trying every Deployment) when some could not be listed or patched; the state
 * of the last run is then kept, so the retry looks at the same namespaces again.
 */
export function createRollout(opts: {
  api: DeploymentsApi;
  ingesterEndpoint: string;
  log: Logger;
  /** Checked before each write: a replica that is not the leader patches nothing. */
  canWrite: () => boolean;
}): (w: Wiring) => Promise<number> {
  let last: { wiring: Wiring; byNamespace: Map<string, string> } | undefined;
  return async (w) => {
    const byNamespace = namespaceWiring(w, opts.ingesterEndpoint);
    const changed = last ? changedNamespaces(last.byNamespace, byNamespace) : undefined;
    if (changed?.size === 0) return 0;
    const lists = changed
      ? (await Promise.all([...changed].map((ns) => opts.api.list(ns)))).flat()
      : await opts.api.list();
    let patched = 0;
    const errors: string[] = [];
    for (const d of lists) {
      const now = injectedConfigDigest(d, w, opts.ingesterEndpoint);
      const previous = last ? injectedConfigDigest(d, last.wiring, opts.ingesterEndpoint) : undefined;
      const change = rolloutPatch(d, now, previous);
      if (!change) continue;
      const ns = d.metadata?.namespace ?? 'default';
      const name = d.metadata?.name ?? '';
      if (!opts.canWrite()) {
        errors.push(`${ns}/${name}: not the leader`);
        continue;
      }
      try {
        await opts.api.patch(ns, name, change.patch);
        patched++;
        if (change.rolls)
          opts.log.info(
            { deployment: `${ns}/${name}`, injectedConfig: now },
            'injected config changed: rolling',
          );
      } catch (err) {
        errors.push(`${ns}/${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (errors.length) throw new Error(`rollout: ${errors.slice(0, 3).join('; ')}`);
    last = { wiring: w, byNamespace };
    return patched;
  };
}

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
// once, on the first run), so a resync or an unrelated change costs no request. A Deployment rolled
// (or found rolled on the first run) is then watched until its pods are all of the new template, and
// rolled again if some were wired otherwise (rollout-check.ts).
import { createHash } from 'node:crypto';
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1Namespace,
  type V1Pod,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { TraceTenant } from '../api/types.generated.ts';
import { INJECTED_CONFIG_ANNOTATION } from '../naming.ts';
import { routesForNamespace, tenantForPod } from '../routing.ts';
import {
  type ExpectedWiring,
  MAX_REWIRES,
  misWiredPods,
  REWIRED_ANNOTATION,
  rewirePatch,
  rolledOut,
  selectorOf,
} from './rollout-check.ts';

/** On a Deployment: "true" rolls it when the config injected into its pods changes. */
export const ROLL_ANNOTATION = 'trace.koder.dev/roll-on-change';
export { INJECTED_CONFIG_ANNOTATION };

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
  const tt = templateTenant(deployment, w);
  if (!tt) return 'none';
  const token = w.tokenOf(tt);
  if (token === undefined) return undefined;
  const tenantId = tt.spec?.tenantId ?? tt.metadata?.name ?? '';
  // The tenant (by namespace/name) decides which Secret the pod reads; its id and token what it sends.
  return hash(JSON.stringify([ingesterEndpoint, keyOf(tt), tenantId, hash(token, 64)]), 16);
}

/** The tenant the webhook would wire a pod of this Deployment to now, if any. */
function templateTenant(deployment: V1Deployment, w: Wiring): TraceTenant | undefined {
  const namespace = deployment.metadata?.namespace ?? 'default';
  const pod = { metadata: deployment.spec?.template?.metadata ?? {} };
  return tenantForPod(pod, { name: namespace, labels: labelsOf(w, namespace) }, w.tenants);
}

/** What the pods of the Deployment's current template should have been given. */
function expectedWiring(d: V1Deployment, digest: string, w: Wiring, endpoint: string): ExpectedWiring {
  const tt = templateTenant(d, w);
  return {
    digest,
    rewired: d.spec?.template?.metadata?.annotations?.[REWIRED_ANNOTATION] ?? '',
    endpoint,
    tenantId: tt ? (tt.spec?.tenantId ?? tt.metadata?.name) : undefined,
  };
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
  /** The pods a label selector matches in the namespace. */
  pods(namespace: string, labelSelector: string): Promise<V1Pod[]>;
}

export function deploymentsApi(kc: KubeConfig, fieldManager: string): DeploymentsApi {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  return {
    async pods(namespace, labelSelector) {
      return (await core.listNamespacedPod({ namespace, labelSelector })).items;
    },
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

/** How often a rolled Deployment's pods are checked until they are all of its new template. */
const CHECK_EVERY_MS = 5000;
/** How long a rolled Deployment is watched at most. */
const WATCH_FOR_MS = 10 * 60_000;

interface Watched {
  namespace: string;
  name: string;
  /** The template digest it was rolled for. */
  digest: string;
  rewires: number;
  until: number;
}

/**
 * The rollout step: called by every reconcile run with the wiring it computed; returns the Deployments
 * patched. Throws (after trying every Deployment) when some could not be listed or patched; the state
 * of the last run is then kept, so the retry looks at the same namespaces again. While rolled
 * Deployments are being watched it asks for another run (`recheck`) every few seconds.
 */
export function createRollout(opts: {
  api: DeploymentsApi;
  ingesterEndpoint: string;
  log: Logger;
  /** Checked before each write: a replica that is not the leader patches nothing. */
  canWrite: () => boolean;
  /** Asks for another reconcile run (the next check of rolled Deployments). */
  recheck?: () => void;
}): (w: Wiring) => Promise<number> {
  const now = Date.now;
  let last: { wiring: Wiring; byNamespace: Map<string, string> } | undefined;
  const watched = new Map<string, Watched>();
  let checkTimer: NodeJS.Timeout | undefined;

  const watch = (d: V1Deployment, digest: string) => {
    const namespace = d.metadata?.namespace ?? 'default';
    const name = d.metadata?.name ?? '';
    const key = `${namespace}/${name}`;
    const prior = watched.get(key);
    watched.set(key, {
      namespace,
      name,
      digest,
      rewires: prior?.digest === digest ? prior.rewires : 0,
      until: now() + WATCH_FOR_MS,
    });
  };

  /** Rolls once more each watched Deployment whose new pods were wired otherwise; forgets finished ones. */
  async function check(w: Wiring, errors: string[], justRolled: Set<string>): Promise<number> {
    let patched = 0;
    const byNamespace = new Map<string, Promise<V1Deployment[]>>();
    for (const [key, e] of watched) {
      if (justRolled.has(key)) continue; // its new pods are not made yet
      if (now() > e.until) {
        watched.delete(key);
        continue;
      }
      try {
        if (!byNamespace.has(e.namespace)) byNamespace.set(e.namespace, opts.api.list(e.namespace));
        const d = (await byNamespace.get(e.namespace))?.find((x) => x.metadata?.name === e.name);
        const digest = d?.spec?.template?.metadata?.annotations?.[INJECTED_CONFIG_ANNOTATION];
        if (!d || digest === undefined || d.metadata?.annotations?.[ROLL_ANNOTATION] !== 'true') {
          watched.delete(key);
          continue;
        }
        if (digest !== e.digest) watch(d, digest); // rolled again since, for a newer wiring
        const pods = await opts.api.pods(e.namespace, selectorOf(d));
        const expected = expectedWiring(d, digest, w, opts.ingesterEndpoint);
        const wrong = misWiredPods(pods, expected);
        if (wrong.length === 0) {
          if (rolledOut(pods, expected)) watched.delete(key);
          continue;
        }
        const entry = watched.get(key) as Watched;
        if (entry.rewires >= MAX_REWIRES) {
          opts.log.warn(
            { deployment: key, pods: wrong.map((p) => p.metadata?.name) },
            `pods still wired otherwise after ${MAX_REWIRES} re-rolls: giving up (an operator replica of another configuration still answers the webhook?)`,
          );
          watched.delete(key);
          continue;
        }
        if (!opts.canWrite()) {
          errors.push(`${key}: not the leader`);
          continue;
        }
        const { patch, count } = rewirePatch(d);
        await opts.api.patch(e.namespace, e.name, patch);
        entry.rewires++;
        patched++;
        opts.log.info(
          { deployment: key, pods: wrong.map((p) => p.metadata?.name), rewired: count },
          'rolled pods were wired otherwise (an outdated webhook answered): rolling again',
        );
      } catch (err) {
        errors.push(`${key}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return patched;
  }

  const scheduleCheck = () => {
    if (watched.size === 0 || checkTimer || !opts.recheck) return;
    checkTimer = setTimeout(() => {
      checkTimer = undefined;
      opts.recheck?.();
    }, CHECK_EVERY_MS);
    checkTimer.unref();
  };

  return async (w) => {
    const byNamespace = namespaceWiring(w, opts.ingesterEndpoint);
    const changed = last ? changedNamespaces(last.byNamespace, byNamespace) : undefined;
    let patched = 0;
    const errors: string[] = [];
    const justRolled = new Set<string>();
    if (changed?.size !== 0) {
      const lists = changed
        ? (await Promise.all([...changed].map((ns) => opts.api.list(ns)))).flat()
        : await opts.api.list();
      for (const d of lists) {
        const digest = injectedConfigDigest(d, w, opts.ingesterEndpoint);
        const previous = last ? injectedConfigDigest(d, last.wiring, opts.ingesterEndpoint) : undefined;
        const change = rolloutPatch(d, digest, previous);
        // On the first run, a Deployment already rolled for this wiring is checked too: the process
        // that rolled it may have stopped before its pods were.
        const rolledBefore =
          !last &&
          digest !== undefined &&
          d.metadata?.annotations?.[ROLL_ANNOTATION] === 'true' &&
          d.spec?.template?.metadata?.annotations?.[INJECTED_CONFIG_ANNOTATION] === digest;
        if (rolledBefore) watch(d, digest);
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
          if (change.rolls) {
            watch(d, digest as string);
            justRolled.add(`${ns}/${name}`);
            opts.log.info(
              { deployment: `${ns}/${name}`, injectedConfig: digest },
              'injected config changed: rolling',
            );
          }
        } catch (err) {
          errors.push(`${ns}/${name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      if (errors.length === 0) last = { wiring: w, byNamespace };
    }
    patched += await check(w, errors, justRolled);
    scheduleCheck();
    if (errors.length) throw new Error(`rollout: ${errors.slice(0, 3).join('; ')}`);
    return patched;
  };
}

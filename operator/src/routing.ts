// Which tenant a pod is wired to, as pure functions. The webhook (which tenant's endpoint and token a
// pod gets), the token copies (which namespaces need a copy) and the pod roll all route through here,
// so a wired pod always finds its Secret and no copy is made where no pod can use it.
import type { TraceTenant } from './api/types.generated.ts';
import { INJECT_ANNOTATION, keyOf, TENANT_LABEL, tenantLabelValue } from './naming.ts';

/** Namespaces the webhook is never called for (its configuration's namespaceSelector leaves them out). */
export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public'] as const;

/** A Kubernetes label selector (matchLabels and matchExpressions). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

/** Selector matching as the API defines it: every requirement must hold; an empty selector matches all. */
export function matchesSelector(selector: LabelSelector, labels: Record<string, string> = {}): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(value as string)) return false;
        break;
      case 'NotIn':
        if (has && (e.values ?? []).includes(value as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false; // an operator we do not know matches nothing
    }
  }
  return true;
}

/** A tenant that pods of a namespace can be wired to, and which of those pods it takes. */
export interface Route {
  tenant: TraceTenant;
  podSelector: LabelSelector;
}

/**
 * The tenants a namespace's pods can be wired to, in the order they are tried. The namespace label
 * trace.koder.dev/tenant names a TraceTenant (in that namespace, else the only one with that name; a name
 * longer than a label value holds is written as tenantLabelValue gives it), which takes every pod; otherwise each tenant (by namespace/name) with injection selectors whose
 * namespaceSelector matches (none: every namespace), for the pods its podSelector matches (none: all).
 * System namespaces route nowhere.
 */
export function routesForNamespace(
  namespace: { name: string; labels: Record<string, string> },
  tenants: readonly TraceTenant[],
): Route[] {
  if ((SYSTEM_NAMESPACES as readonly string[]).includes(namespace.name)) return [];
  const named = namespace.labels[TENANT_LABEL];
  if (named) {
    const candidates = tenants.filter((t) => tenantLabelValue(t.metadata?.name ?? '') === named);
    const pick =
      candidates.find((t) => t.metadata?.namespace === namespace.name) ??
      (candidates.length === 1 ? candidates[0] : undefined);
    return pick ? [{ tenant: pick, podSelector: {} }] : [];
  }
  // Filtered before sorting: at 10,000 tenants few have selectors, and this runs once per namespace.
  return tenants
    .filter((t) => {
      const inj = t.spec?.injection;
      if (!inj?.namespaceSelector && !inj?.podSelector) return false;
      return matchesSelector((inj.namespaceSelector ?? {}) as LabelSelector, namespace.labels);
    })
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)))
    .map((t) => ({ tenant: t, podSelector: (t.spec?.injection?.podSelector ?? {}) as LabelSelector }));
}

/**
 * The tenant for a pod: the first of its namespace's routes (routesForNamespace) whose pod selector
 * matches the pod. Pods annotated inject: "false" opt out.
 */
export function tenantForPod(
  pod: { metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> } },
  namespace: { name: string; labels: Record<string, string> },
  tenants: readonly TraceTenant[],
): TraceTenant | undefined {
  if (pod.metadata?.annotations?.[INJECT_ANNOTATION] === 'false') return undefined;
  const labels = pod.metadata?.labels ?? {};
  return routesForNamespace(namespace, tenants).find((r) => matchesSelector(r.podSelector, labels))?.tenant;
}

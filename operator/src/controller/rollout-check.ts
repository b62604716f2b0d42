// After a roll: were the new pods really wired with what they were rolled for? Every replica of the
// operator answers the webhook, and an old one still does for a moment after a new one has started
// (a changed --ingester-endpoint restarts the operator), or answers from a cache that lags. A pod of
// the rolled template can then carry the old endpoint or tenant. The webhook stamps what it injected
// on each pod (INJECTED_ANNOTATION: the tenant id; ENDPOINT_ANNOTATION: the endpoint), so the pods
// can be compared with the wiring now; a Deployment with mis-wired pods is rolled once more (a
// template annotation counting the re-rolls), a few times at most.
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { ENDPOINT_ANNOTATION, INJECTED_ANNOTATION } from '../naming.ts';

/** On a pod template: how many times the rollout re-rolled it for mis-wired pods. */
export const REWIRED_ANNOTATION = 'trace.koder.dev/rewired';
/** Re-rolls per Deployment and digest before the rollout gives up and says so in its log. */
export const MAX_REWIRES = 3;

/** What pods of a Deployment's template should carry; undefined tenant: wired to none. */
export interface ExpectedWiring {
  /** INJECTED_CONFIG_ANNOTATION on the template the pods were made from. */
  digest: string;
  endpoint: string;
  tenantId: string | undefined;
}

/**
 * The Deployment's live pods made from the template carrying `digest` whose stamps say they were wired
 * otherwise. Pods without the endpoint stamp (wired by an operator that did not stamp it) are not
 * judged.
 */
export function misWiredPods(
  pods: readonly V1Pod[],
  expected: ExpectedWiring,
  digestAnnotation: string,
): V1Pod[] {
  return pods.filter((p) => {
    const a = p.metadata?.annotations ?? {};
    if (p.metadata?.deletionTimestamp || a[digestAnnotation] !== expected.digest) return false;
    if (expected.tenantId === undefined) return a[INJECTED_ANNOTATION] !== undefined;
    const endpoint = a[ENDPOINT_ANNOTATION];
    if (endpoint === undefined) return false;
    return endpoint !== expected.endpoint || a[INJECTED_ANNOTATION] !== expected.tenantId;
  });
}

/** Whether every live pod of the Deployment comes from the template carrying `digest`. */
export function rolledOut(pods: readonly V1Pod[], digest: string, digestAnnotation: string): boolean {
  return pods.every(
    (p) => p.metadata?.deletionTimestamp || p.metadata?.annotations?.[digestAnnotation] === digest,
  );
}

/** The merge patch rolling the Deployment again: its re-roll count, one more, on the template. */
export function rewirePatch(deployment: V1Deployment): { patch: object; count: number } {
  const count = Number(deployment.spec?.template?.metadata?.annotations?.[REWIRED_ANNOTATION] ?? 0) + 1;
  return {
    patch: { spec: { template: { metadata: { annotations: { [REWIRED_ANNOTATION]: String(count) } } } } },
    count,
  };
}

/** The Deployment's pod selector as a label selector string (matchLabels and matchExpressions). */
export function selectorOf(deployment: V1Deployment): string {
  const sel = deployment.spec?.selector;
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const values = `(${(e.values ?? []).join(',')})`;
    if (e.operator === 'In') parts.push(`${e.key} in ${values}`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin ${values}`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

// After a roll: were the new pods really wired with what they were rolled for? Every replica of the
// operator answers the webhook, and an old one still does for a moment after a new one has started
// (a changed --ingester-endpoint restarts the operator), or answers from a cache that lags. A pod of
// the rolled template can then carry the old endpoint or tenant. The webhook stamps what it injected
// on each pod (INJECTED_ANNOTATION: the tenant id; ENDPOINT_ANNOTATION: the endpoint), so the pods
// can be compared with the wiring now; a Deployment with mis-wired pods is rolled once more (a
// template annotation counting the re-rolls), a few times at most.
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { ENDPOINT_ANNOTATION, INJECTED_ANNOTATION, INJECTED_CONFIG_ANNOTATION } from '../naming.ts';

/** On a pod template: how many times the rollout re-rolled it for mis-wired pods. */
export const REWIRED_ANNOTATION = 'trace.koder.dev/rewired';
/** Re-rolls per Deployment and digest before the rollout gives up and says so in its log. */
export const MAX_REWIRES = 3;

/** What pods of a Deployment's template should carry; undefined tenant: wired to none. */
export interface ExpectedWiring {
  /** INJECTED_CONFIG_ANNOTATION on the template the pods were made from. */
  digest: string;
  /** REWIRED_ANNOTATION on that template ('' when none): pods of an earlier re-roll are not judged. */
  rewired: string;
  endpoint: string;
  tenantId: string | undefined;
}

const ofTemplate = (p: V1Pod, expected: Pick<ExpectedWiring, 'digest' | 'rewired'>) => {
  const a = p.metadata?.annotations ?? {};
  return (
    a[INJECTED_CONFIG_ANNOTATION] === expected.digest && (a[REWIRED_ANNOTATION] ?? '') === expected.rewired
  );
};

/**
 * The Deployment's live pods made from its current template whose stamps say they were wired
 * otherwise — or not at all: the webhook fails open, so a pod admitted while no operator replica
 * answered (one restarting) runs unwired. Pods with the tenant stamp but not the endpoint one (wired by
 * an operator that did not stamp it) are not judged.
 */
export function misWiredPods(pods: readonly V1Pod[], expected: ExpectedWiring): V1Pod[] {
  return pods.filter((p) => {
    const a = p.metadata?.annotations ?? {};
    if (p.metadata?.deletionTimestamp || !ofTemplate(p, expected)) return false;
    if (expected.tenantId === undefined) return a[INJECTED_ANNOTATION] !== undefined;
    if (a[INJECTED_ANNOTATION] === undefined) return true; // not wired
    const endpoint = a[ENDPOINT_ANNOTATION];
    if (endpoint === undefined) return false;
    return endpoint !== expected.endpoint || a[INJECTED_ANNOTATION] !== expected.tenantId;
  });
}

/** Whether every live pod of the Deployment comes from its current template. */
export function rolledOut(
  pods: readonly V1Pod[],
  expected: Pick<ExpectedWiring, 'digest' | 'rewired'>,
): boolean {
  return pods.every((p) => p.metadata?.deletionTimestamp || ofTemplate(p, expected));
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

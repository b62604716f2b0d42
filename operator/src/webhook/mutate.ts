// The pod mutation, as pure functions: which tenant a pod belongs to, and the environment that wires
// every container to the ingester with the stock OTEL_* variables. The token is referenced from a
// Secret (valueFrom), never written into the pod spec; a container's own OTEL_* values always win.
import type { V1Container, V1EnvVar, V1Pod } from '@kubernetes/client-node';
import type { TraceTenant } from '../api/types.generated.ts';
import { keyOf } from '../compile/compile.ts';
import { tokenSecretIn } from '../manifests/naming.ts';
import { type LabelSelector, matchesSelector } from './selector.ts';

export const TENANT_LABEL = 'trace.koder.dev/tenant';
/** Namespaces the webhook is never called for (its configuration's namespaceSelector leaves them out). */
export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public'] as const;
export const INJECT_ANNOTATION = 'trace.koder.dev/inject';
export const INJECTED_ANNOTATION = 'trace.koder.dev/injected';
export const TOKEN_VAR = 'KODER_TRACE_TOKEN';
export const POD_NAME_VAR = 'KODER_K8S_POD_NAME';

export interface InjectionSettings {
  /** OTLP/HTTP base URL of the ingester Service, e.g. http://koder-trace-ingester.koder-trace.svc:4318 */
  ingesterEndpoint: string;
}

/** A tenant that pods of a namespace can be wired to, and which of those pods it takes. */
export interface Route {
  tenant: TraceTenant;
  podSelector: LabelSelector;
}

/**
 * The tenants a namespace's pods can be wired to, in the order they are tried. The namespace label
 * trace.koder.dev/tenant names a TraceTenant (in that namespace, else the only one with that name),
 * which takes every pod; otherwise each tenant (by namespace/name) with injection selectors whose
 * namespaceSelector matches (none: every namespace), for the pods its podSelector matches (none: all).
 * System namespaces route nowhere. The webhook and the token copies both route through here, so a
 * wired pod always finds its Secret and no copy is made where no pod can use it.
 */
export function routesForNamespace(
  namespace: { name: string; labels: Record<string, string> },
  tenants: readonly TraceTenant[],
): Route[] {
  if ((SYSTEM_NAMESPACES as readonly string[]).includes(namespace.name)) return [];
  const named = namespace.labels[TENANT_LABEL];
  if (named) {
    const candidates = tenants.filter((t) => t.metadata?.name === named);
    const pick =
      candidates.find((t) => t.metadata?.namespace === namespace.name) ??
      (candidates.length === 1 ? candidates[0] : undefined);
    return pick ? [{ tenant: pick, podSelector: {} }] : [];
  }
  return [...tenants]
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)))
    .filter((t) => {
      const inj = t.spec?.injection;
      if (!inj?.namespaceSelector && !inj?.podSelector) return false;
      return matchesSelector((inj.namespaceSelector ?? {}) as LabelSelector, namespace.labels);
    })
    .map((t) => ({ tenant: t, podSelector: (t.spec?.injection?.podSelector ?? {}) as LabelSelector }));
}

/**
 * The tenant for a pod: the first of its namespace's routes (routesForNamespace) whose pod selector
 * matches the pod. Pods annotated inject: "false" opt out.
 */
export function tenantForPod(
  pod: V1Pod,
  namespace: { name: string; labels: Record<string, string> },
  tenants: readonly TraceTenant[],
): TraceTenant | undefined {
  if (pod.metadata?.annotations?.[INJECT_ANNOTATION] === 'false') return undefined;
  const labels = pod.metadata?.labels ?? {};
  return routesForNamespace(namespace, tenants).find((r) => matchesSelector(r.podSelector, labels))?.tenant;
}

/** OTEL_SERVICE_NAME: the app.kubernetes.io/name label, else the owning workload's name, else the pod's. */
export function serviceName(pod: V1Pod): string {
  const label = pod.metadata?.labels?.['app.kubernetes.io/name'] ?? pod.metadata?.labels?.app;
  if (label) return label;
  const owner =
    pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
  if (owner) {
    // A ReplicaSet made by a Deployment is named <deployment>-<pod-template-hash>.
    const hash = pod.metadata?.labels?.['pod-template-hash'];
    if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`))
      return owner.name.slice(0, -hash.length - 1);
    return owner.name;
  }
  return pod.metadata?.name ?? pod.metadata?.generateName?.replace(/-$/, '') ?? 'unknown';
}

/** The variables one container gets, helpers first so that $(VAR) references resolve. */
function injectedEnv(
  pod: V1Pod,
  namespace: string,
  tt: TraceTenant,
  settings: InjectionSettings,
): V1EnvVar[] {
  const tenantId = tt.spec?.tenantId ?? tt.metadata?.name ?? '';
  return [
    { name: TOKEN_VAR, valueFrom: { secretKeyRef: { name: tokenSecretIn(tt, namespace), key: 'token' } } },
    { name: POD_NAME_VAR, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: settings.ingesterEndpoint },
    { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' },
    // Header values are percent-decoded by SDKs: %20 is the space of "Bearer <token>".
    { name: 'OTEL_EXPORTER_OTLP_HEADERS', value: `Authorization=Bearer%20$(${TOKEN_VAR})` },
    { name: 'OTEL_SERVICE_NAME', value: serviceName(pod) },
    {
      name: 'OTEL_RESOURCE_ATTRIBUTES',
      value: `k8s.namespace.name=${namespace},k8s.pod.name=$(${POD_NAME_VAR}),koder.tenant=${tenantId}`,
    },
  ];
}

/** A container's env with ours added where it sets nothing of the same name (its own values win). */
function withEnv(container: V1Container, ours: V1EnvVar[]): V1EnvVar[] | undefined {
  const own = container.env ?? [];
  const names = new Set(own.map((e) => e.name));
  if (names.has(TOKEN_VAR)) return undefined; // already injected: admission is idempotent
  const added = ours.filter((e) => !names.has(e.name));
  if (added.length === 0) return undefined;
  return [...added, ...own];
}

export interface JsonPatchOp {
  op: 'add' | 'replace';
  path: string;
  value: unknown;
}

/** JSON Patch for the pod, or [] when nothing changes. */
export function mutatePod(
  pod: V1Pod,
  namespace: string,
  tt: TraceTenant,
  settings: InjectionSettings,
): JsonPatchOp[] {
  const ours = injectedEnv(pod, namespace, tt, settings);
  const ops: JsonPatchOp[] = [];
  for (const [kind, list] of [
    ['containers', pod.spec?.containers ?? []],
    ['initContainers', pod.spec?.initContainers ?? []],
  ] as const) {
    list.forEach((c, i) => {
      const env = withEnv(c, ours);
      if (env) ops.push({ op: 'add', path: `/spec/${kind}/${i}/env`, value: env });
    });
  }
  if (ops.length === 0) return [];
  if (!pod.metadata?.annotations) ops.push({ op: 'add', path: '/metadata/annotations', value: {} });
  ops.push({
    op: 'add',
    path: `/metadata/annotations/${INJECTED_ANNOTATION.replace('/', '~1')}`,
    value: tt.spec?.tenantId ?? tt.metadata?.name,
  });
  return ops;
}

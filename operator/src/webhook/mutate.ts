// The pod mutation, as pure functions: the environment that wires every container of a pod to the
// ingester, for its tenant (routing.ts says which), with the stock OTEL_* variables. The token is
// referenced from a Secret (valueFrom), never written into the pod spec; a container's own OTEL_*
// values always win.
import type { V1Container, V1EnvVar, V1Pod } from '@kubernetes/client-node';
import type { TraceTenant } from '../api/types.generated.ts';
import { ENDPOINT_ANNOTATION, INJECTED_ANNOTATION, tokenSecretIn } from '../naming.ts';

export const TOKEN_VAR = 'KODER_TRACE_TOKEN';
export const POD_NAME_VAR = 'KODER_K8S_POD_NAME';

export interface InjectionSettings {
  /** OTLP/HTTP base URL of the ingester Service, e.g. http://koder-trace-ingester.koder-trace.svc:4318 */
  ingesterEndpoint: string;
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
  // What the pod was given, for people and for the rollout's check of rolled pods (rollout-check.ts).
  const stamp = (name: string, value: unknown) =>
    ops.push({ op: 'add', path: `/metadata/annotations/${name.replace('/', '~1')}`, value });
  stamp(INJECTED_ANNOTATION, tt.spec?.tenantId ?? tt.metadata?.name);
  stamp(ENDPOINT_ANNOTATION, settings.ingesterEndpoint);
  return ops;
}

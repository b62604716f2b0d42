// Every name the operator gives or reads: object names, labels, annotations and paths, from one place
// (as tempo-operator's manifests/naming). Pure: manifests/, webhook/, routing and the controller all
// depend on it and it depends on nothing of theirs.
//
// Names derived from a TraceTenant carry a short hash of its namespace/name when they leave its
// namespace, so two tenants with the same name in different namespaces can never share (and overwrite)
// an object. Object names are DNS-1123 subdomains (≤ 253 characters); label values are ≤ 63.
import { createHash } from 'node:crypto';
import type { TraceTenant } from './api/types.generated.ts';

/** On everything the operator writes; what it prunes carries this too. */
export const MANAGED_BY = {
  'app.kubernetes.io/managed-by': 'koder-trace-operator',
  'app.kubernetes.io/part-of': 'koder-trace',
} as const;
/**
 * On the ConfigMaps and the webhook registration: which operator wrote them (instanceOf), so that it
 * lists and prunes only its own, never another release's.
 */
export const INSTANCE_LABEL = 'trace.koder.dev/instance';
/** On token Secrets (the tenant's own, when generated, and the copies): the tenant's name. */
export const TOKEN_LABEL = 'trace.koder.dev/tenant-token';
/** On the operator's copies of a token in other namespaces. */
export const TOKEN_COPY_LABEL = 'trace.koder.dev/token-copy';
/** On a copy: `<namespace>/<name>` of the TraceTenant it was copied from. */
export const TOKEN_SOURCE_ANNOTATION = 'trace.koder.dev/source';
/** On a namespace: the TraceTenant its pods are wired to. */
export const TENANT_LABEL = 'trace.koder.dev/tenant';
/** On a pod: "false" opts it out of wiring. */
export const INJECT_ANNOTATION = 'trace.koder.dev/inject';
/** On a wired pod: the tenant id it was wired to. */
export const INJECTED_ANNOTATION = 'trace.koder.dev/injected';
/** The digest of the config injected into a Deployment's pods: on the Deployment (last seen) and on its
 * pod template (rolled for), so on its pods too (controller/rollout.ts). */
export const INJECTED_CONFIG_ANNOTATION = 'trace.koder.dev/injected-config';
/** On a wired pod: the ingester endpoint it was given (the rollout checks rolled pods against it). */
export const ENDPOINT_ANNOTATION = 'trace.koder.dev/ingester-endpoint';
/** Where the webhook server takes AdmissionReviews. */
export const MUTATE_PATH = '/mutate-pods';
/** The webhook's name inside its MutatingWebhookConfiguration. */
export const POD_WEBHOOK_NAME = 'pods.trace.koder.dev';

/** Defaults of the names set by flags (the chart names them after the release). */
export const DEFAULT_NAMES = {
  ingesterConfigMap: 'koder-trace-ingester',
  tempoOverridesConfigMap: 'koder-trace-tempo-overrides',
  fieldManager: 'koder-trace-operator',
  leaseName: 'koder-trace-operator',
  webhookConfiguration: 'koder-trace-pod-injector',
  webhookTlsSecret: 'koder-trace-webhook-tls',
} as const;

/** Longest Kubernetes object name (DNS-1123 subdomain). */
const MAX_NAME = 253;
/** Longest label value. */
const MAX_LABEL_VALUE = 63;

/** Lowercase hex of sha256(text), cut to `length` characters. */
export function shortHash(text: string, length = 10): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length);
}

/** `<prefix><middle><suffix>` in at most `max` characters, the middle cut so that no dot or dash ends it. */
function fit(prefix: string, middle: string, suffix: string, max = MAX_NAME): string {
  const room = max - prefix.length - suffix.length;
  const cut = middle.slice(0, room).replace(/[-.]+$/, '');
  return `${prefix}${cut}${suffix}`;
}

/** `<namespace>/<name>` of an object: the key of caches, outcomes and copies. */
export const keyOf = (o: { metadata?: { namespace?: string; name?: string } }) =>
  `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}`;

/**
 * A name as a label value: the name itself when it fits in 63 characters (so existing labels stay as
 * they were), else its first 52 characters (no trailing dot or dash) and a 10-digit hash of the whole
 * name — deterministic, and distinct for distinct names. Names here are DNS-1123, so every character
 * is one a label value may hold.
 */
export function labelValue(name: string): string {
  if (name.length <= MAX_LABEL_VALUE) return name;
  return fit('', name, `-${shortHash(name)}`, MAX_LABEL_VALUE);
}

/** A TraceTenant's name as a label value (labelValue). */
export const tenantLabelValue = labelValue;

/** This operator's INSTANCE_LABEL value: its namespace and Lease name. */
export const instanceOf = (cfg: { namespace: string; leaseName: string }) =>
  labelValue(`${cfg.namespace}.${cfg.leaseName}`);

/** The tenant's own token Secret, in its namespace: spec.credentials.secretName, else `<name>-token`. */
export function tokenSecretName(tt: TraceTenant): string {
  return tt.spec?.credentials?.secretName ?? fit('', tt.metadata?.name ?? '', '-token');
}

/**
 * The operator's copy of a tenant's token in another namespace:
 * `koder-trace-<name>-<hash of namespace/name>-token`. Unique per tenant, stable across restarts.
 */
export function tokenCopyName(tt: TraceTenant): string {
  const ns = tt.metadata?.namespace ?? 'default';
  const name = tt.metadata?.name ?? '';
  return fit('koder-trace-', name, `-${shortHash(`${ns}/${name}`)}-token`);
}

/** The Secret holding a tenant's token in `namespace`: its own there, the operator's copy elsewhere. */
export function tokenSecretIn(tt: TraceTenant, namespace: string): string {
  return namespace === (tt.metadata?.namespace ?? 'default') ? tokenSecretName(tt) : tokenCopyName(tt);
}

// Every name the operator gives an object, from one place. Names derived from a TraceTenant carry a
// short hash of its namespace/name when they leave its namespace, so two tenants with the same name in
// different namespaces can never share (and overwrite) an object. All names are DNS-1123 subdomains.
import { createHash } from 'node:crypto';
import type { TraceTenant } from '../api/types.generated.ts';

/** Longest Kubernetes object name (DNS-1123 subdomain). */
const MAX_NAME = 253;

/** Lowercase hex of sha256(text), cut to `length` characters. */
export function shortHash(text: string, length = 10): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, length);
}

/** `<prefix><middle><suffix>`, with the middle cut so the whole fits and no dot or dash ends a label. */
function fit(prefix: string, middle: string, suffix: string): string {
  const room = MAX_NAME - prefix.length - suffix.length;
  const cut = middle.slice(0, room).replace(/[-.]+$/, '');
  return `${prefix}${cut}${suffix}`;
}

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

// Where a tenant's token must also exist: pods can only read Secrets of their own namespace, so each
// namespace whose pods are wired to a tenant from elsewhere gets a copy, kept by the operator and
// removed when no longer needed.
import type { V1Namespace, V1Secret } from '@kubernetes/client-node';
import type { TraceTenant } from '../api/types.generated.ts';
import {
  MANAGED_BY,
  TOKEN_COPY_LABEL,
  TOKEN_LABEL,
  TOKEN_SOURCE_ANNOTATION,
  tenantLabelValue,
  tokenSecretIn,
  tokenSecretName,
} from '../naming.ts';
import { routesForNamespace } from '../routing.ts';

/** The token copies that should exist, keyed "<namespace>/<name>". */
export function desiredTokenCopies(
  namespaces: readonly V1Namespace[],
  tenants: readonly TraceTenant[],
  tokens: ReadonlyMap<string, string>,
): Map<string, V1Secret> {
  const out = new Map<string, V1Secret>();
  for (const ns of namespaces) {
    const name = ns.metadata?.name ?? '';
    // The same routing as the webhook's: every tenant a pod of this namespace could be wired to.
    for (const { tenant: t } of routesForNamespace({ name, labels: ns.metadata?.labels ?? {} }, tenants)) {
      if (t.metadata?.namespace === name) continue; // the tenant's own Secret is there already
      const token = tokens.get(`${t.metadata?.namespace}/${tokenSecretName(t)}`);
      if (!token) continue;
      const secretName = tokenSecretIn(t, name);
      out.set(`${name}/${secretName}`, {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: {
          name: secretName,
          namespace: name,
          labels: {
            ...MANAGED_BY,
            [TOKEN_LABEL]: tenantLabelValue(t.metadata?.name ?? ''),
            [TOKEN_COPY_LABEL]: 'true',
          },
          annotations: { [TOKEN_SOURCE_ANNOTATION]: `${t.metadata?.namespace}/${t.metadata?.name}` },
        },
        data: { token: Buffer.from(token).toString('base64') },
      });
    }
  }
  return out;
}

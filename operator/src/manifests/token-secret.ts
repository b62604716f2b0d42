// The Secret holding a tenant's bearer token, created when the TraceTenant names none that exists.
// Owned by the TraceTenant, so deleting the tenant deletes its generated token. The token itself is
// passed in: randomness is the caller's business, which keeps this builder pure.
import type { V1Secret } from '@kubernetes/client-node';
import { API_VERSION } from '../api/crds.ts';
import type { TraceTenant } from '../api/types.generated.ts';
import { MANAGED_BY, TOKEN_LABEL, tenantLabelValue, tokenSecretName } from '../naming.ts';

export function tokenSecret(tt: TraceTenant, token: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: tokenSecretName(tt),
      namespace: tt.metadata?.namespace,
      labels: { ...MANAGED_BY, [TOKEN_LABEL]: tenantLabelValue(tt.metadata?.name ?? '') },
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: 'TraceTenant',
          name: tt.metadata?.name ?? '',
          uid: tt.metadata?.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    stringData: { token },
  };
}

// The Secret holding copies of the tenants' prompt-registry signing secrets, in the operator's
// namespace: the ingester pods mount it (pods read Secrets of their own namespace only) and read each
// as the file the ingester config names (compile.ts registrySecretFile). Pure: values in, object out.
import type { V1Secret } from '@kubernetes/client-node';
import { registrySecretFile } from '../compile/compile.ts';
import type { OperatorConfig } from '../config.ts';
import { INSTANCE_LABEL, instanceOf, MANAGED_BY, TOKEN_LABEL } from '../naming.ts';

/** Kept in the operator's Secret cache (which watches TOKEN_LABEL), so an unchanged copy costs no write. */
export const REGISTRY_LABEL_VALUE = 'prompt-registry';

/**
 * `values`: each signing secret by "<namespace>/<secret name>/<key>". None: no Secret (one left from
 * before is pruned, so a removed registry's secret does not linger).
 */
export function registrySecret(
  cfg: OperatorConfig,
  values: ReadonlyMap<string, string>,
): V1Secret | undefined {
  const target = cfg.registrySecret;
  if (!target || values.size === 0) return undefined;
  const data: Record<string, string> = {};
  for (const [ref, value] of [...values].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [ns, name, key] = ref.split('/') as [string, string, string];
    const file = registrySecretFile(target.dir, ns, { name, key });
    data[file.slice(file.lastIndexOf('/') + 1)] = Buffer.from(value, 'utf8').toString('base64');
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: target.name,
      namespace: cfg.namespace,
      labels: { ...MANAGED_BY, [INSTANCE_LABEL]: instanceOf(cfg), [TOKEN_LABEL]: REGISTRY_LABEL_VALUE },
    },
    data,
  };
}

// The two ConfigMaps the operator owns: the ingester's config (tenants with token hashes, never
// tokens) and Tempo's runtime overrides. Pure builders: same input, same object, byte for byte.
import type { V1ConfigMap } from '@kubernetes/client-node';
import * as yaml from 'js-yaml';
import type { CompileOutput } from '../compile/compile.ts';
import type { OperatorConfig } from '../config.ts';

export const MANAGED_BY = {
  'app.kubernetes.io/managed-by': 'koder-trace-operator',
  'app.kubernetes.io/part-of': 'koder-trace',
};
export const INGESTER_CONFIG_KEY = 'config.yaml';
export const TEMPO_OVERRIDES_KEY = 'overrides.yaml';
export const INGESTER_DATA_DIR = '/var/lib/koder-trace';

const dump = (o: unknown) => yaml.dump(o, { sortKeys: false, lineWidth: -1, noRefs: true });

export function ingesterConfigMap(out: CompileOutput, cfg: OperatorConfig): V1ConfigMap {
  const doc = {
    exporter: {
      kind: 'otlp-grpc',
      endpoint: cfg.tempoEndpoint,
      insecure: true,
      // On the pod's data volume (the chart mounts it): batches storage refuses permanently.
      deadLetterDir: `${INGESTER_DATA_DIR}/dead-letter`,
    },
    // Acknowledged spans are on disk until storage has them.
    wal: { dir: `${INGESTER_DATA_DIR}/wal` },
    tenants: out.tenants,
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: cfg.ingesterConfigMap,
      namespace: cfg.namespace,
      labels: { ...MANAGED_BY, 'app.kubernetes.io/component': 'ingester' },
    },
    data: {
      [INGESTER_CONFIG_KEY]: `# Written by the koder-trace operator from TraceTenants and SamplingPolicies; edits are overwritten.\n${dump(doc)}`,
    },
  };
}

export function tempoOverridesConfigMap(out: CompileOutput, cfg: OperatorConfig): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: cfg.tempoOverridesConfigMap,
      namespace: cfg.namespace,
      labels: { ...MANAGED_BY, 'app.kubernetes.io/component': 'tempo' },
    },
    data: { [TEMPO_OVERRIDES_KEY]: dump(out.tempoOverrides) },
  };
}

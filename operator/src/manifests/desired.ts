// Everything the operator wants to exist, as one pure function of its inputs (as tempo-operator's
// BuildAll): the ingester config and Tempo overrides ConfigMaps, the token copies in the namespaces
// pods are wired from, the copies of prompt-registry signing secrets the ingesters mount, and the
// webhook registration when the webhook is served. The controller applies
// these and prunes what it manages that is not among them (controller/apply.ts). Token Secrets are not
// here: each holds a random token made once, so they are created when absent, never re-applied.
import type { KubernetesObject, V1MutatingWebhookConfiguration, V1Namespace } from '@kubernetes/client-node';
import type { TraceTenant } from '../api/types.generated.ts';
import type { CompileOutput } from '../compile/compile.ts';
import type { OperatorConfig } from '../config.ts';
import { type BuiltConfigMap, ingesterConfigMap, tempoOverridesConfigMap } from './configmaps.ts';
import { registrySecret } from './registry-secret.ts';
import { desiredTokenCopies } from './token-copies.ts';

export interface DesiredInput {
  compiled: CompileOutput;
  tenants: readonly TraceTenant[];
  namespaces: readonly V1Namespace[];
  /** Tokens by "<tenant namespace>/<token Secret name>". */
  tokens: ReadonlyMap<string, string>;
  cfg: OperatorConfig;
  /** The webhook registration, when the webhook is served. */
  webhook?: V1MutatingWebhookConfiguration;
  /** Prompt-registry signing secrets by "<namespace>/<name>/<key>" (registry-secret.ts). */
  registry?: ReadonlyMap<string, string>;
}

export interface DesiredState {
  objects: KubernetesObject[];
  /** The two ConfigMaps with the tenants each had to leave out (no room). */
  ingesterConfig: BuiltConfigMap;
  tempoOverrides: BuiltConfigMap;
}

export function desiredObjects(input: DesiredInput): DesiredState {
  const { cfg } = input;
  const ingesterConfig = ingesterConfigMap(input.compiled, cfg, cfg.configMapBudgetBytes);
  const tempoOverrides = tempoOverridesConfigMap(input.compiled, cfg, cfg.configMapBudgetBytes);
  const copies = desiredTokenCopies(input.namespaces, input.tenants, input.tokens);
  const registry = registrySecret(cfg, input.registry ?? new Map());
  return {
    objects: [
      ingesterConfig.configMap,
      tempoOverrides.configMap,
      ...copies.values(),
      ...(registry ? [registry] : []),
      ...(input.webhook ? [input.webhook] : []),
    ],
    ingesterConfig,
    tempoOverrides,
  };
}

// The two ConfigMaps the operator owns: the ingester's config (tenants with token hashes, never
// tokens) and Tempo's runtime overrides. Pure builders: same input, same object, byte for byte.
//
// A ConfigMap holds at most 1 MiB, so both are built to scale: the ingester config stores each
// SamplingPolicy once (policies, named by samplingRef), leaves out what equals the defaults, and when
// the plain list of tenants still does not fit it packs them (tenantsPacked: gzip, about 60 bytes a
// tenant, so 10,000 tenants take ~0.6 MiB); Tempo's overrides share identical blocks through YAML
// anchors. If even that does not fit, the oldest tenants keep their place and the newest are left out:
// each builder says which, so they get a status saying why while every other tenant converges.
import { gzipSync } from 'node:zlib';
import type { SamplingConfig, TenantConfig } from '@koder-trace/ingester/config';
import type { V1ConfigMap } from '@kubernetes/client-node';
import * as yaml from 'js-yaml';
import { type CompileOutput, DEFAULT_LIMITS, type TempoTenantOverrides } from '../compile/compile.ts';
import { CONFIGMAP_BUDGET_BYTES, type OperatorConfig } from '../config.ts';
import { INSTANCE_LABEL, instanceOf, MANAGED_BY } from '../naming.ts';
import { remember } from '../remember.ts';

export const INGESTER_CONFIG_KEY = 'config.yaml';
export const TEMPO_OVERRIDES_KEY = 'overrides.yaml';
export const INGESTER_DATA_DIR = '/var/lib/koder-trace';
/** Where the chart mounts the ingesters' shared peer secret. */
export const INGESTER_PEER_SECRET_FILE = '/etc/koder-trace-peer/secret';
/** Where the chart mounts the peers' TLS Secret (tls.crt, tls.key, ca.crt: cert-manager's shape). */
export const INGESTER_PEER_TLS_DIR = '/etc/koder-trace-peer-tls';

/** A built ConfigMap and the tenant ids that did not fit in it (oldest tenants are kept first). */
export interface BuiltConfigMap {
  configMap: V1ConfigMap;
  leftOut: string[];
}

const dump = (o: unknown, refs = false) => yaml.dump(o, { sortKeys: false, lineWidth: -1, noRefs: !refs });
const bytes = (key: string, value: string) => Buffer.byteLength(key) + Buffer.byteLength(value);
const HEADER =
  '# Written by the koder-trace operator from TraceTenants and SamplingPolicies; edits are overwritten.\n';

const sameLimits = (l: TenantConfig['limits']) =>
  !l ||
  (Object.keys(DEFAULT_LIMITS) as (keyof typeof DEFAULT_LIMITS)[]).every((k) => l[k] === DEFAULT_LIMITS[k]);
const keepsAll = (s: SamplingConfig | undefined) =>
  !s || (s.defaultProbability === 1 && s.keepErrors && s.rules.length === 0);

/**
 * A tenant as written: its policy by reference, and nothing that equals the defaults. Every other
 * field the compiler set (read tokens, write-only ingest tokens, the prompt registry) goes as it is.
 */
function entry(t: TenantConfig, ref: string | undefined): TenantConfig {
  return {
    id: t.id,
    tokenSha256: t.tokenSha256,
    ...(t.readTokenSha256 ? { readTokenSha256: t.readTokenSha256 } : {}),
    ...(t.ingestTokenReads === false ? { ingestTokenReads: false } : {}),
    ...(t.readUsers ? { readUsers: t.readUsers } : {}),
    ...(t.readGroups ? { readGroups: t.readGroups } : {}),
    ...(t.promptRegistry ? { promptRegistry: t.promptRegistry } : {}),
    ...(sameLimits(t.limits) ? {} : { limits: t.limits }),
    ...(t.contentCapture && t.contentCapture !== 'full' ? { contentCapture: t.contentCapture } : {}),
    ...(ref ? { samplingRef: ref } : keepsAll(t.sampling) ? {} : { sampling: t.sampling }),
  };
}

/**
 * The largest k such that fits(k) holds, for fits monotone (true up to some k, false after);
 * fits(n) is tried first, as it usually holds.
 */
function largestFitting(n: number, fits: (k: number) => boolean): number {
  if (fits(n)) return n;
  let lo = 0;
  let hi = n; // fits(lo) assumed, !fits(hi) known
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

export function ingesterConfigMap(
  out: CompileOutput,
  cfg: OperatorConfig,
  budget = CONFIGMAP_BUDGET_BYTES,
): BuiltConfigMap {
  const base = {
    exporter: {
      kind: 'otlp-grpc',
      endpoint: cfg.tempoEndpoint,
      insecure: true,
      // On the pod's data volume (the chart mounts it): batches storage refuses permanently.
      deadLetterDir: `${INGESTER_DATA_DIR}/dead-letter`,
    },
    // Acknowledged spans are on disk until storage has them.
    wal: { dir: `${INGESTER_DATA_DIR}/wal` },
    // Dropped traces wait here for a late rating to bring them back (trace mode); a quarter of a
    // GiB of the pod's data volume at most.
    tail: { rescue: { dir: `${INGESTER_DATA_DIR}/rescue`, maxBytes: 256 * 1024 * 1024 } },
    // Ratings on their way to prompt registries, durable across restarts (with the signing secrets
    // copied for the ingesters: registry-secret.ts).
    ...(cfg.registrySecret ? { promptRegistry: { dir: `${INGESTER_DATA_DIR}/registry-outbox` } } : {}),
    defaultLimits: { ...DEFAULT_LIMITS },
    defaultContentCapture: 'full',
    // Replicas find each other through their headless Service and each decides the traces it owns.
    ...(cfg.ingesterPeerService
      ? {
          cluster: {
            discovery: { service: cfg.ingesterPeerService, namespace: cfg.namespace },
            secretFile: INGESTER_PEER_SECRET_FILE,
            ...(cfg.ingesterPeerTlsServerName
              ? {
                  tls: {
                    certFile: `${INGESTER_PEER_TLS_DIR}/tls.crt`,
                    keyFile: `${INGESTER_PEER_TLS_DIR}/tls.key`,
                    caFile: `${INGESTER_PEER_TLS_DIR}/ca.crt`,
                    serverName: cfg.ingesterPeerTlsServerName,
                  },
                }
              : {}),
          },
        }
      : {}),
  };
  const byId = new Map(out.tenants.map((t) => [t.id, t]));
  /** The document with the k oldest tenants, plain or packed. */
  const render = (k: number, packed: boolean) => {
    const kept = new Set(out.tenantIdsByAge.slice(0, k));
    const tenants = out.tenants
      .filter((t) => kept.has(t.id))
      .map((t) => entry(t, out.samplingRefs.get(t.id)));
    const refs = new Set(tenants.map((t) => t.samplingRef));
    const policies = Object.fromEntries(Object.entries(out.policies).filter(([key]) => refs.has(key)));
    const doc = packed
      ? {
          ...base,
          policies,
          tenantsPacked: gzipSync(JSON.stringify(tenants), { level: 9 }).toString('base64'),
        }
      : { ...base, policies, tenants };
    return `${HEADER}${dump(doc)}`;
  };
  const n = out.tenantIdsByAge.length;
  const fits = (text: string) => bytes(INGESTER_CONFIG_KEY, text) <= budget;
  const packedRenders = new Map<number, string>(); // each size rendered (dumped, gzipped) once
  const packed = (k: number) => remember(packedRenders, k, () => render(k, true));
  // The plain list cannot fit when even its bare keys and values pass the budget: then it is not
  // rendered at all (at 10,000 tenants that YAML is over a megabyte, made on every run for nothing).
  const plainAtLeast = out.tenants.reduce((sum, t) => {
    const ref = out.samplingRefs.get(t.id);
    return (
      sum + 'id: tokenSha256: - '.length + t.id.length + 64 + (ref ? 'samplingRef: '.length + ref.length : 0)
    );
  }, 0);
  let text = plainAtLeast > budget ? '' : render(n, false);
  let kept = n;
  if (!text || !fits(text)) {
    kept = largestFitting(n, (k) => fits(packed(k)));
    text = packed(kept);
  }
  return {
    configMap: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: cfg.ingesterConfigMap,
        namespace: cfg.namespace,
        labels: {
          ...MANAGED_BY,
          [INSTANCE_LABEL]: instanceOf(cfg),
          'app.kubernetes.io/component': 'ingester',
        },
      },
      data: { [INGESTER_CONFIG_KEY]: text },
    },
    leftOut: out.tenantIdsByAge.slice(kept).filter((id) => byId.has(id)),
  };
}

export function tempoOverridesConfigMap(
  out: CompileOutput,
  cfg: OperatorConfig,
  budget = CONFIGMAP_BUDGET_BYTES,
): BuiltConfigMap {
  const all = out.tempoOverrides.overrides;
  const ids = out.tenantIdsByAge.filter((id) => all[id]);
  // Tenants with the same limits and retention share one block (a YAML anchor, which Tempo reads).
  // compile already hands them one object; equal blocks that are not the same object are found by
  // content, each object serialised once.
  const byContent = new Map<string, TempoTenantOverrides>();
  const canonical = new Map<TempoTenantOverrides, TempoTenantOverrides>();
  const canon = (block: TempoTenantOverrides) =>
    remember(canonical, block, () => remember(byContent, JSON.stringify(block), () => block));
  const renders = new Map<number, string>(); // each size dumped once
  const render = (k: number) =>
    remember(renders, k, () => {
      const kept = new Set(ids.slice(0, k));
      const overrides: Record<string, TempoTenantOverrides> = {};
      for (const id in all) if (kept.has(id)) overrides[id] = canon(all[id] as TempoTenantOverrides);
      return dump({ overrides }, true);
    });
  const kept = largestFitting(ids.length, (k) => bytes(TEMPO_OVERRIDES_KEY, render(k)) <= budget);
  return {
    configMap: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: cfg.tempoOverridesConfigMap,
        namespace: cfg.namespace,
        labels: { ...MANAGED_BY, [INSTANCE_LABEL]: instanceOf(cfg), 'app.kubernetes.io/component': 'tempo' },
      },
      data: { [TEMPO_OVERRIDES_KEY]: render(kept) },
    },
    leftOut: ids.slice(kept),
  };
}

// The pure compile step: TraceTenants, SamplingPolicies and the tenants' tokens → the ingester's
// tenant config, Tempo's per-tenant overrides, and a verdict per resource for its status. No client,
// clock or environment here: the same input always gives the same output (sorted, no timestamps), so
// an unchanged cluster writes nothing. `make run` uses this same step on manifests from a directory.
import { type SamplingConfig, type TenantConfig, TRACE_WAIT_DEFAULTS } from '@koder-trace/ingester/config';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import type { SamplingPolicy, TraceTenant } from '../api/types.generated.ts';
import { keyOf, tokenSecretName } from '../naming.ts';
import { remember } from '../remember.ts';
import { type TempoTenantOverrides, tempoDuration, tempoTenantOverrides } from './tempo-overrides.ts';

export type { TempoTenantOverrides } from './tempo-overrides.ts';

export interface Verdict {
  ready: boolean;
  reason: string;
  message: string;
}

export interface TenantOutcome extends Verdict {
  tenantId: string;
  secretName: string;
  sampling: string;
}

export interface PolicyOutcome extends Verdict {
  ruleCount: number;
  usedBy: string;
}

export interface CompileInput {
  tenants: TraceTenant[];
  policies: SamplingPolicy[];
  /** Token values by "<namespace>/<secret name>" (the Secret's `token` key). */
  tokens: ReadonlyMap<string, string>;
  /**
   * Prompt-registry signing secrets that exist, as "<namespace>/<secret name>/<key>". Their values stay
   * out of the config: the ingester reads each from a file in registrySecretDir.
   */
  registrySecrets?: ReadonlySet<string>;
  /** Where the ingester finds them, each as <dir>/<namespace>.<secret name>.<key>; none: not delivered. */
  registrySecretDir?: string;
}

/** The file a prompt-registry signing secret is read from by the ingester (see registrySecretDir). */
export function registrySecretFile(dir: string, ns: string, ref: { name: string; key: string }): string {
  return `${dir.replace(/\/+$/, '')}/${ns}.${ref.name}.${ref.key}`;
}

export interface CompileOutput {
  /** The `tenants` of the ingester config, sorted by id, each with its sampling inline. */
  tenants: TenantConfig[];
  /** The SamplingPolicies in force for at least one tenant, by "<namespace>/<name>". */
  policies: Record<string, SamplingConfig>;
  /** Tenant id → the key in `policies` its sampling comes from (tenants with a policy in force). */
  samplingRefs: Map<string, string>;
  /** Tenant ids in the config, oldest TraceTenant first: who keeps a place when space runs out. */
  tenantIdsByAge: string[];
  /** Tenant id in the config → its TraceTenant's "<namespace>/<name>". */
  tenantKeys: Map<string, string>;
  /** Tempo's runtime overrides, one complete block per tenant (Tempo zeroes omitted fields). */
  tempoOverrides: { overrides: Record<string, TempoTenantOverrides> };
  tenantOutcomes: Map<string, TenantOutcome>;
  policyOutcomes: Map<string, PolicyOutcome>;
}

/** A TraceTenant's limits when it sets none (the CRD's defaults). */
export const DEFAULT_LIMITS = Object.freeze({
  spansPerSecond: 5000,
  burst: 10000,
  maxAttributeValueBytes: 65536,
  maxRequestBytes: 8388608,
});

/** Tempo's default block retention, kept when a TraceTenant's retention does not parse. */
const DEFAULT_RETENTION = '336h';

// Re-exported for `@koder-trace/operator/compile` and the tests; they live in naming.ts.
export { keyOf, tokenSecretName };

function compilePolicy(sp: SamplingPolicy): { config: SamplingConfig } | { error: string } {
  const spec = sp.spec ?? {};
  const rules: SamplingConfig['rules'] = [];
  for (const rule of spec.rules ?? []) {
    const match: SamplingConfig['rules'][number]['match'] = [];
    for (const c of rule.match) {
      if (c.op === 'regex') {
        try {
          new RegExp(c.value ?? '');
        } catch (err) {
          return {
            error: `rule ${rule.name}: invalid regex ${JSON.stringify(c.value)}: ${(err as Error).message}`,
          };
        }
      }
      const numeric = ['gt', 'gte', 'lt', 'lte'].includes(c.op);
      match.push({
        field: c.field,
        op: c.op,
        ...(c.value !== undefined ? { value: numeric ? Number(c.value) : c.value } : {}),
        ...(c.values !== undefined ? { values: c.values } : {}),
      });
    }
    rules.push({ name: rule.name, match, probability: rule.probability });
  }
  return {
    config: {
      defaultProbability: spec.defaultProbability ?? 1,
      keepErrors: spec.keepErrors ?? true,
      rules,
      // Absent: the ingester's defaults (mode trace); present: passed on, missing fields defaulted.
      ...(spec.mode ? { mode: spec.mode } : {}),
      ...(spec.trace ? { trace: { ...TRACE_WAIT_DEFAULTS, ...spec.trace } } : {}),
    },
  };
}

const percent = (p: number) => `${Math.round(p * 1000) / 10}%`;

function created(o: { metadata?: { creationTimestamp?: unknown } }): string {
  const t = o.metadata?.creationTimestamp;
  return t instanceof Date ? t.toISOString() : String(t ?? '');
}

export function compile(input: CompileInput): CompileOutput {
  const policies = new Map(input.policies.map((p) => [keyOf(p), p]));
  const compiledPolicies = new Map([...policies].map(([k, p]) => [k, compilePolicy(p)]));
  const policyUsers = new Map<string, string[]>();
  const tenantOutcomes = new Map<string, TenantOutcome>();
  const tenants: TenantConfig[] = [];
  const overrides: Record<string, TempoTenantOverrides> = {};
  const usedPolicies: Record<string, SamplingConfig> = {};
  const samplingRefs = new Map<string, string>();
  const tenantIdsByAge: string[] = [];
  const tenantKeys = new Map<string, string>();

  // Oldest first, so that on a duplicate tenant id the first one keeps it. Sort keys are made once,
  // not twice per comparison (at 10,000 tenants, most of what the sort allocated).
  const ordered = input.tenants
    .map((tt) => ({ tt, key: keyOf(tt), at: created(tt) }))
    .sort((a, b) => a.at.localeCompare(b.at) || a.key.localeCompare(b.key));
  // Tenants mostly share limits and retention: one object each, so the Tempo overrides share blocks.
  const sharedLimits = new Map<string, NonNullable<TenantConfig['limits']>>();
  const parsedRetention = new Map<string, ReturnType<typeof tempoDuration>>();
  const tempoBlocks = new Map<string, TempoTenantOverrides>();
  const owners = new Map<string, string>();
  for (const { tt, key } of ordered) {
    const ns = tt.metadata?.namespace ?? 'default';
    const spec = tt.spec ?? {};
    const tenantId = spec.tenantId ?? tt.metadata?.name ?? '';
    const secretName = tokenSecretName(tt);
    const base = { tenantId, secretName };
    const owner = owners.get(tenantId);
    if (owner) {
      tenantOutcomes.set(key, {
        ...base,
        sampling: '',
        ready: false,
        reason: 'DuplicateTenantId',
        message: `tenant id ${JSON.stringify(tenantId)} already belongs to TraceTenant ${owner}; choose another spec.tenantId`,
      });
      continue;
    }
    owners.set(tenantId, key);

    let sampling: SamplingConfig = {
      defaultProbability: spec.sampling?.defaultProbability ?? 1,
      keepErrors: true,
      rules: [],
    };
    let summary = percent(sampling.defaultProbability);
    let verdict: Verdict = { ready: true, reason: 'Ready', message: 'the tenant is in the ingester config' };
    let policyKey: string | undefined;
    if (spec.samplingPolicyRef) {
      const pkey = `${ns}/${spec.samplingPolicyRef.name}`;
      const users = policyUsers.get(pkey) ?? [];
      users.push(tt.metadata?.name ?? '');
      policyUsers.set(pkey, users);
      const compiled = compiledPolicies.get(pkey);
      // A broken reference must not stop the tenant's traffic: it is sampled at 100% meanwhile.
      if (!compiled) {
        sampling = { defaultProbability: 1, keepErrors: true, rules: [] };
        summary = '100% (policy missing)';
        verdict = {
          ready: false,
          reason: 'PolicyNotFound',
          message: `SamplingPolicy ${pkey} does not exist; keeping 100% of spans until it does`,
        };
      } else if ('error' in compiled) {
        summary = '100% (policy invalid)';
        verdict = {
          ready: false,
          reason: 'InvalidRule',
          message: `SamplingPolicy ${pkey}: ${compiled.error}; keeping 100% of spans`,
        };
      } else {
        sampling = compiled.config;
        policyKey = pkey;
        summary = `policy/${spec.samplingPolicyRef.name} (${percent(sampling.defaultProbability)}, ${sampling.rules.length} rules)`;
      }
    }

    const token = input.tokens.get(`${ns}/${secretName}`);
    if (!token) {
      tenantOutcomes.set(key, {
        ...base,
        sampling: summary,
        ready: false,
        reason: 'TokenPending',
        message: `Secret ${ns}/${secretName} has no "token" yet; the operator creates it when absent`,
      });
      continue;
    }
    const l = spec.limits;
    const spansPerSecond = l?.spansPerSecond ?? DEFAULT_LIMITS.spansPerSecond;
    const burst = l?.burst ?? DEFAULT_LIMITS.burst;
    const maxAttributeValueBytes = l?.maxAttributeValueBytes ?? DEFAULT_LIMITS.maxAttributeValueBytes;
    const maxRequestBytes = l?.maxRequestBytes ?? DEFAULT_LIMITS.maxRequestBytes;
    const limitsId = l ? `${spansPerSecond}/${burst}/${maxAttributeValueBytes}/${maxRequestBytes}` : '';
    const limits = remember(sharedLimits, limitsId, () => ({
      spansPerSecond,
      burst,
      maxAttributeValueBytes,
      maxRequestBytes,
    }));
    // Read tokens: Secrets the user made; one that is missing or empty leaves that reader out, says so.
    const read = spec.read ?? {};
    const readTokens = (read.tokenSecrets ?? []).map((name) => ({
      name,
      token: input.tokens.get(`${ns}/${name}`),
    }));
    const unread = readTokens.filter((r) => !r.token).map((r) => `${ns}/${r.name}`);
    // Prompt registry: in the config only once its signing secret can be read by the ingester.
    const reg = spec.promptRegistry;
    const regRef = reg?.signingSecretRef;
    const regReady =
      reg &&
      regRef &&
      input.registrySecretDir &&
      input.registrySecrets?.has(`${ns}/${regRef.name}/${regRef.key}`);
    tenants.push({
      id: tenantId,
      tokenSha256: [sha256Hex(token)],
      ...(readTokens.length > unread.length
        ? { readTokenSha256: readTokens.flatMap((r) => (r.token ? [sha256Hex(r.token)] : [])) }
        : {}),
      ...(read.ingestTokenReads === false ? { ingestTokenReads: false } : {}),
      ...(read.users?.length ? { readUsers: [...read.users] } : {}),
      ...(read.groups?.length ? { readGroups: [...read.groups] } : {}),
      limits,
      contentCapture: spec.contentCapture ?? 'full',
      sampling,
      ...(regReady && reg && input.registrySecretDir
        ? {
            promptRegistry: {
              url: reg.url,
              signingSecretFile: registrySecretFile(input.registrySecretDir, ns, reg.signingSecretRef),
            },
          }
        : {}),
    });
    tenantIdsByAge.push(tenantId);
    tenantKeys.set(tenantId, key);
    if (policyKey) {
      usedPolicies[policyKey] = sampling;
      samplingRefs.set(tenantId, policyKey);
    }
    // Tempo limits in bytes, from the largest span the ingester lets through (tempo-overrides.ts). A
    // retention Tempo cannot parse would make it refuse the whole file: the default is kept instead.
    let retention = spec.retention ?? DEFAULT_RETENTION;
    const parsed = remember(parsedRetention, retention, () => tempoDuration(retention));
    if ('error' in parsed || parsed.ns === 0n) {
      if (verdict.ready)
        verdict = {
          ready: false,
          reason: 'InvalidRetention',
          message: `retention ${JSON.stringify(retention)} is not a duration Tempo reads (${'error' in parsed ? parsed.error : 'zero'}); keeping ${DEFAULT_RETENTION}`,
        };
      retention = DEFAULT_RETENTION;
    }
    if (unread.length && verdict.ready)
      verdict = {
        ready: false,
        reason: 'ReadTokenNotFound',
        message: `read token Secret ${unread.join(', ')} (spec.read.tokenSecrets) has no "token": spans are received, but that reader cannot read them`,
      };
    if (reg && !regReady && verdict.ready)
      verdict = {
        ready: false,
        reason: 'RegistrySecretNotFound',
        message: input.registrySecretDir
          ? `Secret ${ns}/${reg.signingSecretRef.name} has no key "${reg.signingSecretRef.key}" (spec.promptRegistry.signingSecretRef): ratings are stored but not sent to the prompt registry`
          : 'this installation cannot give the ingester prompt-registry signing secrets yet: ratings are stored but not sent to the prompt registry',
      };
    overrides[tenantId] = remember(tempoBlocks, `${limitsId} ${retention}`, () =>
      tempoTenantOverrides(limits, retention),
    );
    tenantOutcomes.set(key, { ...base, sampling: summary, ...verdict });
  }

  const policyOutcomes = new Map<string, PolicyOutcome>();
  for (const [key, compiled] of compiledPolicies) {
    const usedBy = (policyUsers.get(key) ?? []).sort().join(',');
    const ruleCount = policies.get(key)?.spec?.rules?.length ?? 0;
    policyOutcomes.set(
      key,
      'error' in compiled
        ? { ready: false, reason: 'InvalidRule', message: compiled.error, ruleCount, usedBy }
        : { ready: true, reason: 'Ready', message: 'the policy compiled', ruleCount, usedBy },
    );
  }

  tenants.sort((a, b) => a.id.localeCompare(b.id));
  const sortedOverrides = Object.fromEntries(
    Object.entries(overrides).sort(([a], [b]) => a.localeCompare(b)),
  );
  const policiesOut = Object.fromEntries(Object.entries(usedPolicies).sort(([a], [b]) => a.localeCompare(b)));
  return {
    tenants,
    policies: policiesOut,
    samplingRefs,
    tenantIdsByAge,
    tenantKeys,
    tempoOverrides: { overrides: sortedOverrides },
    tenantOutcomes,
    policyOutcomes,
  };
}

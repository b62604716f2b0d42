// Local mode reads TraceTenant / SamplingPolicy manifests (and Secrets with their tokens) from a
// directory and compiles them with the operator's own compile step, so a tenant set tried on one
// machine behaves as it will in a cluster.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CompileOutput, compile, keyOf, registrySecretFile } from '@koder-trace/operator/compile';
import type { SamplingPolicy, TraceTenant } from '@koder-trace/operator/crds';
import { makeValidator } from '@koder-trace/operator/crds';
import * as yaml from 'js-yaml';

interface Doc {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  stringData?: Record<string, string>;
  data?: Record<string, string>;
}

/**
 * With `registrySecretDir`, prompt-registry signing secrets found in the manifests' Secrets are
 * compiled into the tenants as files there; `secretFiles` says what each file must hold (the caller
 * writes them: this step only reads).
 */
export function loadManifests(
  dir: string,
  opts: { registrySecretDir?: string } = {},
): { out: CompileOutput; errors: string[]; secretFiles: Map<string, string> } {
  const validate = {
    TraceTenant: makeValidator('TraceTenant'),
    SamplingPolicy: makeValidator('SamplingPolicy'),
  };
  const tenants: TraceTenant[] = [];
  const policies: SamplingPolicy[] = [];
  const tokens = new Map<string, string>();
  const secretValues = new Map<string, string>();
  const errors: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    for (const d of yaml.loadAll(readFileSync(join(dir, file), 'utf8')) as Doc[]) {
      if (!d?.kind) continue;
      d.metadata = { namespace: 'default', ...d.metadata };
      if (d.kind === 'Secret') {
        const token =
          d.stringData?.token ?? (d.data?.token ? Buffer.from(d.data.token, 'base64').toString() : undefined);
        if (token) tokens.set(keyOf(d), token);
        for (const [k, v] of Object.entries(d.stringData ?? {})) secretValues.set(`${keyOf(d)}/${k}`, v);
        for (const [k, v] of Object.entries(d.data ?? {}))
          if (!d.stringData?.[k]) secretValues.set(`${keyOf(d)}/${k}`, Buffer.from(v, 'base64').toString());
      } else if (d.kind === 'TraceTenant' || d.kind === 'SamplingPolicy') {
        const v = validate[d.kind](d);
        if (!v.ok) errors.push(`${file}: ${d.kind} ${keyOf(d)}: ${v.errors.join('; ')}`);
        else if (d.kind === 'TraceTenant') tenants.push(d as TraceTenant);
        else policies.push(d as SamplingPolicy);
      }
    }
  }
  const registrySecretDir = opts.registrySecretDir;
  const out = compile({
    tenants,
    policies,
    tokens,
    ...(registrySecretDir ? { registrySecretDir, registrySecrets: new Set(secretValues.keys()) } : {}),
  });
  const secretFiles = new Map<string, string>();
  for (const tt of tenants) {
    const ref = tt.spec?.promptRegistry?.signingSecretRef;
    const ns = tt.metadata?.namespace ?? 'default';
    const value = ref && secretValues.get(`${ns}/${ref.name}/${ref.key}`);
    if (registrySecretDir && ref && value)
      secretFiles.set(registrySecretFile(registrySecretDir, ns, ref), value);
  }
  for (const [key, o] of out.tenantOutcomes)
    if (!o.ready) errors.push(`TraceTenant ${key}: ${o.reason}: ${o.message}`);
  return { out, errors, secretFiles };
}

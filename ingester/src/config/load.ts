// Parse → default → validate → freeze. The only way an IngesterConfigDoc comes into being, so every
// consumer can trust it. Errors name the offending path, for logs and for the operator's status.
import { gunzipSync } from 'node:zlib';
import { load as parseYaml } from 'js-yaml';
import { Compile } from 'typebox/compile';
import Value from 'typebox/value';
import { IngesterConfig, type IngesterConfigDoc, Sampling, type SamplingConfig } from './schema.ts';

const check = Compile(IngesterConfig);

export type ConfigResult =
  | { ok: true; config: Readonly<IngesterConfigDoc> }
  | { ok: false; errors: string[] };

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Checks what a schema cannot say: uniqueness across tenants and rules that must compile. */
function semanticErrors(doc: IngesterConfigDoc): string[] {
  const errors: string[] = [];
  if (doc.auth === 'none' && doc.tenants.length > 0)
    errors.push(
      '/auth: "none" (single-tenant mode) cannot go with tenants; use "tokens" or remove the tenants',
    );
  const ids = new Set<string>();
  const tokens = new Map<string, string>();
  doc.tenants.forEach((t, i) => {
    if (ids.has(t.id)) errors.push(`/tenants/${i}/id: duplicate tenant id ${JSON.stringify(t.id)}`);
    ids.add(t.id);
    for (const h of t.tokenSha256) {
      const other = tokens.get(h);
      if (other !== undefined && other !== t.id) {
        errors.push(`/tenants/${i}/tokenSha256: a token is shared with tenant ${JSON.stringify(other)}`);
      }
      tokens.set(h, t.id);
    }
    if (t.sampling && t.samplingRef !== undefined)
      errors.push(`/tenants/${i}: set sampling or samplingRef, not both`);
    if (t.samplingRef !== undefined && !Object.hasOwn(doc.policies, t.samplingRef))
      errors.push(`/tenants/${i}/samplingRef: no policy ${JSON.stringify(t.samplingRef)} in policies`);
    if (t.sampling) errors.push(...samplingErrors(t.sampling, `/tenants/${i}/sampling`));
  });
  errors.push(...clusterErrors(doc));
  for (const [name, policy] of Object.entries(doc.policies))
    errors.push(...samplingErrors(policy, `/policies/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`));
  return errors;
}

/** Peers: unique ids, this replica among them, and a secret to authenticate them with. */
function clusterErrors(doc: IngesterConfigDoc): string[] {
  const c = doc.cluster;
  const errors: string[] = [];
  const ids = new Set<string>();
  c.peers.forEach((p, i) => {
    if (ids.has(p.id)) errors.push(`/cluster/peers/${i}/id: duplicate peer id ${JSON.stringify(p.id)}`);
    ids.add(p.id);
  });
  if (c.peers.length && !ids.has(c.selfId))
    errors.push(`/cluster/selfId: ${JSON.stringify(c.selfId)} is not one of the peers' ids`);
  if ((c.peers.length || c.discovery) && !c.secretFile)
    errors.push('/cluster/secretFile: peers need a shared secret to authenticate each other');
  if (c.peers.length && c.discovery)
    errors.push('/cluster/discovery: give peers or discovery, not both (discovery finds the peers)');
  return errors;
}

/** A sampling policy's rules: each condition has what its op needs and a field the sampler reads. */
function samplingErrors(sampling: SamplingConfig, path: string): string[] {
  const errors: string[] = [];
  if (sampling.trace && sampling.trace.quietMs >= sampling.trace.maxAgeMs)
    errors.push(
      `${path}/trace/quietMs: ${sampling.trace.quietMs} must be below maxAgeMs (${sampling.trace.maxAgeMs}), or no trace would wait for its quiet period`,
    );
  sampling.rules.forEach((rule, r) => {
    rule.match.forEach((c, k) => {
      const where = `${path}/rules/${r}/match/${k}`;
      const needsValue = !['exists', 'notExists', 'in'].includes(c.op);
      if (needsValue && c.value === undefined) errors.push(`${where}: op ${c.op} needs a value`);
      if (c.op === 'in' && !c.values?.length) errors.push(`${where}: op in needs a non-empty values list`);
      if (['gt', 'gte', 'lt', 'lte'].includes(c.op) && typeof c.value !== 'number') {
        errors.push(`${where}: op ${c.op} needs a numeric value`);
      }
      if (c.op === 'regex') {
        try {
          new RegExp(String(c.value));
        } catch (err) {
          errors.push(`${where}: invalid regex: ${(err as Error).message}`);
        }
      }
      if (!/^(name|kind|status|service|resource\..+|attribute\..+)$/.test(c.field)) {
        errors.push(`${where}: unknown field ${JSON.stringify(c.field)}`);
      }
    });
  });
  return errors;
}

/** `tenantsPacked` (base64 gzip of a JSON array) appended to `tenants`, so one schema checks both. */
function unpackTenants(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || !('tenantsPacked' in raw)) return raw;
  const { tenantsPacked, ...rest } = raw as { tenantsPacked: unknown; tenants?: unknown };
  if (typeof tenantsPacked !== 'string') return raw; // the schema says why
  let packed: unknown;
  try {
    packed = JSON.parse(gunzipSync(Buffer.from(tenantsPacked, 'base64')).toString('utf8'));
  } catch (err) {
    throw new Error(`/tenantsPacked: not base64 gzip of JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(packed)) throw new Error('/tenantsPacked: must hold a JSON array of tenants');
  const plain = Array.isArray(rest.tenants) ? rest.tenants : [];
  return { ...rest, tenants: [...plain, ...packed] };
}

export function parseConfig(text: string): ConfigResult {
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : (parseYaml(text) ?? {});
  } catch (err) {
    return { ok: false, errors: [`not valid YAML/JSON: ${(err as Error).message}`] };
  }
  return configFrom(raw);
}

/** The same for a document a program built in memory (`make run`): no YAML round trip. */
export function configFrom(raw: unknown): ConfigResult {
  try {
    raw = unpackTenants(raw);
  } catch (err) {
    return { ok: false, errors: [(err as Error).message] };
  }
  const withDefaults = Value.Default(IngesterConfig, structuredClone(raw));
  // Value.Default does not descend into a Record's values: each shared policy gets its defaults here.
  const policies = (withDefaults as { policies?: unknown }).policies;
  if (policies && typeof policies === 'object' && !Array.isArray(policies))
    for (const [name, p] of Object.entries(policies))
      (policies as Record<string, unknown>)[name] = Value.Default(Sampling, p);
  if (!check.Check(withDefaults)) {
    return {
      ok: false,
      errors: [...check.Errors(withDefaults)]
        .slice(0, 20)
        .map((e) => `${e.instancePath || '/'}: ${e.message}`),
    };
  }
  const errors = semanticErrors(withDefaults);
  if (errors.length) return { ok: false, errors };
  return { ok: true, config: deepFreeze(withDefaults) };
}

// Parse → default → validate → freeze. The only way an IngesterConfigDoc comes into being, so every
// consumer can trust it. Errors name the offending path, for logs and for the operator's status.
import { load as parseYaml } from 'js-yaml';
import { Compile } from 'typebox/compile';
import Value from 'typebox/value';
import { IngesterConfig, type IngesterConfigDoc } from './schema.ts';

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
    t.sampling?.rules.forEach((rule, r) => {
      rule.match.forEach((c, k) => {
        const where = `/tenants/${i}/sampling/rules/${r}/match/${k}`;
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
  });
  return errors;
}

export function parseConfig(text: string): ConfigResult {
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : (parseYaml(text) ?? {});
  } catch (err) {
    return { ok: false, errors: [`not valid YAML/JSON: ${(err as Error).message}`] };
  }
  const withDefaults = Value.Default(IngesterConfig, structuredClone(raw));
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

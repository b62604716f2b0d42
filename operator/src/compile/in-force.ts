// Which tenants of a desired ingester config are already in force in the one the API server holds:
// each tenant resolved (policy reference followed, defaults applied) on both sides and compared. Used
// when the config cannot be written, to tell exactly the tenants whose change is not in force.

import type { IngesterConfigDoc } from '@koder-trace/ingester/config';
import { parseConfig } from '@koder-trace/ingester/config';

function resolved(doc: IngesterConfigDoc): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of doc.tenants) {
    const sampling = t.samplingRef !== undefined ? doc.policies[t.samplingRef] : t.sampling;
    out.set(
      t.id,
      JSON.stringify({
        tokens: t.tokenSha256,
        limits: t.limits ?? doc.defaultLimits,
        capture: t.contentCapture ?? doc.defaultContentCapture ?? 'full',
        sampling: sampling ?? null,
      }),
    );
  }
  return out;
}

/** The ids of desired tenants whose entry in `current` (a config.yaml text, if any) is the same. */
export function tenantsInForce(current: string | undefined, desired: string): Set<string> {
  const want = parseConfig(desired);
  const have = current === undefined ? undefined : parseConfig(current);
  const inForce = new Set<string>();
  if (!want.ok || !have?.ok) return inForce;
  const haveTenants = resolved(have.config);
  for (const [id, entry] of resolved(want.config)) if (haveTenants.get(id) === entry) inForce.add(id);
  return inForce;
}

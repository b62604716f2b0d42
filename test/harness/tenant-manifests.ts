// Manifests for `make run MANIFESTS=dir`: per name, a namespace-scoped TraceTenant and the Secret
// holding its token (`token-<name>`), as kubectl would apply them.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';

/** Writes the manifests into a new folder and returns it. `read`: spec.read per tenant name. */
export async function tenantManifests(
  names: string[],
  read: Record<string, Record<string, unknown>> = {},
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'koder-manifests-'));
  const docs = names.flatMap((ns) => [
    {
      apiVersion: 'trace.koder.dev/v1alpha1',
      kind: 'TraceTenant',
      metadata: { name: ns, namespace: ns },
      spec: read[ns] ? { read: read[ns] } : {},
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${ns}-token`, namespace: ns },
      stringData: { token: `token-${ns}` },
    },
  ]);
  await writeFile(join(dir, 'tenants.yaml'), docs.map((d) => yaml.dump(d)).join('---\n'));
  return dir;
}

/**
 * One tenant `name` in namespace `ns` whose SamplingPolicy has `policy` as its spec, with its token
 * Secret: written into a new folder, returned.
 */
export async function sampledTenantManifests(opts: {
  ns: string;
  name: string;
  token: string;
  policy: Record<string, unknown>;
}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'koder-manifests-'));
  const docs = [
    {
      apiVersion: 'trace.koder.dev/v1alpha1',
      kind: 'SamplingPolicy',
      metadata: { name: `${opts.name}-policy`, namespace: opts.ns },
      spec: opts.policy,
    },
    {
      apiVersion: 'trace.koder.dev/v1alpha1',
      kind: 'TraceTenant',
      metadata: { name: opts.name, namespace: opts.ns },
      spec: { samplingPolicyRef: { name: `${opts.name}-policy` } },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `${opts.name}-token`, namespace: opts.ns },
      stringData: { token: opts.token },
    },
  ];
  await writeFile(join(dir, 'tenants.yaml'), docs.map((d) => yaml.dump(d)).join('---\n'));
  return dir;
}

// Manifests for `make run MANIFESTS=dir`: per name, a namespace-scoped TraceTenant and the Secret
// holding its token (`token-<name>`), as kubectl would apply them.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';

/** Writes the manifests into a new folder and returns it. */
export async function tenantManifests(names: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'koder-manifests-'));
  const docs = names.flatMap((ns) => [
    {
      apiVersion: 'trace.koder.dev/v1alpha1',
      kind: 'TraceTenant',
      metadata: { name: ns, namespace: ns },
      spec: {},
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

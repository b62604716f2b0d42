// Authentication never turns itself off: `make run` with manifests whose tenants cannot be loaded (here
// a TraceTenant without its token Secret) refuses to start and says why, instead of falling back to
// single-tenant mode open to everyone; an ingester whose config lists no tenants refuses every request.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentSpans, sdkProtobuf } from '@koder-trace/ingester/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { startIngesterProcess } from '../harness/ingester.ts';
import { startLocalProcess } from '../harness/local-stack.ts';
import { postOtlp } from '../harness/otlp-raw.ts';
import { until } from '../harness/wait.ts';

describe('fail closed', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('make run refuses to start when no tenant of its manifests can be loaded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'koder-fail-closed-'));
    dirs.push(dir);
    await writeFile(
      join(dir, 'tenant.yaml'),
      'apiVersion: trace.koder.dev/v1alpha1\nkind: TraceTenant\nmetadata: { name: lonely, namespace: team-z }\nspec: {}\n',
    );
    const { proc } = await startLocalProcess('make run (no loadable tenant)', dir, ['--manifests', dir]);
    await until('the process to exit', () => (proc.exitCode() !== undefined ? true : undefined), 30_000);
    expect(proc.exitCode()).toBe(1);
    expect(proc.tail()).toMatch(/refusing to start/);
    expect(proc.tail()).toMatch(/TraceTenant team-z\/lonely/);
  });

  it('an ingester whose config lists no tenants refuses every request', async () => {
    const ing = await startIngesterProcess({ exporter: { kind: 'none' } });
    try {
      const res = await postOtlp(ing.httpUrl, sdkProtobuf(await agentSpans()), 'proto');
      expect(res.status).toBe(401);
    } finally {
      await ing.stop();
    }
  });
});

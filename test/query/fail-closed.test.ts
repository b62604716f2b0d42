// Authentication never turns itself off: `make run` with manifests whose tenants cannot be loaded (here
// a TraceTenant without its token Secret) refuses to start and says why, instead of falling back to
// single-tenant mode open to everyone; an ingester whose config lists no tenants refuses every request.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { agentSpans, sdkProtobuf } from '../../ingester/src/testing/sdk-spans.ts';
import { startIngesterProcess } from '../harness/ingester.ts';
import { postOtlp } from '../harness/otlp-raw.ts';
import { freePorts } from '../harness/ports.ts';
import { startProcess } from '../harness/process.ts';
import { until } from '../harness/wait.ts';

const LOCAL = fileURLToPath(new URL('../../query/src/local.ts', import.meta.url));

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
    const [grpc, http, admin, query] = (await freePorts(4)) as number[];
    const proc = startProcess({
      name: 'make run (no loadable tenant)',
      command: process.execPath,
      args: [
        LOCAL,
        '--manifests',
        dir,
        '--data',
        join(dir, 'local.db'),
        '--grpc-port',
        String(grpc),
        '--http-port',
        String(http),
        '--admin-port',
        String(admin),
        '--query-port',
        String(query),
      ],
      logFile: join(dir, 'local.log'),
    });
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

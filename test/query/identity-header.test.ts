// Read access through an authenticating proxy (OIDC) in front of the UI, as `make run` serves it with
// --identity-header, --groups-header and --trusted-proxy: the person the header names reads the
// tenants whose spec.read.users or spec.read.groups name them, and X-Koder-Tenant chooses among
// several. The header is believed only from the trusted proxy's address (here 127.0.0.1): the same
// request from 127.0.0.2 is a stranger's. Without --trusted-proxy the program refuses to start.
import { rm } from 'node:fs/promises';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentityStack } from '../harness/identity-stack.ts';
import { type LocalStack, startLocalProcess } from '../harness/local-stack.ts';
import { tenantManifests } from '../harness/tenant-manifests.ts';
import { until } from '../harness/wait.ts';

const READ = {
  shop: { users: ['alice@example.com'], groups: ['sre'] },
  bank: { groups: ['sre'] },
};

/** A GET of the query API from `localAddress`, with these headers. */
function get(base: string, path: string, headers: Record<string, string>, localAddress = '127.0.0.1') {
  return new Promise<{ status: number; body: { error?: string; traces?: { rootService: string }[] } }>(
    (resolve, reject) => {
      const req = request(`${base}${path}`, { headers, localAddress }, (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('read access through a trusted proxy’s identity header (make run)', () => {
  let stack: LocalStack;
  const dirs: string[] = [];
  const alice = { 'x-forwarded-email': 'alice@example.com' };
  const bob = { 'x-forwarded-email': 'bob@example.com', 'x-forwarded-groups': 'dev, sre' };

  beforeAll(async () => {
    stack = await startIdentityStack(READ);
  });
  afterAll(async () => {
    await stack?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('reads the tenant that names the person, and only from the trusted proxy', async () => {
    const mine = await get(stack.queryUrl, '/api/v1/traces', alice);
    expect(mine.status, mine.body.error).toBe(200);
    expect(mine.body.traces?.map((t) => t.rootService)).toEqual(['shop-agent']);
    // The same header from another address is not believed: no token, 401.
    const spoofed = await get(stack.queryUrl, '/api/v1/traces', alice, '127.0.0.2');
    expect(spoofed.status).toBe(401);
    // A person the header names but no tenant does: 403, saying how to grant access.
    const carol = await get(stack.queryUrl, '/api/v1/traces', { 'x-forwarded-email': 'carol@example.com' });
    expect(carol.status).toBe(403);
    expect(carol.body.error).toMatch(/spec\.read\.users/);
  });

  it('a group reading two tenants: X-Koder-Tenant chooses, and only among them', async () => {
    const both = await get(stack.queryUrl, '/api/v1/traces', bob);
    expect(both.status).toBe(400);
    expect(both.body.error).toBe(
      'bob@example.com reads several tenants (bank, shop): choose one with the X-Koder-Tenant header',
    );
    const bank = await get(stack.queryUrl, '/api/v1/traces', { ...bob, 'x-koder-tenant': 'bank' });
    expect(bank.status, bank.body.error).toBe(200);
    expect(bank.body.traces?.map((t) => t.rootService)).toEqual(['bank-agent']);
    const other = await get(stack.queryUrl, '/api/v1/traces', { ...alice, 'x-koder-tenant': 'bank' });
    expect(other.status).toBe(403);
  });

  it('the dashboard by tenant spans every tenant the person reads, without choosing one', async () => {
    const keys = (r: Awaited<ReturnType<typeof get>>) =>
      (r.body as { groups?: { key: string; calls: number }[] }).groups?.map((g) => [g.key, g.calls]);
    const both = await get(stack.queryUrl, '/api/v1/dashboard?by=tenant', bob);
    expect(both.status, both.body.error).toBe(200);
    expect(keys(both)?.sort()).toEqual([
      ['bank', 1],
      ['shop', 1],
    ]);
    // Grouped otherwise, a dashboard is one tenant's: the person still chooses.
    expect((await get(stack.queryUrl, '/api/v1/dashboard?by=model', bob)).status).toBe(400);
    expect(keys(await get(stack.queryUrl, '/api/v1/dashboard?by=tenant', alice))).toEqual([['shop', 1]]);
  });

  it('a token still decides when one is sent, whatever the identity header says', async () => {
    const r = await get(stack.queryUrl, '/api/v1/traces', { ...alice, authorization: 'Bearer token-bank' });
    expect(r.body.traces?.map((t) => t.rootService)).toEqual(['bank-agent']);
  });

  it('refuses to start with an identity header and no proxy to believe it from', async () => {
    const dir = await tenantManifests(['shop', 'bank'], READ);
    dirs.push(dir);
    const { proc } = await startLocalProcess('make run (identity header, no proxy)', dir, [
      '--manifests',
      dir,
      '--identity-header',
      'X-Forwarded-Email',
    ]);
    await until('the process to exit', () => (proc.exitCode() !== undefined ? true : undefined), 30_000);
    expect(proc.exitCode()).toBe(2);
    expect(proc.tail()).toMatch(/--identity-header needs --trusted-proxy/);
  });
});

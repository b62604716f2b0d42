// The admin port: probes always open, everything else behind the admin token when one is configured
// (following the config in force), extra routes, and no request that can take the server down.
import type { Server } from 'node:http';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../tenants/registry.ts';
import { type AdminDeps, createAdminServer } from './server.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function start(deps: Partial<AdminDeps> = {}): Promise<string> {
  const registry = new Registry();
  const s = createAdminServer({ registry, ready: () => true, ...deps });
  server = s;
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

/** A raw request, so that request targets fetch() would normalise can be sent as they are. */
function raw(base: string, method: string, target: string): Promise<number> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: target }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('admin server', () => {
  it('is open when no admin token is configured', async () => {
    const base = await start();
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('needs a configured token for /metrics and every other endpoint, but not for the probes', async () => {
    let hashes = [sha256Hex('s3cret'), sha256Hex('other')];
    const base = await start({
      tokenSha256: () => hashes,
      routes: { 'GET /dead-letter': (_req, res) => void res.writeHead(200).end('[]') },
    });
    const none = await fetch(`${base}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await fetch(`${base}/metrics`, bearer('wrong'))).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 's3cret' } })).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Basic s3cret` } })).status).toBe(401);
    expect((await fetch(`${base}/metrics`, bearer('s3cret'))).status).toBe(200);
    expect((await fetch(`${base}/metrics`, bearer('other'))).status).toBe(200);
    expect((await fetch(`${base}/dead-letter`)).status).toBe(401);
    expect((await fetch(`${base}/dead-letter`, bearer('s3cret'))).status).toBe(200);
    // Unknown paths say nothing without a token.
    expect((await fetch(`${base}/nope`)).status).toBe(401);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${base}/metrics?x=1`)).status).toBe(401);

    // The list is read per request: a reload that changes it applies at once.
    hashes = [sha256Hex('rotated')];
    expect((await fetch(`${base}/metrics`, bearer('s3cret'))).status).toBe(401);
    expect((await fetch(`${base}/metrics`, bearer('rotated'))).status).toBe(200);
    hashes = [];
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it('routes extra endpoints by method and path, with the query parsed', async () => {
    const seen: string[] = [];
    const base = await start({
      routes: {
        'POST /dead-letter/redrive': (_req, res, url) => {
          seen.push(url.query.get('batch') ?? '');
          res.writeHead(202).end();
        },
        'GET /dead-letter': async (_req, res) => {
          await new Promise((r) => setTimeout(r, 1));
          res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
        },
      },
    });
    expect((await fetch(`${base}/dead-letter/redrive?batch=b1`, { method: 'POST' })).status).toBe(202);
    expect(seen).toEqual(['b1']);
    expect(await (await fetch(`${base}/dead-letter`)).text()).toBe('[]');
    const wrong = await fetch(`${base}/dead-letter/redrive`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect((await fetch(`${base}/metrics`, { method: 'DELETE' })).status).toBe(405);
  });

  it('refuses routes that would shadow the built-in ones or are not "METHOD /path"', () => {
    const registry = new Registry();
    const noop = () => {};
    expect(() =>
      createAdminServer({ registry, ready: () => true, routes: { 'GET /healthz': noop } }),
    ).toThrow(/built in/);
    expect(() => createAdminServer({ registry, ready: () => true, routes: { '/x': noop } })).toThrow(
      /METHOD \/path/,
    );
  });

  it('answers 500 and keeps serving when an endpoint throws, synchronously or not', async () => {
    const errors: unknown[] = [];
    const base = await start({
      log: { error: (obj) => errors.push(obj) },
      routes: {
        'GET /sync': () => {
          throw new Error('boom');
        },
        'GET /async': async () => {
          throw new Error('later');
        },
        'GET /half': (_req, res) => {
          res.writeHead(200);
          res.write('partial');
          throw new Error('mid-body');
        },
      },
      ready: () => {
        throw new Error('probe broke');
      },
    });
    const sync = await fetch(`${base}/sync`);
    expect(sync.status).toBe(500);
    expect(await sync.text()).not.toMatch(/boom/);
    expect((await fetch(`${base}/async`)).status).toBe(500);
    expect((await fetch(`${base}/readyz`)).status).toBe(500);
    await expect(fetch(`${base}/half`).then((r) => r.text())).rejects.toThrow();
    expect(errors).toHaveLength(4);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('fails closed when the token list cannot be read', async () => {
    const base = await start({
      tokenSha256: () => {
        throw new Error('no config');
      },
    });
    expect((await fetch(`${base}/metrics`)).status).toBe(500);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('answers 400 to request targets that are not a path, and 500 when the registry fails', async () => {
    const base = await start({ tokenSha256: () => [sha256Hex('t')] });
    expect(await raw(base, 'GET', 'http://evil.example/metrics')).toBe(400);
    expect(await raw(base, 'OPTIONS', '*')).toBe(400);
    expect(await raw(base, 'GET', '/metrics/%zz?%zz=%')).toBe(401);
    expect(await raw(base, 'GET', '/healthz?%zz')).toBe(200);

    const registry = new Registry();
    registry.metrics = () => Promise.reject(new Error('collect failed'));
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    const base2 = await start({ registry });
    expect((await fetch(`${base2}/metrics`)).status).toBe(500);
    expect((await fetch(`${base2}/healthz`)).status).toBe(200);
  });
});

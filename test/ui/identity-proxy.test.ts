// The UI behind a proxy that signs people in (as oauth2-proxy would: it adds X-Forwarded-Email and
// X-Forwarded-Groups and forwards to the query service, which trusts its address). Someone in a group
// that reads two tenants is asked which one, sees that tenant's traces, and can change their choice;
// no token is ever asked for.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium } from '../harness/browser.ts';
import { startIdentityStack } from '../harness/identity-stack.ts';
import type { LocalStack } from '../harness/local-stack.ts';
import { suiteTitle } from '../harness/testbin.ts';

const SHOTS = fileURLToPath(new URL('../../test-results/ui/', import.meta.url));
const browserOk = requireChromium();

/** A signing-in proxy stand-in: every request forwarded to `target` as `who`. */
async function signingInProxy(target: string, who: Record<string, string>): Promise<Server> {
  const server = createServer((req, res) => {
    const up = request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: { ...req.headers, ...who, host: new URL(target).host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

describe.skipIf(!browserOk.ok)(suiteTitle('trace UI behind a signing-in proxy', browserOk), () => {
  let stack: LocalStack;
  let proxy: Server;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    stack = await startIdentityStack({ shop: { groups: ['sre'] }, bank: { groups: ['sre'] } });
    proxy = await signingInProxy(stack.queryUrl, {
      'x-forwarded-email': 'bob@example.com',
      'x-forwarded-groups': 'sre',
    });
    base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => proxy?.close(r));
    await stack?.stop();
  });

  it('asks which tenant among those the person reads, then shows only its traces', async () => {
    await page.goto(`${base}/?range=all`);
    await page.getByText('You can read several tenants').waitFor();
    expect(await page.getByLabel('Tenant token').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}40-tenant-picker.png` });
    await page.getByRole('button', { name: 'shop' }).click();
    await page.locator('table.traces tbody tr', { hasText: 'shop-agent' }).waitFor();
    expect(await page.locator('table.traces tbody tr', { hasText: 'bank-agent' }).count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}41-tenant-shop.png` });
  });

  it('changes tenant on request', async () => {
    await page.getByRole('button', { name: /Tenant shop · change/ }).click();
    await page.getByRole('button', { name: 'bank' }).click();
    await page.locator('table.traces tbody tr', { hasText: 'bank-agent' }).waitFor();
    expect(await page.locator('table.traces tbody tr', { hasText: 'shop-agent' }).count()).toBe(0);
  });
});

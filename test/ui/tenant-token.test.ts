// The UI of a stack serving several tenants (make run MANIFESTS=dir): it asks for the tenant token,
// says when a token is refused, and shows each tenant only its own traces.
import { fileURLToPath } from 'node:url';
import { agentSpans } from '@koder-trace/ingester/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium } from '../harness/browser.ts';
import { type LocalStack, startLocalStack } from '../harness/local-stack.ts';
import { exportSpans, sdkExporter } from '../harness/otel-sdk.ts';
import { tenantManifests } from '../harness/tenant-manifests.ts';
import { suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const SHOTS = fileURLToPath(new URL('../../test-results/ui/', import.meta.url));
const browserOk = requireChromium();

describe.skipIf(!browserOk.ok)(suiteTitle('trace UI with tenant tokens', browserOk), () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startLocalStack({ manifests: await tenantManifests(['team-a', 'team-b']) });
    const endpoint = { grpc: stack.otlpGrpc, http: stack.otlpHttp };
    expect(
      await exportSpans(sdkExporter('http/protobuf', endpoint, 'token-team-a'), await agentSpans('a-agent')),
    ).toEqual({
      ok: true,
    });
    await until(
      'stored',
      async () => (await stack.get('/api/v1/traces', 'token-team-a')).body.traces.length > 0,
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('asks for a token, refuses a wrong one saying so, and shows the tenant its traces', async () => {
    await page.goto(`${stack.queryUrl}/?range=all`);
    const input = page.getByLabel('Tenant token');
    await input.waitFor();
    await page.screenshot({ path: `${SHOTS}20-token-form.png` });
    await input.fill('not-a-token');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The saved token was refused').waitFor();
    await input.fill('token-team-a');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('table.traces tbody tr', { hasText: 'a-agent' }).waitFor();
    await page.screenshot({ path: `${SHOTS}21-tenant-a.png` });
  });

  it("never shows one tenant another tenant's traces", async () => {
    await page.getByRole('button', { name: 'Forget tenant token' }).click();
    await page.getByLabel('Tenant token').fill('token-team-b');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('No traces yet').waitFor();
    expect(await page.locator('table.traces').count()).toBe(0);
  });
});

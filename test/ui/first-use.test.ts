// What a new user meets first, in Chromium: an empty install says how to send the first trace (to the
// real OTLP endpoints, whatever the filters), filters show examples that do not read as values, and in a
// trace the counts agree, a bad rating reads as bad, "sent" gives way to the rating, and no duration
// label is white on the page. Screenshots: test-results/ui/3x-*.png.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium } from '../harness/browser.ts';
import { type LocalStack, startLocalStack } from '../harness/local-stack.ts';
import { runCommand } from '../harness/process.ts';
import { suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const SHOTS = fileURLToPath(new URL('../../test-results/ui/', import.meta.url));
const DEMO = fileURLToPath(new URL('../../query/src/demo/traffic.ts', import.meta.url));
const browserOk = requireChromium();

describe.skipIf(!browserOk.ok)(suiteTitle('trace UI on first use', browserOk), () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: `${SHOTS}${name}.png` });

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    stack = await startLocalStack();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('an empty install shows how to send the first trace, to its real endpoints, on any view', async () => {
    for (const view of ['/', '/?range=15m', '/?service=support-agent&range=all']) {
      await page.goto(`${stack.queryUrl}${view}`);
      await page.getByText('No traces yet').waitFor();
      const text = await page.locator('.first-trace').textContent();
      expect(text).toContain(`export OTEL_EXPORTER_OTLP_ENDPOINT=${stack.otlpHttp}`);
      expect(text).toContain(stack.otlpGrpc);
      expect(await page.getByText('No traces match').count()).toBe(0);
    }
    await page.goto(`${stack.queryUrl}/`);
    await page.getByText('No traces yet').waitFor();
    await shot('30-first-trace');
  });

  it('filter examples look like examples, not values', async () => {
    const model = page.getByLabel('Model');
    expect(await model.inputValue()).toBe('');
    expect(await model.getAttribute('placeholder')).toMatch(/^e\.g\. /);
    const style = await model.evaluate((el) => {
      const w = globalThis as unknown as {
        getComputedStyle(e: unknown, pseudo?: string): { color: string; fontStyle: string };
      };
      return { text: w.getComputedStyle(el).color, placeholder: w.getComputedStyle(el, '::placeholder') };
    });
    expect(style.placeholder.fontStyle).toBe('italic');
    expect(style.placeholder.color).not.toBe(style.text);
    await page.locator('form.filters').screenshot({ path: `${SHOTS}31-filters.png` });
  });

  it('with traces stored, an empty filter says nothing matches', async () => {
    const demo = await runCommand(process.execPath, [
      DEMO,
      '--runs',
      '8',
      '--otlp',
      stack.otlpHttp,
      '--api',
      stack.queryUrl,
    ]);
    expect(demo.code, demo.stderr).toBe(0);
    await until('the demo stored', async () => (await stack.get('/api/v1/traces')).body.traces.length === 8);
    await page.goto(`${stack.queryUrl}/?service=nobody`);
    await page.getByText('No traces match these filters').waitFor();
    expect(await page.getByText('No traces yet').count()).toBe(0);
  });

  it('in a trace: counts agree, a bad rating reads as bad, "sent" gives way to it, labels are readable', async () => {
    const { body } = await stack.get('/api/v1/traces?service=support-agent&sort=spans');
    const id = body.traces[0].traceId as string;
    await page.goto(`${stack.queryUrl}/traces/${id}`);
    await page.getByRole('treeitem').first().waitFor();
    await page.locator('.tree-row.is-llm').first().click();
    const panel = page.getByRole('complementary', { name: 'Prompt panel' });
    const before = await panel.locator('li.rating').count();
    await panel.getByRole('button', { name: 'Rate bad' }).click();
    await panel.getByText('Rating sent').waitFor();
    await expect.poll(() => panel.locator('li.rating').count(), { timeout: 15_000 }).toBe(before + 1);
    await expect.poll(() => panel.getByText('Rating sent').count()).toBe(0);
    expect(await panel.locator('li.rating').last().textContent()).toMatch(/^✗ bad/);

    const trace = (await stack.get(`/api/v1/traces/${id}`)).body;
    const stat = (label: string) =>
      page.locator('.totals .stat', { has: page.locator('dt', { hasText: label }) }).locator('dd');
    expect(await stat('Spans').textContent()).toBe(String(trace.spanCount));
    const ratings = trace.ratings.length as number;
    expect(await page.locator('.tree-tools .hint').textContent()).toContain(
      `${trace.spanCount} of ${trace.spanCount} spans shown · ${ratings} rating${ratings === 1 ? '' : 's'}`,
    );
    const scores = trace.ratings.map((r: { score: number }) => r.score) as number[];
    const good = scores.filter((s) => s === 1).length;
    const bad = scores.filter((s) => s === 0).length;
    expect(await stat('Rating').textContent()).toBe(
      [good && `${good} good`, bad && `${bad} bad`].filter(Boolean).join(' · '),
    );
    expect(await page.locator('.tree-row.is-rating .span-name').last().textContent()).toBe('rated bad');

    // A white label must sit on its bar; every other label is in the page's muted colour.
    const labels = await page.locator('.tree-row').evaluateAll((rows) =>
      rows.flatMap((row) => {
        const r = row as unknown as {
          querySelector(s: string): {
            getBoundingClientRect(): { left: number; right: number };
            textContent: string;
          } | null;
        };
        const label = r.querySelector('.bar-label');
        const bar = r.querySelector('.bar');
        if (!label || !bar) return [];
        const w = globalThis as unknown as { getComputedStyle(e: unknown): { color: string } };
        const l = label.getBoundingClientRect();
        const b = bar.getBoundingClientRect();
        return [
          {
            text: label.textContent,
            white: w.getComputedStyle(label).color === 'rgb(255, 255, 255)',
            onBar: l.left >= b.left - 1 && l.right <= b.right + 1,
          },
        ];
      }),
    );
    expect(labels.length).toBeGreaterThan(3);
    for (const l of labels) if (l.white) expect(l, `label ${l.text}`).toMatchObject({ onBar: true });
    await shot('32-trace-rated-bad');
  });
});

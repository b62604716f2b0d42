// The trace UI in a real browser (Debian's Chromium via playwright-core) against the one-machine
// stack that `make run` starts, filled by `make demo`'s traffic and a 5,001-span agent trace, all
// sent with the stock OTel SDK. Each step writes a screenshot to test-results/ui/.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium } from '../harness/browser.ts';
import { largeAgentTrace } from '../harness/large-trace.ts';
import { type LocalStack, startLocalStack } from '../harness/local-stack.ts';
import { exportSpans, sdkExporter } from '../harness/otel-sdk.ts';
import { runCommand } from '../harness/process.ts';
import { suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const SHOTS = fileURLToPath(new URL('../../test-results/ui/', import.meta.url));
const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const browserOk = requireChromium();

describe.skipIf(!browserOk.ok)(suiteTitle('trace UI in Chromium', browserOk), () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let bigTraceId: string;
  const shot = (name: string) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: false });

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    // The page is the UI as built from these sources, once per run (test/harness/build-ui.ts).
    stack = await startLocalStack();
    const demo = await runCommand(process.execPath, [
      root('query/src/demo/traffic.ts'),
      '--runs',
      '16',
      '--otlp',
      stack.otlpHttp,
      '--api',
      stack.queryUrl,
    ]);
    expect(demo.code, demo.stderr).toBe(0);
    const big = await largeAgentTrace(1000);
    bigTraceId = big[0]?.spanContext().traceId as string;
    const exporter = sdkExporter('http/protobuf', { grpc: stack.otlpGrpc, http: stack.otlpHttp });
    for (let i = 0; i < big.length; i += 1000)
      expect(await exportSpans(exporter, big.slice(i, i + 1000))).toEqual({ ok: true });
    await until(
      'the 5,001-span trace stored',
      async () => (await stack.get(`/api/v1/traces/${bigTraceId}`)).body?.spanCount === 5001,
      30_000,
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('shows the trace table and finds a trace by filter, keeping the filter in the URL', async () => {
    await page.goto(`${stack.queryUrl}/`);
    await page.locator('table.traces tbody tr').first().waitFor();
    // Agent runs' rows preview what they were asked and what they answered.
    const cells = page.locator('table.traces tbody tr .preview');
    await expect
      .poll(async () => (await cells.locator('.preview-input').allTextContents()).length)
      .toBeGreaterThan(0);
    expect((await cells.locator('.preview-input').allTextContents())[0]).toMatch(/^in \S/);
    expect((await cells.locator('.preview-output').allTextContents())[0]).toMatch(/^out \S/);
    await shot('01-trace-table');
    await page.getByLabel('Model').fill('claude-sonnet-4');
    await page.getByLabel('Service').fill('support-agent');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/model=claude-sonnet-4/);
    const rows = page.locator('table.traces tbody tr');
    await expect
      .poll(async () => (await rows.allTextContents()).every((t) => t.includes('claude-sonnet-4')))
      .toBe(true);
    expect(await rows.count()).toBeGreaterThan(0);
    for (const t of await rows.allTextContents()) expect(t).toContain('support-agent');
    await shot('02-filtered');
    // The view is a link: opened afresh, it shows the same filter and results.
    await page.goto(page.url());
    await expect.poll(() => page.getByLabel('Model').inputValue()).toBe('claude-sonnet-4');
  });

  it('finds traces by what was said in them, with the words marked', async () => {
    const api = (await stack.get('/api/v1/traces?q=kettle&start=0')).body as { traces: unknown[] };
    expect(api.traces.length).toBeGreaterThan(0);
    await page.goto(`${stack.queryUrl}/?range=all`);
    // The page has loaded its rows (and set its filters from the URL) before anything is typed.
    await page.locator('table.traces tbody tr').first().waitFor();
    await page.getByLabel('Text').fill('kettle');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=kettle/);
    const marks = page.locator('table.traces tbody tr .match mark');
    await marks.first().waitFor();
    expect(await page.locator('table.traces tbody tr').count()).toBe(api.traces.length);
    for (const m of await marks.allTextContents()) expect(m.toLowerCase()).toBe('kettle');
    await shot('03-text-search');
  });

  it('sorts all matching traces by a column', async () => {
    await page.goto(`${stack.queryUrl}/?range=all`);
    await page.getByRole('button', { name: /^Spans/ }).click();
    await page.waitForURL(/sort=spans/);
    await page.locator('table.traces tbody tr').first().waitFor();
    const first = await page.locator('table.traces tbody tr').first().locator('td').nth(4).textContent();
    expect(first).toBe('5001'); // the large trace has the most spans
    await shot('03-sorted-by-spans');
  });

  it('opens a trace from the table with the keyboard and expands its tree', async () => {
    await page.goto(`${stack.queryUrl}/?service=support-agent&range=all`);
    const firstRow = page.locator('table.traces tbody tr').first();
    await firstRow.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/traces\/[0-9a-f]{32}/);
    const items = page.getByRole('treeitem');
    await items.first().waitFor();
    await shot('04-trace');
    await page.getByRole('button', { name: 'Collapse all' }).click();
    await expect.poll(() => items.count()).toBe(1);
    await page.getByRole('button', { name: 'Expand all' }).click();
    await expect.poll(() => items.count()).toBeGreaterThan(3);
    await expect(page.locator('.tree-row.is-llm').first()).toBeTruthy();
    // Each model call shows its tokens (and cost) on its row, as the trace detail says.
    const traceId = /\/traces\/([0-9a-f]{32})/.exec(page.url())?.[1] as string;
    const detail = (await stack.get(`/api/v1/traces/${traceId}`)).body as {
      spans: { spanId: string; usageRollup: boolean; genAi?: { usage: { inputTokens: number } } }[];
    };
    const calls = detail.spans.filter((s) => (s.genAi?.usage.inputTokens ?? 0) > 0 && !s.usageRollup);
    expect(calls.length).toBeGreaterThan(0);
    await expect.poll(() => page.locator('.span-usage:not(.rollup)').count()).toBe(calls.length);
    expect(await page.locator('.span-usage').first().textContent()).toMatch(/^\S+ \/ \S+( · .+)?$/);
    await shot('05-tree-expanded');
  });

  it('opens the prompt panel of an LLM span and rates it; the rating appears', async () => {
    await page.locator('.tree-row.is-llm').first().click();
    const panel = page.getByRole('complementary', { name: 'Prompt panel' });
    await panel.waitFor();
    await expect.poll(() => panel.textContent()).toMatch(/Input messages/);
    expect(await panel.textContent()).toMatch(/Input tokens/);
    expect(page.url()).toMatch(/span=[0-9a-f]{16}/);
    await shot('06-prompt-panel');
    await panel.getByLabel('Rating comment').fill('clear and correct');
    await panel.getByRole('button', { name: 'Rate good' }).click();
    await panel.locator('li.rating', { hasText: 'clear and correct' }).waitFor({ timeout: 15_000 });
    await shot('07-rated');
  });

  it('opens the prompt-version overlay with its charts', async () => {
    await page
      .getByRole('complementary', { name: 'Prompt panel' })
      .getByRole('link', { name: /support-answer/ })
      .click();
    await page.waitForURL(/\/prompts\/support-answer/);
    await page.locator('table.versions tbody tr').first().waitFor();
    expect(await page.locator('table.versions tbody tr').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.chart canvas').count()).toBe(4);
    expect(await page.locator('table.versions').textContent()).toMatch(/%/);
    await shot('08-overlay');
  });

  it('finds text inside a trace and goes from error to error', async () => {
    const errors = (await stack.get('/api/v1/traces?error=true&start=0&limit=1')).body as {
      traces: { traceId: string }[];
    };
    const traceId = errors.traces[0]?.traceId as string;
    await page.goto(`${stack.queryUrl}/traces/${traceId}`);
    await page.getByRole('treeitem').first().waitFor();
    await page.getByRole('button', { name: 'Collapse all' }).click();
    // The next error is revealed (its ancestors open) and selected.
    await page.getByRole('button', { name: /^Next error/ }).click();
    await expect.poll(() => page.locator('.tree-row.selected.error').count()).toBe(1);
    const find = page.getByLabel('Find in trace');
    await find.fill('chat');
    await find.press('Enter');
    await expect.poll(() => page.locator('.tree-row.selected.match').count()).toBe(1);
    expect(await page.locator('.tree-row.selected .span-name').textContent()).toMatch(/chat/);
    await shot('06-find-in-trace');
  });

  it('lists sessions and reads one as a conversation, turn by turn', async () => {
    const api = (await stack.get('/api/v1/sessions')).body as {
      sessions: { conversationId: string; turns: number }[];
    };
    expect(api.sessions.length).toBeGreaterThan(1);
    await page.goto(`${stack.queryUrl}/sessions`);
    await page.locator('table.groups tbody tr').first().waitFor();
    expect(await page.locator('table.groups tbody tr').count()).toBe(api.sessions.length);
    await shot('09-sessions');
    const busiest = api.sessions.reduce((a, b) => (b.turns > a.turns ? b : a));
    await page.getByRole('link', { name: busiest.conversationId, exact: true }).click();
    await page.waitForURL(new RegExp(`/sessions/${busiest.conversationId}$`));
    await page.locator('li.turn').first().waitFor();
    expect(await page.locator('li.turn').count()).toBe(busiest.turns);
    // Each turn reads as the user's question and the assistant's answer.
    expect(await page.locator('li.turn').first().locator('.message.user').count()).toBe(1);
    expect(await page.locator('li.turn').first().locator('.message.assistant').count()).toBeGreaterThan(0);
    await shot('10-session');
    await page.locator('li.turn').first().getByRole('link', { name: 'Open trace' }).click();
    await page.waitForURL(/\/traces\/[0-9a-f]{32}$/);
  });

  it('shows the dashboard by model and by prompt version, and opens a model as its traces', async () => {
    const api = (await stack.get('/api/v1/dashboard?start=0&by=model')).body as {
      groups: { key: string; calls: number }[];
    };
    expect(api.groups.length).toBeGreaterThan(1);
    await page.goto(`${stack.queryUrl}/dashboard`);
    await page.locator('table.dashboard tbody tr').first().waitFor();
    const models = await page.locator('table.dashboard tbody tr td:first-child').allTextContents();
    expect(models.sort()).toEqual(api.groups.map((g) => g.key).sort());
    expect(await page.locator('.chart canvas').count()).toBe(6);
    await shot('12-dashboard');
    await page.getByLabel('By').selectOption('promptVersion');
    await page.waitForURL(/by=promptVersion/);
    await page.locator('table.dashboard tbody tr td', { hasText: 'support-answer@' }).first().waitFor();
    await shot('13-dashboard-prompt-versions');
    await page.getByLabel('By').selectOption('model');
    const model = api.groups.find((g) => !g.key.startsWith('(')) as { key: string };
    await page.getByRole('link', { name: model.key, exact: true }).click();
    await page.waitForURL(new RegExp(`model=${model.key}`));
    await page.locator('table.traces tbody tr').first().waitFor();
  });

  it('lists end users and opens one as the trace table filtered to that user', async () => {
    const api = (await stack.get('/api/v1/users')).body as { users: { userId: string; traces: number }[] };
    expect(api.users.length).toBeGreaterThan(1);
    await page.goto(`${stack.queryUrl}/users`);
    await page.locator('table.groups tbody tr').first().waitFor();
    expect(await page.locator('table.groups tbody tr').count()).toBe(api.users.length);
    await shot('11-users');
    // Each user over time: the dashboard by user, over the same range.
    await page.getByRole('link', { name: 'Per user over time' }).click();
    await page.waitForURL(/\/dashboard\?by=user/);
    await page.locator('table.dashboard tbody tr').first().waitFor();
    const users = await page.locator('table.dashboard tbody tr td:first-child').allTextContents();
    expect(users).toEqual(expect.arrayContaining(api.users.slice(0, 3).map((u) => u.userId)));
    await shot('14-dashboard-users');
    await page.goBack();
    await page.locator('table.groups tbody tr').first().waitFor();
    const user = api.users[0] as { userId: string; traces: number };
    await page.getByRole('link', { name: user.userId, exact: true }).click();
    await page.waitForURL(new RegExp(`userId=${user.userId}`));
    expect(await page.getByLabel('User').inputValue()).toBe(user.userId);
    await page.locator('table.traces tbody tr').first().waitFor();
    expect(await page.locator('table.traces tbody tr').count()).toBe(user.traces);
  });

  it('opens a 5,001-span trace and scrolls it without freezing (virtualised rows)', async () => {
    await page.goto(`${stack.queryUrl}/traces/${bigTraceId}`);
    await page.getByRole('treeitem').first().waitFor();
    const firstRender = await page.evaluate(
      () => performance.getEntriesByName('koder:span-tree-rendered')[0]?.startTime ?? -1,
    );
    await page.getByRole('button', { name: 'Expand all' }).click();
    await expect.poll(() => page.locator('.tree-tools .hint').textContent()).toMatch(/^5001 of 5001 spans/);
    // Long tasks (> 50 ms on the main thread) while scrolling from top to bottom.
    // (These functions run in the page: its globals are typed here by hand.)
    await page.evaluate(() => {
      const w = globalThis as unknown as { longTasks: number[] };
      w.longTasks = [];
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) w.longTasks.push(e.duration);
      }).observe({ type: 'longtask' as 'mark' });
    });
    const scroller = page.locator('.tree-scroll');
    const started = Date.now();
    for (let i = 0; i < 40; i++) {
      await scroller.evaluate((el) => el.scrollBy(0, 4000));
      await page.evaluate(
        () =>
          new Promise((r) =>
            (
              globalThis as unknown as { requestAnimationFrame: (f: () => void) => void }
            ).requestAnimationFrame(() => r(null)),
          ),
      );
    }
    const scrollMs = Date.now() - started;
    const longTasks = await page.evaluate(() => (globalThis as unknown as { longTasks: number[] }).longTasks);
    const domRows = await page.getByRole('treeitem').count();
    await page.keyboard.press('End');
    await shot('09-large-trace');
    const report = {
      spans: 5001,
      firstRenderMs: Math.round(firstRender),
      scrollMs,
      longestTaskMs: Math.max(0, ...longTasks),
      domRows,
    };
    console.log(`[ui] 5,001-span trace: ${JSON.stringify(report)}`);
    await writeFile(`${SHOTS}large-trace.json`, `${JSON.stringify(report, null, 2)}\n`);
    expect(firstRender).toBeGreaterThan(0);
    // Virtualised: a screenful of rows is in the DOM, not 5,001.
    expect(domRows).toBeLessThan(150);
    expect(await scroller.evaluate((el) => el.scrollTop)).toBeGreaterThan(100_000);
  });

  it('says what to do when nothing matches, and shows API errors', async () => {
    await page.goto(`${stack.queryUrl}/?service=nobody&range=all`);
    await page.getByText('No traces match these filters').waitFor();
    await shot('10-no-match');
    await page.goto(`${stack.queryUrl}/?minRating=7`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/minRating: expected a number from 0 to 1/);
    await page.goto(`${stack.queryUrl}/traces/${'0'.repeat(32)}`);
    expect(await page.getByRole('alert').textContent()).toMatch(/no trace 0{32}/);
  });
});

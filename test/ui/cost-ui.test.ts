// Cost in the UI, in a real browser (Debian's Chromium via playwright-core) against the one-machine
// stack: a model without a price reads "price unknown" (never $0) and totals that leave calls out
// say they are partial; an agent span whose usage sums its calls says it is not added again.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, requireChromium } from '../harness/browser.ts';
import { type LocalStack, startLocalStack } from '../harness/local-stack.ts';
import { exportSpans, sdkExporter } from '../harness/otel-sdk.ts';
import { suiteTitle } from '../harness/testbin.ts';
import { until } from '../harness/wait.ts';

const browserOk = requireChromium();
const FIXTURE = fileURLToPath(new URL('../fixtures/genai/vercel-ai-gen_ai-generate.json', import.meta.url));

/** One run calling a priced model and one the price table does not know, sent with the OTel SDK. */
function mixedRun() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'pricing-agent' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('cost-ui');
  const root = tracer.startSpan('answer question', { kind: SpanKind.SERVER });
  const ctx = trace.setSpan(context.active(), root);
  for (const [model, input] of [
    ['gpt-4o', 1000],
    ['gpt-9-preview', 150_000],
  ] as const) {
    tracer
      .startSpan(
        `chat ${model}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': model,
            'gen_ai.usage.input_tokens': input,
            'gen_ai.usage.output_tokens': 100,
          },
        },
        ctx,
      )
      .end();
  }
  root.end();
  return { spans: exporter.getFinishedSpans(), traceId: root.spanContext().traceId };
}

describe.skipIf(!browserOk.ok)(suiteTitle('cost in the trace UI', browserOk), () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let mixedId: string;
  let agentId: string;

  beforeAll(async () => {
    stack = await startLocalStack();
    const run = mixedRun();
    mixedId = run.traceId;
    const endpoint = { grpc: stack.otlpGrpc, http: stack.otlpHttp };
    expect(await exportSpans(sdkExporter('http/protobuf', endpoint), run.spans)).toEqual({ ok: true });
    const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    agentId = fixture.resourceSpans[0].scopeSpans[0].spans[0].traceId;
    const res = await fetch(`${stack.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: fixture.resourceSpans }),
    });
    expect(res.status).toBe(200);
    await until('both traces stored', async () =>
      (await stack.get('/api/v1/traces')).body?.traces?.length === 2 ? true : undefined,
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('a trace with an unpriced model: partial in the table and the trace, "price unknown" on the call', async () => {
    await page.goto(`${stack.queryUrl}/`);
    const row = page.locator('table.traces tbody tr', { hasText: 'answer question' });
    await row.waitFor();
    // gpt-4o: 1,000 × $2.50 + 100 × $10 per 1M = $0.0035; gpt-9-preview has no price.
    const cell = row.locator('td', { hasText: 'partial' });
    await expect.poll(() => cell.textContent()).toBe('≥ $0.0035 (partial)');
    expect(await cell.getAttribute('title')).toContain('price unknown for openai/gpt-9-preview');

    await page.goto(`${stack.queryUrl}/traces/${mixedId}`);
    const stat = page.locator('.stat', { hasText: 'Cost' });
    await expect.poll(() => stat.locator('dd').textContent()).toBe('≥ $0.0035 (partial)');
    await page.getByText('chat gpt-9-preview').first().click();
    const fact = page.locator('.fact', { hasText: 'Cost' });
    await expect.poll(() => fact.locator('dd').textContent()).toBe('price unknown for openai/gpt-9-preview');
  });

  it('an agent span summing its calls says so, and the trace counts each call once', async () => {
    await page.goto(`${stack.queryUrl}/traces/${agentId}`);
    const calls = page.locator('.stat', { hasText: 'LLM / tool calls' });
    await expect.poll(() => calls.locator('dd').textContent()).toBe('2 / 1');
    const tokens = page.locator('.stat', { hasText: 'Tokens in / out' });
    await expect.poll(() => tokens.locator('dd').textContent()).toBe('2500 / 65');
    await page.getByText('invoke_agent gpt-4o-mini').first().click();
    const fact = page.locator('.fact', { hasText: 'Cost' });
    await expect
      .poll(() => fact.locator('dd').textContent())
      .toMatch(/sum of the calls below, not added again/);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createByteBudget } from '../memory/byte-budget.ts';
import { createMetrics } from '../metrics.ts';
import type { TraceBatch } from '../otlp/model.ts';
import { testSpan } from '../testing/spans.ts';
import { startRegistryWebhook } from './deliverer.ts';

const ratingBatch = (n: number): TraceBatch => ({
  resourceSpans: [
    {
      resource: { attributes: [], droppedAttributesCount: 0, unknown: [] },
      scopeSpans: [
        {
          scope: { raw: null, name: '', version: '' },
          spans: [
            testSpan({
              spanId: new Uint8Array(8).fill(n),
              parentSpanId: new Uint8Array(8).fill(0xee),
              attributes: [
                { key: 'koder.rating.score', value: 1 },
                { key: 'koder.rating.comment', value: 'x'.repeat(500) },
              ],
            }),
          ],
          schemaUrl: '',
        },
      ],
      schemaUrl: '',
    },
  ] as TraceBatch['resourceSpans'],
});

describe('prompt-registry deliveries in the memory budget', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('counts each body held in memory (no outbox dir), refuses when the budget is full, gives back on delivery', async () => {
    let open = false;
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(open ? 200 : 503).end();
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const metrics = createMetrics();
    const budget = createByteBudget(2500);
    const hook = startRegistryWebhook({
      settings: {
        dir: '',
        maxBytes: 1 << 20,
        timeoutMs: 1000,
        maxAgeMs: 60_000,
        concurrency: 2,
        initialMs: 20,
        maxMs: 50,
      },
      targetOf: () => ({ url, signingSecretFile: '/dev/null' }),
      metrics,
      log: pino({ level: 'silent' }),
      budget,
    });
    await hook.accept('acme', ratingBatch(1));
    const one = budget.used;
    expect(one).toBeGreaterThan(256 + 500);
    await hook.accept('acme', ratingBatch(2));
    expect(budget.used).toBe(2 * one);
    // A third does not fit in 2,500 bytes: refused, counted, nothing taken.
    await hook.accept('acme', ratingBatch(3));
    expect(budget.used).toBe(2 * one);
    const refused = await metrics.registry.getSingleMetricAsString(
      'koder_ingester_registry_deliveries_refused_total',
    );
    expect(refused).toMatch(/reason="memory"} 1/);
    open = true;
    await expect.poll(() => budget.used, { timeout: 5000 }).toBe(0);
    await hook.close();
  });
});

// The usage ledger end to end in `make run` (ingester, embedded store, query API in one process): a
// tenant whose SamplingPolicy keeps 20 % of traces sends 300 requests, each a trace with LLM calls
// and a koder.request_id. GET /api/v1/usage?requestId=… answers every request's exact tokens — for
// the dropped traces too — and the totals by day, service and model add up to the exact sums.
import { rm } from 'node:fs/promises';
import { attribute, int, len, request, rng, span, str, uint } from '@koder-trace/ingester/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../harness/local-stack.ts';
import { postOtlp } from '../harness/otlp-raw.ts';
import { scrapeMetric } from '../harness/prometheus.ts';
import { sampledTenantManifests } from '../harness/tenant-manifests.ts';
import { until } from '../harness/wait.ts';

const TOKEN = 'token-shop-ledger';

describe('usage ledger through the query API', () => {
  let dir: string;
  let stack: LocalStack;
  beforeAll(async () => {
    dir = await sampledTenantManifests({
      ns: 'shop',
      name: 'shop',
      token: TOKEN,
      policy: { defaultProbability: 0.2, trace: { quietMs: 300, maxAgeMs: 10_000 } },
    });
    stack = await startLocalStack({ manifests: dir });
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers each request exactly, kept or dropped, and totals that add up', async () => {
    const rand = rng(5);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
    const expected = new Map<string, { input: number; output: number; spans: number; error: boolean }>();
    const spans: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      const traceId = bytes(16);
      const rootId = bytes(8);
      const requestId = `order-${i}`;
      const error = rand() < 0.1;
      const e = { input: 0, output: 0, spans: 1, error };
      spans.push(
        span(
          { trace: traceId, span: rootId, name: 'POST /support' },
          attribute('koder.request_id', str(requestId)),
          ...(error ? [len(15, uint(3, 2))] : []),
        ),
      );
      for (let c = 0; c < 2; c++) {
        const input = 100 + Math.floor(rand() * 4000);
        const output = Math.floor(rand() * 500);
        e.input += input;
        e.output += output;
        e.spans++;
        spans.push(
          span(
            { trace: traceId, name: 'chat gpt-4o' },
            len(4, rootId),
            attribute('gen_ai.operation.name', str('chat')),
            attribute('gen_ai.request.model', str('gpt-4o')),
            attribute('gen_ai.usage.input_tokens', int(BigInt(input))),
            attribute('gen_ai.usage.output_tokens', int(BigInt(output))),
            attribute('koder.request_id', str(requestId)),
          ),
        );
      }
      expected.set(requestId, e);
    }
    for (let at = 0; at < spans.length; at += 100) {
      const res = await postOtlp(stack.otlpHttp, request(spans.slice(at, at + 100)), 'proto', TOKEN);
      expect(res.status, res.text).toBe(200);
    }
    await until(
      'every trace decided and stored',
      async () => {
        const buffered = await scrapeMetric(
          `${stack.adminUrl}/metrics`,
          'koder_ingester_trace_buffer_traces',
        );
        const queued = await scrapeMetric(`${stack.adminUrl}/metrics`, 'koder_ingester_queue_spans');
        // Late spans' usage waits for the next sweep before it is queued.
        const late = await scrapeMetric(`${stack.adminUrl}/metrics`, 'koder_ingester_trace_late_ledgers');
        return buffered === 0 && queued === 0 && late === 0 ? true : undefined;
      },
      30_000,
    );

    let dropped = 0;
    for (const [id, e] of expected) {
      const { status, body } = await stack.get(`/api/v1/usage?requestId=${id}`, TOKEN);
      expect(status, id).toBe(200);
      expect(body.tokens.input).toBe(e.input);
      expect(body.tokens.output).toBe(e.output);
      expect(body.spans).toBe(e.spans);
      expect(body.error).toBe(e.error);
      expect(body.models).toEqual(['gpt-4o']);
      if (e.error) expect(body.stored).toBe('kept');
      if (body.stored === 'dropped') dropped++;
    }
    expect(dropped).toBeGreaterThan(150); // about 80 % of the traces without an error
    expect((await stack.get('/api/v1/usage?requestId=nobody', TOKEN)).status).toBe(404);
    expect((await stack.get('/api/v1/usage?requestId=order-1')).status).toBe(401);
    expect((await stack.get('/api/v1/usage?bogus=1', TOKEN)).status).toBe(400);

    const totals = await stack.get('/api/v1/usage', TOKEN);
    expect(totals.status).toBe(200);
    const rows = totals.body.rows as { model: string; requests: number; tokens: { input: number } }[];
    const sum = (f: (e: { input: number }) => number) => [...expected.values()].reduce((n, e) => n + f(e), 0);
    expect(rows.filter((r) => r.model === 'gpt-4o').reduce((n, r) => n + r.tokens.input, 0)).toBe(
      sum((e) => e.input),
    );
    expect(rows.reduce((n, r) => n + r.requests, 0)).toBe(300);
  });

  it('totals 10,000 more requests exactly (the ledger is read from an index, not trace by trace)', async () => {
    const rand = rng(11);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
    const before = (await stack.get('/api/v1/usage', TOKEN)).body.rows as Row[];
    let input = 0;
    let output = 0;
    const spans: Buffer[] = [];
    for (let i = 0; i < 10_000; i++) {
      const tokens = { input: 1 + Math.floor(rand() * 3000), output: Math.floor(rand() * 400) };
      input += tokens.input;
      output += tokens.output;
      // One LLM call a request, its trace's root: decided once its quiet period passes.
      spans.push(
        span(
          { trace: bytes(16), name: 'chat gpt-4o' },
          attribute('gen_ai.operation.name', str('chat')),
          attribute('gen_ai.request.model', str('gpt-4o')),
          attribute('gen_ai.usage.input_tokens', int(BigInt(tokens.input))),
          attribute('gen_ai.usage.output_tokens', int(BigInt(tokens.output))),
          attribute('koder.request_id', str(`bulk-${i}`)),
        ),
      );
    }
    for (let at = 0; at < spans.length; at += 500) {
      const res = await postOtlp(stack.otlpHttp, request(spans.slice(at, at + 500)), 'proto', TOKEN);
      expect(res.status, res.text).toBe(200);
    }
    await until(
      'every trace decided and stored',
      async () => {
        const url = `${stack.adminUrl}/metrics`;
        const buffered = await scrapeMetric(url, 'koder_ingester_trace_buffer_traces');
        const queued = await scrapeMetric(url, 'koder_ingester_queue_spans');
        const late = await scrapeMetric(url, 'koder_ingester_trace_late_ledgers');
        return buffered === 0 && queued === 0 && late === 0 ? true : undefined;
      },
      120_000,
    );
    const { status, body } = await stack.get('/api/v1/usage', TOKEN);
    expect(status).toBe(200);
    expect(body.truncated).toBeUndefined();
    const rows = body.rows as Row[];
    const total = (rs: Row[], f: (r: Row) => number) => rs.reduce((n, r) => n + f(r), 0);
    expect(total(rows, (r) => r.requests) - total(before, (r) => r.requests)).toBe(10_000);
    const gpt = (rs: Row[]) => rs.filter((r) => r.model === 'gpt-4o');
    expect(total(gpt(rows), (r) => r.tokens.input) - total(gpt(before), (r) => r.tokens.input)).toBe(input);
    expect(total(gpt(rows), (r) => r.tokens.output) - total(gpt(before), (r) => r.tokens.output)).toBe(
      output,
    );
  }, 180_000);
});

type Row = { model: string; requests: number; tokens: { input: number; output: number } };

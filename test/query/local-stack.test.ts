// The one-machine stack end to end: stock OTel SDK exporters send agent traces to the ingester, the
// embedded store keeps them, and the query API finds them by each filter with correct totals.
import { fileURLToPath } from 'node:url';
import { agentSpans } from '@koder-trace/ingester/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../harness/local-stack.ts';
import { exportSpans, sdkExporter } from '../harness/otel-sdk.ts';
import { runCommand } from '../harness/process.ts';
import { tenantManifests } from '../harness/tenant-manifests.ts';
import { until } from '../harness/wait.ts';

describe('local stack (single tenant)', () => {
  let stack: LocalStack;
  let traceId: string;
  beforeAll(async () => {
    stack = await startLocalStack();
    const endpoint = { grpc: stack.otlpGrpc, http: stack.otlpHttp };
    const spans = await agentSpans('support-agent');
    traceId = spans[0]?.spanContext().traceId ?? '';
    expect(await exportSpans(sdkExporter('http/protobuf', endpoint), spans)).toEqual({ ok: true });
    expect(await exportSpans(sdkExporter('grpc', endpoint), await agentSpans('billing-agent'))).toEqual({
      ok: true,
    });
    await until('both traces stored', async () =>
      (await stack.get('/api/v1/traces')).body?.traces?.length === 2 ? true : undefined,
    );
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it.each([
    ['service=support-agent', 1],
    ['model=gpt-4o', 2],
    ['provider=openai', 0],
    ['error=true', 2],
    ['error=false', 0],
    ['promptVersion=v3', 2],
    ['promptVersion=v9', 0],
    ['name=execute_tool%20lookup_order', 2],
    ['minDurationMs=0', 2],
    ['minDurationMs=600000', 0],
    [`start=${Date.now() - 3600_000}&end=${Date.now() + 3600_000}`, 2],
    [`end=${Date.now() - 3600_000}`, 0],
    ['attr=gen_ai.agent.name%3Dsupport', 2],
    ['attr=service.name%3Dbilling-agent', 1],
    ['attr=gen_ai.request.temperature%3D0.2&attr=gen_ai.request.stream%3Dfalse', 2],
    ['attr=gen_ai.request.stream%3Dtrue', 0],
    ['attr=reason%3Dcalled-by', 0], // a link's attribute is not the span's
  ])('search %s finds %i', async (query, n) => {
    const res = await stack.get(`/api/v1/traces?${query}`);
    expect(res.status).toBe(200);
    expect(res.body.traces).toHaveLength(n);
  });

  it('returns search rows with tokens, models, prompt versions and the error flag', async () => {
    const { body } = await stack.get('/api/v1/traces?service=support-agent');
    expect(body.traces[0]).toMatchObject({
      traceId,
      rootService: 'support-agent',
      rootName: 'invoke_agent support',
      spanCount: 4,
      error: true,
      tokens: { input: 1200, output: 0 },
      models: ['gpt-4o'],
      promptVersions: ['v3'],
    });
  });

  it('pages with a cursor', async () => {
    const first = await stack.get('/api/v1/traces?limit=1');
    expect(first.body.traces).toHaveLength(1);
    const second = await stack.get(`/api/v1/traces?limit=1&cursor=${first.body.next}`);
    expect(second.body.traces).toHaveLength(1);
    expect(second.body.traces[0].traceId).not.toBe(first.body.traces[0].traceId);
    expect(second.body.next).toBeUndefined();
  });

  it('returns a trace with its GenAI view, totals, call sequence and errors', async () => {
    const { status, body } = await stack.get(`/api/v1/traces/${traceId}`);
    expect(status).toBe(200);
    expect(body.spanCount).toBe(4);
    expect(body.totals).toMatchObject({ inputTokens: 1200, llmCalls: 1, errors: 1 });
    expect(body.errors).toEqual([
      expect.objectContaining({ name: 'execute_tool lookup_order', message: 'order service timed out' }),
    ]);
    const chat = body.spans.find((s: { genAi?: { operation: string } }) => s.genAi?.operation === 'chat');
    expect(chat.genAi).toMatchObject({
      requestModel: 'gpt-4o',
      promptVersion: 'v3',
      usage: { inputTokens: 1200 },
      parameters: { temperature: 0.2 },
    });
    // The deprecated gen_ai.user.message event became the input messages.
    expect(chat.genAi.inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Where is my order? ünïcödé ✓' }] },
    ]);
    expect(body.spans.filter((s: { parentSpanId: string | null }) => s.parentSpanId === null)).toHaveLength(
      1,
    );
  });

  it('prices LLM calls from the price table', async () => {
    const { body } = await stack.get(`/api/v1/traces/${traceId}`);
    // 1,200 gpt-4o input tokens at $2.50 per million.
    expect(body.totals.costUsd).toBeCloseTo(0.003, 9);
    const row = (await stack.get('/api/v1/traces?service=support-agent')).body.traces[0];
    expect(row.costUsd).toBeCloseTo(0.003, 9);
  });

  it('takes a rating through the ingest path: it shows on the trace, in searches and in the prompt overlay', async () => {
    const { body: trace } = await stack.get(`/api/v1/traces/${traceId}`);
    const chat = trace.spans.find((s: { genAi?: { operation: string } }) => s.genAi?.operation === 'chat');
    const res = await fetch(`${stack.queryUrl}/api/v1/ratings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        traceId,
        spanId: chat.spanId,
        score: 0.25,
        comment: 'wrong order number',
        source: 'user',
      }),
    });
    expect(res.status).toBe(202);
    const rated = await until('the rating on the trace', async () => {
      const t = (await stack.get(`/api/v1/traces/${traceId}`)).body;
      return t.ratings.length ? t : undefined;
    });
    expect(rated.ratings).toEqual([
      expect.objectContaining({
        ratedSpanId: chat.spanId,
        score: 0.25,
        comment: 'wrong order number',
        source: 'user',
      }),
    ]);
    const rating = rated.spans.find((s: { name: string }) => s.name === 'koder.rating');
    expect(rating.parentSpanId).toBe(chat.spanId);
    expect(rating.attributes['koder.prompt.version']).toBe('v3');
    expect(
      (await stack.get('/api/v1/traces?maxRating=0.5')).body.traces.map(
        (t: { traceId: string }) => t.traceId,
      ),
    ).toEqual([traceId]);
    expect((await stack.get('/api/v1/traces?minRating=0.5')).body.traces).toEqual([]);

    expect((await stack.get('/api/v1/prompts')).body.prompts).toEqual([
      { promptId: 'support-answer', versions: ['v3'], calls: 2, lastSeenUnixNano: expect.any(String) },
    ]);
    const overlay = (await stack.get('/api/v1/prompts/support-answer/versions?buckets=4')).body;
    expect(overlay.versions).toEqual([
      expect.objectContaining({
        version: 'v3',
        calls: 2,
        errorRate: 0,
        inputTokens: 2400,
        avgRating: 0.25,
        ratings: 1,
      }),
    ]);
    expect(overlay.versions[0].costUsd).toBeCloseTo(0.006, 9);
    expect(overlay.series).toHaveLength(4);
  });

  it('refuses bad ratings with the reason', async () => {
    const post = (body: unknown) =>
      fetch(`${stack.queryUrl}/api/v1/ratings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      ((await (await post({ traceId, spanId: '0011223344556677', score: 2 })).json()) as { error: string })
        .error,
    ).toBe('score: expected a number from 0 to 1');
    // A span not stored is rated anyway (its trace may come back from the rescue store); the answer
    // says it did not.
    const unknown = await post({ traceId, spanId: '0011223344556677', score: 1 });
    expect(unknown.status).toBe(202);
    expect(((await unknown.json()) as { trace: string }).trace).toBe('not-stored');
  });

  it('sorts by a summary column either way, and pages in that order', async () => {
    const services = async (q: string) =>
      (await stack.get(`/api/v1/traces?${q}`)).body.traces.map((t: { rootService: string }) => t.rootService);
    expect(await services('sort=service&order=asc')).toEqual(['billing-agent', 'support-agent']);
    expect(await services('sort=service')).toEqual(['support-agent', 'billing-agent']);
    const first = await stack.get('/api/v1/traces?sort=service&order=asc&limit=1');
    expect(await services(`sort=service&order=asc&limit=1&cursor=${first.body.next}`)).toEqual([
      'support-agent',
    ]);
    const bySpans = await stack.get('/api/v1/traces?sort=spans&limit=1');
    const next = await stack.get(`/api/v1/traces?sort=spans&limit=1&cursor=${bySpans.body.next}`);
    expect(next.body.traces[0].traceId).not.toBe(bySpans.body.traces[0].traceId);
  });

  it('answers bad parameters with 400 saying which, and unknown traces with 404', async () => {
    expect(await stack.get('/api/v1/traces?limit=0')).toEqual({
      status: 400,
      body: { error: 'limit: expected 1 to 1000, got "0"' },
    });
    expect((await stack.get('/api/v1/traces?start=yesterday')).body.error).toMatch(
      /^start: expected RFC 3339/,
    );
    expect((await stack.get('/api/v1/traces?sort=cost')).body.error).toMatch(/^sort: expected one of start,/);
    expect((await stack.get('/api/v1/traces?order=up')).body.error).toMatch(/^order: expected asc or desc/);
    expect((await stack.get('/api/v1/traces?attr=novalue')).body.error).toMatch(/^attr: expected key=value/);
    expect((await stack.get('/api/v1/traces?cursor=bogus')).body.error).toMatch(/^cursor: not a cursor/);
    expect((await stack.get('/api/v1/traces/not-an-id')).status).toBe(400);
    expect((await stack.get(`/api/v1/traces/${'0'.repeat(32)}`)).status).toBe(404);
    expect((await stack.get('/api/v1/openapi.json')).body.openapi).toBe('3.1.0');
  });
});

describe('local stack (tenants from manifests)', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    const dir = await tenantManifests(['team-a', 'team-b']);
    stack = await startLocalStack({ manifests: dir });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("never lets one tenant's token read another tenant's traces", async () => {
    const endpoint = { grpc: stack.otlpGrpc, http: stack.otlpHttp };
    const spans = await agentSpans('a-svc');
    const id = spans[0]?.spanContext().traceId;
    expect(await exportSpans(sdkExporter('http/json', endpoint, 'token-team-a'), spans)).toEqual({
      ok: true,
    });
    expect((await exportSpans(sdkExporter('http/json', endpoint, 'nope'), spans)).ok).toBe(false);
    await until('stored', async () =>
      (await stack.get('/api/v1/traces', 'token-team-a')).body.traces.length ? true : undefined,
    );
    expect((await stack.get(`/api/v1/traces/${id}`, 'token-team-a')).status).toBe(200);
    expect((await stack.get(`/api/v1/traces/${id}`, 'token-team-b')).status).toBe(404);
    expect((await stack.get('/api/v1/traces', 'token-team-b')).body.traces).toEqual([]);
    expect((await stack.get('/api/v1/traces')).status).toBe(401);
  });
});

describe('make demo', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('fills a fresh stack with agent runs and ratings', async () => {
    const demo = fileURLToPath(new URL('../../query/src/demo/traffic.ts', import.meta.url));
    const run = await runCommand(
      process.execPath,
      [demo, '--runs', '6', '--otlp', stack.otlpHttp, '--api', stack.queryUrl],
      {
        timeoutMs: 60_000,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('sent 6 agent runs');
    // What the ingester accepted reaches the store through its queue, a moment later.
    const body = await until('the 6 demo runs stored', async () => {
      const res = await stack.get('/api/v1/traces');
      return res.body.traces.length === 6 ? res.body : undefined;
    });
    expect(new Set(body.traces.map((t: { rootService: string }) => t.rootService))).toEqual(
      new Set(['support-agent', 'billing-agent']),
    );
    // Ratings travel through the ingest path: they are stored a moment after the demo posted them.
    const ratings = await until('the demo ratings in the prompt overlay', async () => {
      const overlay = (await stack.get('/api/v1/prompts/support-answer/versions')).body;
      const n = overlay.versions.reduce((sum: number, v: { ratings: number }) => sum + v.ratings, 0);
      return n > 0 ? n : undefined;
    });
    expect(ratings).toBeGreaterThan(0);
  });
});

// Ratings through the API for traces trace-mode sampling dropped: `make run`'s stack keeps dropped
// traces in its rescue store, so rating one of their spans brings the whole trace back and the answer
// says so; a span no trace of which was kept answers that the rating is stored on its own.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../harness/local-stack.ts';
import { sampledTenantManifests } from '../harness/tenant-manifests.ts';
import { until } from '../harness/wait.ts';

const TOKEN = 'token-rescue-team';
const auth = { authorization: `Bearer ${TOKEN}` };

/** A tenant whose policy keeps nothing but errors and ratings, deciding 100 ms after the root. */
const manifests = () =>
  sampledTenantManifests({
    ns: 'rescue',
    name: 'team',
    token: TOKEN,
    policy: { defaultProbability: 0, keepErrors: true, trace: { quietMs: 100, maxAgeMs: 2000 } },
  });

/** The trace's span names, sorted, less the usage summaries the ingester adds per decision. */
const spanNames = (trace: { spans: { name: string }[] }) =>
  trace.spans
    .map((s) => s.name)
    .filter((n) => n !== 'koder.usage')
    .sort();

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A finished three-span trace with no error: the policy drops it. */
function trace() {
  const traceId = hex(16);
  const root = hex(8);
  const child = hex(8);
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const span = (spanId: string, parentSpanId: string, name: string, offsetMs: number) => ({
    traceId,
    spanId,
    parentSpanId,
    name,
    kind: 1,
    startTimeUnixNano: String(t0 + BigInt(offsetMs) * 1_000_000n),
    endTimeUnixNano: String(t0 + BigInt(offsetMs + 5) * 1_000_000n),
  });
  const request = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'support-agent' } }] },
        scopeSpans: [
          {
            spans: [
              span(child, root, 'chat gpt-4o', 1),
              span(hex(8), root, 'execute_tool lookup_order', 3),
              { ...span(root, '', 'invoke_agent support', 0), endTimeUnixNano: String(t0 + 20_000_000n) },
            ],
          },
        ],
      },
    ],
  };
  return { traceId, child, request };
}

describe('ratings of traces sampling dropped', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ manifests: await manifests() });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const send = async (body: unknown) =>
    fetch(`${stack.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify(body),
    });
  const rateSpan = async (traceId: string, spanId: string) => {
    const res = await fetch(`${stack.queryUrl}/api/v1/ratings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ traceId, spanId, score: 0, comment: 'wrong order id' }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the test reads the JSON answer
    return { status: res.status, body: (await res.json()) as any };
  };
  const dropped = async () => {
    const text = await (await fetch(`${stack.adminUrl}/metrics`)).text();
    const m = /koder_ingester_trace_decided_spans_total\{[^}]*outcome="dropped"[^}]*\} (\d+)/.exec(text);
    return Number(m?.[1] ?? 0);
  };

  it('a rating inside the rescue window brings the whole dropped trace back, and says so', async () => {
    const before = await dropped();
    const t = trace();
    expect((await send(t.request)).status).toBe(200);
    await until('the trace decided "drop"', async () => ((await dropped()) >= before + 3 ? true : undefined));
    expect((await stack.get(`/api/v1/traces/${t.traceId}`, TOKEN)).status).toBe(404);

    const rated = await rateSpan(t.traceId, t.child);
    expect(rated).toMatchObject({
      status: 202,
      body: { trace: 'rescued', traceId: t.traceId, ratedSpanId: t.child },
    });
    const { status, body } = await stack.get(`/api/v1/traces/${t.traceId}`, TOKEN);
    expect(status).toBe(200);
    const names = spanNames(body);
    expect(names).toEqual([
      'chat gpt-4o',
      'execute_tool lookup_order',
      'invoke_agent support',
      'koder.rating',
    ]);

    // Rated again, the trace is stored: no waiting, no rescue.
    expect((await rateSpan(t.traceId, t.child)).body.trace).toBe('stored');
  });

  it('a rating of a span no kept trace holds is stored alone, and the answer says the trace is not kept', async () => {
    const traceId = hex(16);
    const spanId = hex(8);
    const rated = await rateSpan(traceId, spanId);
    expect(rated.status).toBe(202);
    expect(rated.body).toMatchObject({ trace: 'not-stored', traceId, ratedSpanId: spanId });
    expect(rated.body.note).toMatch(/not stored.*rescue window.*stored on its own/);
    await until('the rating span stored on its own', async () => {
      const r = await stack.get(`/api/v1/traces/${traceId}`, TOKEN);
      return r.status === 200 ? r.body : undefined;
    }).then((body) => expect(spanNames(body)).toEqual(['koder.rating']));
  });
});

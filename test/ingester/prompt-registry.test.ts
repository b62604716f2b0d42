// Ratings reach the tenant's prompt registry: a real ingester process POSTs each rating span as signed
// JSON to a local receiving server, and keeps it through the receiver's downtime, hangs, refusals and
// its own restart.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySignature } from '@koder-trace/ingester/registry-webhook';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { type RegistryReceiver, startRegistryReceiver } from '../harness/registry-receiver.ts';
import { until } from '../harness/wait.ts';

const SECRET = 'whsec-test-0123456789';
const TOKEN = 'tok-registry';

const hex = (n: number) => randomBytes(n).toString('hex');

/** One rating span, as an application (or the query API) sends it: OTLP/HTTP JSON. */
function ratingSpan(score: number, comment: string) {
  const trace = hex(16);
  const rated = hex(8);
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'support-bot' } }] },
        scopeSpans: [
          {
            scope: { name: 'koder' },
            spans: [
              {
                traceId: trace,
                spanId: hex(8),
                parentSpanId: rated,
                name: 'koder.rating',
                kind: 1,
                startTimeUnixNano: String(now),
                endTimeUnixNano: String(now),
                attributes: [
                  { key: 'koder.rating.score', value: { doubleValue: score } },
                  { key: 'koder.rating.comment', value: { stringValue: comment } },
                  { key: 'koder.rating.source', value: { stringValue: 'sdk' } },
                  { key: 'koder.prompt.id', value: { stringValue: 'answer-ticket' } },
                  { key: 'koder.prompt.version', value: { stringValue: '12' } },
                ],
              },
            ],
          },
        ],
      },
    ],
  };
  return { trace, rated, body: JSON.stringify(body) };
}

async function rate(ing: RunningIngester, score: number, comment: string) {
  const span = ratingSpan(score, comment);
  const started = Date.now();
  const res = await fetch(`${ing.httpUrl}/v1/traces`, {
    method: 'POST',
    body: span.body,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
  });
  return { ...span, status: res.status, ms: Date.now() - started };
}

describe('ratings reach the prompt registry', () => {
  let dir: string;
  let receiver: RegistryReceiver;
  let ing: RunningIngester | undefined;
  const config = () => ({
    exporter: { kind: 'none' },
    promptRegistry: { dir: join(dir, 'outbox'), initialBackoffMs: 100, maxBackoffMs: 400, timeoutMs: 1500 },
    tenants: [
      {
        id: 'acme',
        tokenSha256: [sha256Hex(TOKEN)],
        promptRegistry: { url: receiver.url, signingSecretFile: join(dir, 'secret') },
      },
    ],
  });
  const metric = (name: string, labels: Record<string, string> = { tenant: 'acme' }) =>
    (ing as RunningIngester).metric(name, labels);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'koder-registry-'));
    await writeFile(join(dir, 'secret'), `${SECRET}\n`);
    receiver = await startRegistryReceiver();
  });
  afterEach(async () => {
    await ing?.stop();
    ing = undefined;
    receiver.mode = 'ok';
    receiver.received.length = 0;
  });
  afterAll(async () => {
    await receiver.down();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers a rating span as signed JSON naming the rated span, prompt, score and comment', async () => {
    ing = await startIngesterProcess(config());
    const r = await rate(ing, 0.8, 'solved it');
    expect(r.status).toBe(200);
    const got = await until('the delivery', () => receiver.received[0]);
    expect(
      verifySignature(SECRET, got.headers['x-koder-signature'] as string, got.body, Date.now() / 1000),
    ).toBe(true);
    expect(
      verifySignature('wrong', got.headers['x-koder-signature'] as string, got.body, Date.now() / 1000),
    ).toBe(false);
    const payload = JSON.parse(got.body);
    expect(payload).toMatchObject({
      type: 'koder.rating',
      tenant: 'acme',
      trace_id: r.trace,
      span_id: r.rated,
      prompt_id: 'answer-ticket',
      prompt_version: '12',
      score: 0.8,
      comment: 'solved it',
      source: 'sdk',
    });
    expect(got.headers['x-koder-delivery-id']).toBe(payload.id);
    await until(
      'the delivered metric',
      async () => (await metric('koder_ingester_registry_deliveries_total')) === 1,
    );
    expect(await metric('koder_ingester_registry_deliveries_pending')).toBe(0);
  });

  it('answers the rating at once while the registry hangs, and delivers once it is back', async () => {
    ing = await startIngesterProcess(config());
    receiver.mode = 'hang';
    const r = await rate(ing, 0.4, 'slow');
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(1000);
    await until(
      'a timed-out attempt',
      async () => (await metric('koder_ingester_registry_delivery_retries_total')) >= 1,
    );
    receiver.mode = 'unavailable';
    await until('a 503 answer', () => receiver.hits > 1);
    expect(await metric('koder_ingester_registry_deliveries_pending')).toBe(1);
    receiver.mode = 'ok';
    const got = await until('the delivery after the outage', () => receiver.received[0]);
    expect(JSON.parse(got.body)).toMatchObject({ trace_id: r.trace, comment: 'slow' });
    expect(receiver.received).toHaveLength(1);
  });

  it('keeps undelivered ratings across a restart and through the registry being down', async () => {
    await receiver.down();
    ing = await startIngesterProcess(config());
    const a = await rate(ing, 1, 'first');
    const b = await rate(ing, 0, 'second');
    expect([a.status, b.status]).toEqual([200, 200]);
    await until(
      'a failed attempt',
      async () => (await metric('koder_ingester_registry_delivery_retries_total')) >= 1,
    );
    await ing.stop();
    ing = undefined;
    const pendingFiles = await readdir(join(dir, 'outbox', 'pending'));
    expect(pendingFiles.filter((f) => f.endsWith('.json'))).toHaveLength(2);

    await receiver.up();
    ing = await startIngesterProcess(config());
    await until('both deliveries after the restart', () => receiver.received.length === 2);
    const traces = receiver.received.map((x) => JSON.parse(x.body).trace_id).sort();
    expect(traces).toEqual([a.trace, b.trace].sort());
    await until(
      'the outbox to empty',
      async () => (await readdir(join(dir, 'outbox', 'pending'))).length === 0,
    );
  });

  it('holds waiting deliveries in the memory budget, 256 bytes each with the body on disk', async () => {
    ing = await startIngesterProcess(config());
    receiver.mode = 'unavailable';
    for (const n of [1, 2, 3]) expect((await rate(ing, 1, `waiting ${n}`)).status).toBe(200);
    await until(
      'three deliveries waiting',
      async () => (await metric('koder_ingester_registry_deliveries_pending')) === 3,
    );
    // Nothing else is held once the requests are answered: the budget in use is the outbox's items.
    await until(
      'the outbox items in the budget',
      async () => (await metric('koder_ingester_buffered_bytes', {})) === 3 * 256,
    );
    receiver.mode = 'ok';
    await until('the deliveries', () => receiver.received.length === 3);
    await until(
      'the budget given back',
      async () => (await metric('koder_ingester_buffered_bytes', {})) === 0,
    );
  });

  it('dead-letters a delivery the registry refuses with a 4xx, without retrying it', async () => {
    ing = await startIngesterProcess(config());
    receiver.mode = 'bad-request';
    const hitsBefore = receiver.hits;
    const r = await rate(ing, 0.6, 'unknown prompt');
    expect(r.status).toBe(200);
    await until(
      'the dead letter',
      async () =>
        (await metric('koder_ingester_registry_deliveries_dead_lettered_total', { reason: 'refused' })) === 1,
    );
    await new Promise((ok) => setTimeout(ok, 600)); // longer than the back-off: no second attempt
    expect(receiver.hits - hitsBefore).toBe(1);
    expect(await metric('koder_ingester_registry_delivery_retries_total')).toBe(0);
    const dead = await readdir(join(dir, 'outbox', 'dead'));
    expect(dead.length).toBeGreaterThanOrEqual(1);
  });
});

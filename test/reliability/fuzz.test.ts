// Seeded fuzzing of the one-machine stack over OTLP/HTTP protobuf, OTLP/HTTP JSON and OTLP/gRPC:
// corrupted and hostile requests from one tenant, each chunk followed by canaries from it and from a
// second tenant. After every transport: the process is alive, every status is one a client mistake
// earns (never 5xx / INTERNAL), every span acknowledged was stored (queued = exported, nothing
// dead-lettered or lost) and every canary is found. `make test` runs a few thousand cases per
// transport; `make soak` sets KODER_FUZZ_CASES=100000. Figures go to test-results/fuzz-<transport>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { status as grpcStatus } from '@grpc/grpc-js';
import {
  attribute,
  HOSTILE_CASES,
  jsonRequest,
  jsonSpanField,
  otlpJsonValue,
  request,
  span,
  str,
  traceId,
} from '@koder-trace/ingester/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../harness/local-stack.ts';
import { grpcChannel, postOtlp } from '../harness/otlp-raw.ts';
import { scrapeMetric } from '../harness/prometheus.ts';
import { tenantManifests } from '../harness/tenant-manifests.ts';
import { until } from '../harness/wait.ts';

const CASES = Number(process.env.KODER_FUZZ_CASES ?? 2000);
const CHUNK = Math.max(1, Math.floor(CASES / 20)); // 20 canaries per tenant and transport
const SEED = Number(process.env.KODER_FUZZ_SEED ?? 20261128);

type Transport = 'http-proto' | 'http-json' | 'grpc';

/** Valid LLM-like requests to start from: a few spans with content, usage and a prompt id. */
const validProto = fc
  .record({ spans: fc.integer({ min: 1, max: 4 }), content: fc.string({ maxLength: 300 }) })
  .map(({ spans, content }) => {
    const trace = traceId();
    return request(
      Array.from({ length: spans }, (_, i) =>
        span(
          { trace, name: `chat ${i}` },
          attribute('gen_ai.operation.name', str('chat')),
          attribute('gen_ai.input.messages', str(JSON.stringify([{ role: 'user', content }]))),
          attribute('koder.prompt.id', str('fuzz')),
        ),
      ),
    );
  });

/** A protobuf request, corrupted: bytes flipped, cut, inserted, or a hostile request spliced in. */
const protoCase = fc.oneof(
  fc
    .tuple(validProto, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }))
    .map(([b, flips]) => {
      const out = Buffer.from(b);
      for (const [at, v] of flips) out[at % out.length] = v;
      return out;
    }),
  fc.tuple(validProto, fc.nat()).map(([b, cut]) => b.subarray(0, cut % (b.length + 1))),
  fc
    .tuple(validProto, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 }))
    .map(([b, at, junk]) => Buffer.concat([b.subarray(0, at % b.length), junk, b.subarray(at % b.length)])),
  fc
    .tuple(validProto, fc.constantFrom(...HOSTILE_CASES.filter((c) => c.format === 'proto')))
    .map(([b, h]) => Buffer.concat([b, h.body])),
  validProto,
  fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
);

/** JSON: random values at the span's fields, or a valid request's text with characters changed. */
const jsonCase = fc.oneof(
  fc.tuple(otlpJsonValue, jsonSpanField).map(([v, key]) => jsonRequest({ [key]: v })),
  fc
    .tuple(
      fc.array(fc.tuple(fc.nat(), fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '0', 'x', '\\')), {
        minLength: 1,
        maxLength: 4,
      }),
    )
    .map(([edits]) => {
      const text = jsonRequest({ attributes: [{ key: 'a', value: { stringValue: 'b' } }] }).toString();
      const chars = [...text];
      for (const [at, c] of edits) chars[at % chars.length] = c;
      return Buffer.from(chars.join(''));
    }),
  fc.constantFrom(...HOSTILE_CASES.filter((c) => c.format === 'json').map((c) => c.body)),
);

/** Statuses a client's own mistake may earn: accepted, bad data, too large. Never a server error. */
const HTTP_OK = new Set([200, 400, 413]);
const GRPC_OK = new Set<number>([grpcStatus.OK, grpcStatus.INVALID_ARGUMENT, grpcStatus.RESOURCE_EXHAUSTED]);

describe.each<Transport>(['http-proto', 'http-json', 'grpc'])('fuzzing over %s', (transport) => {
  let stack: LocalStack;
  let channel: ReturnType<typeof grpcChannel> | undefined;
  beforeAll(async () => {
    stack = await startLocalStack({ manifests: await tenantManifests(['fuzz', 'calm']) });
    if (transport === 'grpc') channel = grpcChannel(stack.otlpGrpc);
  });
  afterAll(async () => {
    channel?.close();
    await stack?.stop();
  });

  /** Sends one body as a tenant; the status as a number (HTTP status, or gRPC code). */
  const send = async (body: Buffer, tenant: string): Promise<number> => {
    if (channel) return (await channel.export(body, `token-${tenant}`))?.code ?? grpcStatus.OK;
    return (
      await postOtlp(stack.otlpHttp, body, transport === 'http-json' ? 'json' : 'proto', `token-${tenant}`)
    ).status;
  };
  const canary = (): [Buffer, string] => {
    const id = traceId();
    const body =
      transport === 'http-json'
        ? jsonRequest({ traceId: id.toString('hex'), name: 'canary' })
        : request([span({ trace: id, name: 'canary' })]);
    return [body, id.toString('hex')];
  };

  it(`survives ${CASES} hostile requests; every 200 is stored, every canary found`, async () => {
    const statuses = new Map<number, number>();
    const canaries: [tenant: string, id: string][] = [];
    const cases = fc.sample(transport === 'http-json' ? jsonCase : protoCase, { numRuns: CASES, seed: SEED });
    const started = Date.now();
    for (let i = 0; i < cases.length; i++) {
      const code = await send(cases[i] as Buffer, 'fuzz');
      statuses.set(code, (statuses.get(code) ?? 0) + 1);
      expect(transport === 'grpc' ? GRPC_OK : HTTP_OK, `case ${i} answered ${code}`).toContain(code);
      if ((i + 1) % CHUNK === 0) {
        for (const tenant of ['fuzz', 'calm']) {
          const [body, id] = canary();
          expect(await send(body, tenant)).toBe(transport === 'grpc' ? grpcStatus.OK : 200);
          canaries.push([tenant, id]);
        }
        expect(stack.running()).toBe(true);
      }
    }
    const metric = (name: string, labels: Record<string, string> = {}) =>
      scrapeMetric(`${stack.adminUrl}/metrics`, name, labels);
    await until('the queue to be empty', async () => (await metric('koder_ingester_queue_spans')) === 0);
    const found = await Promise.all(
      canaries.map(
        async ([tenant, id]) => (await stack.get(`/api/v1/traces/${id}`, `token-${tenant}`)).status,
      ),
    );
    const figures = {
      transport,
      cases: cases.length,
      seed: SEED,
      seconds: (Date.now() - started) / 1000,
      statuses: Object.fromEntries(statuses),
      crashes: stack.running() ? 0 : 1,
      acknowledgedSpans: await metric('koder_ingester_spans_queued_total'),
      storedSpans: await metric('koder_ingester_spans_exported_total'),
      deadLettered: await metric('koder_ingester_spans_dead_lettered_total'),
      lost: await metric('koder_ingester_spans_export_failed_total'),
      canaries: `${found.filter((s) => s === 200).length}/${canaries.length}`,
    };
    mkdirSync('test-results', { recursive: true });
    writeFileSync(`test-results/fuzz-${transport}.json`, `${JSON.stringify(figures, null, 2)}\n`);
    expect(figures).toMatchObject({
      crashes: 0,
      deadLettered: 0,
      lost: 0,
      storedSpans: figures.acknowledgedSpans,
    });
    expect(figures.canaries).toBe(`${canaries.length}/${canaries.length}`);
    expect((await fetch(`${stack.queryUrl}/healthz`)).status).toBe(200);
  });
});

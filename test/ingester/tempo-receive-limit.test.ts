// Tempo's ingest contract with LLM-sized spans, against a real receiver: the reference OpenTelemetry
// Collector's OTLP receiver (the one Tempo's distributor embeds) configured as Tempo runs it —
// OTLP/gRPC with gRPC's 4 MiB message limit (`max_recv_msg_size_mib: 4`) — and the real ingester
// process exporting to it with each tenant's X-Scope-OrgID. Clients send LLM spans (~3.5 KB each:
// 2 KB of input messages, 1 KB of output, usage and model) through the stock OTel SDK, 2,000 spans
// (~7 MB) per request. Every span the ingester acknowledges must reach storage exactly once, no
// export may be over the limit, and nothing may be dead-lettered — with the default byte cap, and
// with a cap set above the receiver's limit, where the ingester must split on RESOURCE_EXHAUSTED.
//
// Between the ingester and the collector sits a transparent tap (in this file): it passes each export
// through unchanged, and relays the collector's answer (code and message) unchanged, so the test can
// see the size, the X-Scope-OrgID and the collector's verdict of every request.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import {
  decodeTraceRequest,
  EXPORT_PATH,
  getAttribute,
  rawBuffers,
  TRACE_SERVICE,
} from '@koder-trace/ingester/otlp';
import { sha256Hex } from '@koder-trace/ingester/tenants';
import { SpanKind } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIngester, startIngesterProcess } from '../harness/ingester.ts';
import { exportSpans, sdkExporter } from '../harness/otel-sdk.ts';
import { type Collector, startCollector } from '../harness/otelcol.ts';
import { attribute } from '../harness/otlp-capture.ts';
import { requireBinaries, suiteTitle } from '../harness/testbin.ts';

const bins = requireBinaries('otelcol');

const MiB = 1024 * 1024;
/** Tempo's distributor: gRPC's default message limit, which Tempo keeps unless configured. */
const RECEIVER_LIMIT = 4 * MiB;
const SPANS_PER_REQUEST = 2000;
const REQUESTS_PER_TENANT = 2;

const TENANTS = ['team-a', 'team-b'] as const;
const token = (tenant: string) => `token-${tenant}`;
const tenants = TENANTS.map((id) => ({
  id,
  tokenSha256: [sha256Hex(token(id))],
  // Room for large requests and this burst: the subject here is the export side.
  limits: { spansPerSecond: 100_000, burst: 100_000, maxRequestBytes: 32 * MiB },
}));

// --- the tap -------------------------------------------------------------------------------------

interface TappedExport {
  orgId: string | undefined;
  bytes: number;
  /** The collector's gRPC status code (0: accepted) and message. */
  code: number;
  details: string;
  /** The koder.tenant attribute of each resource in the request. */
  tenants: string[];
  spans: number;
}

interface Tap {
  readonly endpoint: string;
  readonly exports: TappedExport[];
  close(): Promise<void>;
}

async function startTap(target: string): Promise<Tap> {
  const unlimited = { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 };
  const client = new Client(target, credentials.createInsecure(), unlimited);
  const server = new Server(unlimited);
  const exports: TappedExport[] = [];
  server.addService(TRACE_SERVICE, {
    Export: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
      const org = call.metadata.get('x-scope-orgid')[0];
      const orgId = org === undefined ? undefined : String(org);
      const md = new Metadata();
      if (orgId !== undefined) md.set('x-scope-orgid', orgId);
      const batch = decodeTraceRequest(call.request);
      const seen = {
        orgId,
        bytes: call.request.length,
        tenants: batch.resourceSpans.map((rs) =>
          String(getAttribute(rs.resource.attributes, 'koder.tenant')),
        ),
        spans: batch.resourceSpans.reduce(
          (n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0),
          0,
        ),
      };
      client.makeUnaryRequest(
        EXPORT_PATH,
        rawBuffers.serialize,
        rawBuffers.deserialize,
        call.request,
        md,
        { deadline: Date.now() + 30_000 },
        (err: ServiceError | null, reply?: Buffer) => {
          exports.push({ ...seen, code: err?.code ?? status.OK, details: err?.details ?? '' });
          if (err) cb({ code: err.code, details: err.details });
          else cb(null, reply ?? Buffer.alloc(0));
        },
      );
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    endpoint: `127.0.0.1:${port}`,
    exports,
    close: async () => {
      client.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}

// --- LLM spans -----------------------------------------------------------------------------------

const WORDS =
  'the order refund shipping customer invoice account delayed warehouse policy agent please check status with tracking number and reply within hours'.split(
    ' ',
  );
/** Text of about `bytes` characters, varied by a seed (content is not all alike). */
function text(bytes: number, seed: number): string {
  const out: string[] = [];
  let n = 0;
  let x = seed + 1;
  while (n < bytes) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const w = WORDS[x % WORDS.length] as string;
    out.push(w);
    n += w.length + 1;
  }
  return out.join(' ').slice(0, bytes);
}

/** `n` chat spans as an OpenAI instrumentation records them, ~3.5 KB each on the wire. */
async function llmSpans(n: number, service: string, seed: number): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('koder-test-llm');
  const t0 = Date.now() - n;
  for (let i = 0; i < n; i++) {
    const s = seed * 100_000 + i;
    const input = JSON.stringify([
      { role: 'system', parts: [{ type: 'text', content: text(500, s) }] },
      { role: 'user', parts: [{ type: 'text', content: text(1400, s + 1) }] },
    ]);
    const output = JSON.stringify([
      { role: 'assistant', parts: [{ type: 'text', content: text(900, s + 2) }], finish_reason: 'stop' },
    ]);
    tracer
      .startSpan('chat gpt-4o', {
        kind: SpanKind.CLIENT,
        startTime: new Date(t0 + i),
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.response.model': 'gpt-4o-2024-08-06',
          'gen_ai.request.temperature': 0.2,
          'gen_ai.usage.input_tokens': 520 + (i % 97),
          'gen_ai.usage.output_tokens': 210 + (i % 31),
          'gen_ai.response.finish_reasons': ['stop'],
          'gen_ai.input.messages': input,
          'gen_ai.output.messages': output,
        },
      })
      .end(new Date(t0 + i + 1));
  }
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

// --- the test ------------------------------------------------------------------------------------

describe.skipIf(!bins.ok)(
  suiteTitle('ingester → OTLP receiver with Tempo’s 4 MiB limit (LLM spans)', bins),
  () => {
    let col: Collector;
    let tap: Tap;
    let ing: RunningIngester | undefined;
    let deadLetterDir: string;
    let batches: Map<string, ReadableSpan[][]>;

    beforeAll(async () => {
      col = await startCollector({ receiver: { grpc: { max_recv_msg_size_mib: 4 } } });
      tap = await startTap(col.grpcEndpoint);
      batches = new Map();
      for (const [t, tenant] of TENANTS.entries())
        batches.set(
          tenant,
          await Promise.all(
            Array.from({ length: REQUESTS_PER_TENANT }, (_, r) =>
              llmSpans(SPANS_PER_REQUEST, `svc-${tenant}`, t * 10 + r),
            ),
          ),
        );
    }, 60_000);
    afterEach(async () => {
      await ing?.stop();
      ing = undefined;
      await rm(deadLetterDir, { recursive: true, force: true });
    });
    afterAll(async () => {
      await tap?.close();
      await col?.stop();
    });

    /** Starts the ingester, sends every tenant's requests at once, and checks the delivery. */
    async function sendAndCheck(exporter: Record<string, unknown>) {
      deadLetterDir = await mkdtemp(join(tmpdir(), 'koder-dead-letter-'));
      ing = await startIngesterProcess({
        tenants,
        exporter: { endpoint: tap.endpoint, deadLetterDir, ...exporter },
      });
      const running = ing;
      const tapBefore = tap.exports.length;
      const capBefore = col.received.spans().length;
      const endpoint = { grpc: running.grpcEndpoint, http: running.httpUrl };
      // Each request is one SDK export of 2,000 LLM spans (several MB on the wire).
      const results = await Promise.all(
        TENANTS.flatMap((tenant) =>
          (batches.get(tenant) ?? []).map(async (spans) => ({
            tenant,
            spans,
            result: await exportSpans(sdkExporter('grpc', endpoint, token(tenant)), spans),
          })),
        ),
      );
      for (const r of results) expect(r.result, `${r.tenant}'s export`).toEqual({ ok: true });
      const acknowledged = results.flatMap((r) => r.spans.map((s) => ({ tenant: r.tenant, s })));
      expect(acknowledged.length).toBe(TENANTS.length * REQUESTS_PER_TENANT * SPANS_PER_REQUEST);

      // Every acknowledged span reaches the collector's capture, exactly once, as its tenant's.
      await col.received.waitForSpans(capBefore + acknowledged.length, 60_000);
      await new Promise((r) => setTimeout(r, 300));
      const forwarded = col.received.exports
        .flatMap((e) => e.resourceSpans)
        .flatMap((rs) =>
          (rs.scopeSpans ?? []).flatMap((ss) =>
            (ss.spans ?? []).map((sp) => ({
              tenant: attribute(rs.resource?.attributes, 'koder.tenant'),
              service: attribute(rs.resource?.attributes, 'service.name'),
              spanId: sp.spanId,
            })),
          ),
        )
        .slice(capBefore);
      expect(forwarded.length).toBe(acknowledged.length);
      const key = (tenant: unknown, spanId: string) => `${String(tenant)}/${spanId.toLowerCase()}`;
      const got = new Set(forwarded.map((f) => key(f.tenant, f.spanId)));
      expect(got.size).toBe(acknowledged.length);
      const missing = acknowledged.filter((a) => !got.has(key(a.tenant, a.s.spanContext().spanId)));
      expect(missing.length, 'acknowledged spans not delivered as their tenant’s').toBe(0);
      for (const f of forwarded) expect(f.service).toBe(`svc-${f.tenant}`);

      // What the receiver took: nothing over its limit, each request with its own tenant's org id.
      const seen = tap.exports.slice(tapBefore);
      const accepted = seen.filter((e) => e.code === status.OK);
      expect(accepted.reduce((n, e) => n + e.spans, 0)).toBe(acknowledged.length);
      for (const e of accepted) {
        expect(e.bytes).toBeLessThanOrEqual(RECEIVER_LIMIT);
        expect(e.orgId).toBeDefined();
        expect(new Set(e.tenants)).toEqual(new Set([e.orgId]));
      }
      expect(new Set(accepted.map((e) => e.orgId))).toEqual(new Set(TENANTS));

      // Nothing dead-lettered or given up.
      for (const tenant of TENANTS) {
        expect(await running.metric('koder_ingester_spans_dead_lettered_total', { tenant })).toBe(0);
        expect(await running.metric('koder_ingester_spans_export_failed_total', { tenant })).toBe(0);
        expect(await running.metric('koder_ingester_spans_exported_total', { tenant })).toBe(
          REQUESTS_PER_TENANT * SPANS_PER_REQUEST,
        );
      }
      return seen;
    }

    it('delivers every acknowledged LLM span with the default byte cap, never over the limit', async () => {
      const seen = await sendAndCheck({});
      // The default cap (3 MiB) keeps every export under the receiver's limit: no request is refused.
      expect(seen.filter((e) => e.code !== status.OK)).toEqual([]);
      for (const e of seen) expect(e.bytes).toBeLessThanOrEqual(3 * MiB);
    }, 120_000);

    it('delivers everything with maxBatchBytes above the receiver limit, splitting on RESOURCE_EXHAUSTED', async () => {
      const seen = await sendAndCheck({ maxBatchBytes: 8 * MiB });
      // The ingester sent requests over 4 MiB, the receiver refused them for their size, and the
      // ingester split them: the refusals are real, and nothing refused was lost.
      const refused = seen.filter((e) => e.code !== status.OK);
      expect(refused.length).toBeGreaterThan(0);
      for (const e of refused) {
        expect(e.code).toBe(status.RESOURCE_EXHAUSTED);
        expect(e.details).toMatch(/larger than max/);
        expect(e.bytes).toBeGreaterThan(RECEIVER_LIMIT);
      }
    }, 120_000);
  },
);

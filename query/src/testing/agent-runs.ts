// Agent runs made by the real OTel SDK, stored in a real embedded store and served by the real query
// server, for the API's tests: an agent span, an LLM call with messages, usage and a prompt version,
// and a rating of that call; every fifth call fails. Run i is request req-<i>.
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTraceRequest } from '@koder-trace/ingester/otlp';
import type { TenantRegistry } from '@koder-trace/ingester/tenants';
import { sdkProtobuf } from '@koder-trace/ingester/testing';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { pino } from 'pino';
import { createQueryServer } from '../api/server.ts';
import { embeddedBackend, type TraceBackend } from '../backend/backend.ts';
import { DEFAULT_PRICES } from '../cost/prices.ts';
import { type EmbeddedStore, openEmbeddedStore } from '../store/sqlite-store.ts';

export const TENANT = 'team-a';
export const auth = { authorization: 'Bearer good' };
const registry = {
  singleTenant: false,
  authenticate: (h: string | undefined) => (h === 'Bearer good' ? { id: TENANT } : undefined),
} as unknown as TenantRegistry;

export interface RunOptions {
  question?: string;
  /** Characters added to the question: kilobytes make LLM-sized spans. */
  padding?: number;
  /** gen_ai.conversation.id of the call (default conv-<i>). */
  conversationId?: string;
  /** When the run starts, in ms since the epoch (default: a minute ago, i × 10 ms apart). */
  startMs?: number;
  /** The end user, as user.id or enduser.id, on the LLM span or on the resource. */
  user?: { key: 'user.id' | 'enduser.id'; value: string; on: 'span' | 'resource' };
}

/** Run i: 1000 + i input tokens, 200 output, prompt version v1 (even i) or v2 (odd), a 0.75 rating. */
export async function agentRun(i: number, o: RunOptions = {}) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'support-bot',
      ...(o.user?.on === 'resource' ? { [o.user.key]: o.user.value } : {}),
    }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('agent-runs');
  const start = o.startMs ?? Date.now() - 60_000 + i * 10;
  const root = tracer.startSpan('invoke_agent support', { startTime: start });
  root.setAttribute('gen_ai.operation.name', 'invoke_agent');
  root.setAttribute('koder.request_id', `req-${i}`);
  const ctx = trace.setSpan(context.active(), root);
  const question = (o.question ?? `question ${i}`) + 'x'.repeat(o.padding ?? 0);
  const chat = tracer.startSpan(
    'chat gpt-4o',
    {
      kind: SpanKind.CLIENT,
      startTime: start + 1,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 1000 + i,
        'gen_ai.usage.output_tokens': 200,
        'koder.prompt.id': 'support-answer',
        'koder.prompt.version': i % 2 ? 'v2' : 'v1',
        'gen_ai.conversation.id': o.conversationId ?? `conv-${i}`,
        ...(o.user?.on === 'span' ? { [o.user.key]: o.user.value } : {}),
        'gen_ai.input.messages': JSON.stringify([
          { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
          { role: 'user', parts: [{ type: 'text', content: question }] },
        ]),
        'gen_ai.output.messages': JSON.stringify([
          { role: 'assistant', parts: [{ type: 'text', content: `answer ${i}` }] },
        ]),
      },
    },
    ctx,
  );
  if (i % 5 === 0) chat.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
  chat.end(start + 40);
  const rating = tracer.startSpan(
    'koder.rating',
    { startTime: start + 50, attributes: { 'koder.rating.score': 0.75, 'koder.rating.comment': 'ok' } },
    trace.setSpan(context.active(), chat),
  );
  rating.end(start + 50);
  root.end(start + 45);
  await provider.forceFlush();
  return { traceId: root.spanContext().traceId, spans: exporter.getFinishedSpans() };
}

/** Stores runs 0..n-1 for TENANT; their trace ids in order. */
export async function fill(store: EmbeddedStore, n: number, o: (i: number) => RunOptions = () => ({})) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { traceId, spans } = await agentRun(i, o(i));
    store.insert(TENANT, decodeTraceRequest(sdkProtobuf(spans)));
    ids.push(traceId);
  }
  return ids;
}

/** The query server over a backend, TENANT's token being "good". */
export async function serve(backend: TraceBackend): Promise<{ base: string; server: Server }> {
  const server = createQueryServer({
    backend,
    registry: () => registry,
    log: pino({ level: 'silent' }),
    prices: DEFAULT_PRICES,
    ingestUrl: 'http://127.0.0.1:9',
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export interface ServedRuns {
  base: string;
  /** The runs' trace ids, in order. */
  ids: string[];
  store: EmbeddedStore;
  dir: string;
  /** GET with TENANT's token: status and JSON body. */
  get(path: string): Promise<{ status: number; body: Record<string, unknown> & { error?: string } }>;
  close(): Promise<void>;
}

/**
 * Runs 0..n-1 in a real embedded store (in a new temporary folder), served by the real query server;
 * `wrap` may put something between the server and the store's backend.
 */
export async function servedRuns(
  n: number,
  o: (i: number) => RunOptions = () => ({}),
  wrap: (b: TraceBackend) => TraceBackend = (b) => b,
): Promise<ServedRuns> {
  const dir = await mkdtemp(join(tmpdir(), 'koder-runs-'));
  const store = openEmbeddedStore(join(dir, 'traces.db'));
  const ids = await fill(store, n, o);
  const { base, server } = await serve(wrap(embeddedBackend(store)));
  return {
    base,
    ids,
    store,
    dir,
    async get(path) {
      const res = await fetch(`${base}${path}`, { headers: auth });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: string } };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

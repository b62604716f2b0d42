#!/usr/bin/env node
// `make demo`: realistic agent traffic for a running Koder Trace (make run), sent with the stock
// OpenTelemetry JS SDK exactly as an application would: agent runs that loop LLM → tool → LLM over
// several models and prompt versions, with cache and reasoning tokens, some failing tools, LLM calls
// refused by a rate limit (and retried), and ratings posted through the query API — so the API and the
// UI have something to show.
//   node query/src/demo/traffic.ts [--runs 40] [--otlp http://127.0.0.1:4318] [--api http://127.0.0.1:8080] [--token T]
// Like any OTel SDK it honours the standard variables when --otlp / --token are not given:
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318),
// OTEL_EXPORTER_OTLP_HEADERS / _TRACES_HEADERS (an `Authorization=Bearer <token>` there is also sent
// with the ratings), certificates and timeout.
import { parseArgs } from 'node:util';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '40' },
    otlp: { type: 'string' },
    api: { type: 'string', default: 'http://127.0.0.1:8080' },
    token: { type: 'string' },
  },
});

/** `key=value,key2=value2` as the OTel specification reads OTEL_EXPORTER_OTLP_HEADERS (values URL-encoded). */
function envHeaders(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'])
    for (const pair of (process.env[name] ?? '').split(',')) {
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      try {
        out[decodeURIComponent(pair.slice(0, at).trim()).toLowerCase()] = decodeURIComponent(
          pair.slice(at + 1).trim(),
        );
      } catch {
        // not URL-encoded properly: the SDK skips it too
      }
    }
  return out;
}
const env = (name: string) => process.env[name]?.trim() || undefined;
// Where spans go: the flag, else what the SDK reads from the environment (shown in the summary).
const tracesUrl = values.otlp
  ? `${values.otlp.replace(/\/+$/, '')}/v1/traces`
  : (env('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ??
    `${(env('OTEL_EXPORTER_OTLP_ENDPOINT') ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`);
const authorization = values.token ? `Bearer ${values.token}` : envHeaders().authorization;
const protocol = env('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? env('OTEL_EXPORTER_OTLP_PROTOCOL');
if (protocol && protocol !== 'http/protobuf')
  console.warn(
    `the demo sends OTLP/HTTP protobuf to ${tracesUrl}; OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not used`,
  );

// A small deterministic random source, so two demo runs look alike.
let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

const MODELS = [
  { provider: 'openai', model: 'gpt-4o', response: 'gpt-4o-2024-08-06' },
  { provider: 'openai', model: 'gpt-4o-mini', response: 'gpt-4o-mini-2024-07-18' },
  { provider: 'anthropic', model: 'claude-sonnet-4', response: 'claude-sonnet-4-20250514' },
] as const;
const PROMPT_VERSIONS = ['v1', 'v2', 'v3'];
const QUESTIONS = [
  'Where is my order A-1042?',
  'Can I change my delivery address?',
  'Refund for a broken kettle',
  'Cancel my subscription',
];
const TOOLS = ['lookup_order', 'update_address', 'create_refund', 'cancel_subscription'];

const services = ['support-agent', 'billing-agent'];
const providers = services.map(
  (name) =>
    new TracerProvider({
      resource: resourceFromAttributes({
        'service.name': name,
        'service.version': '1.8.0',
        'deployment.environment.name': 'demo',
      }),
      spanProcessors: [
        new BatchSpanProcessor({
          // With no url (or headers) given, the exporter takes the OTEL_EXPORTER_OTLP_* variables.
          exporter: new OTLPTraceExporter({
            ...(values.otlp ? { url: tracesUrl } : {}),
            ...(values.token ? { headers: { authorization: `Bearer ${values.token}` } } : {}),
          }),
        }),
      ],
    }),
);

interface Rateable {
  traceId: string;
  spanId: string;
  good: boolean;
}
const rateable: Rateable[] = [];
const now = Date.now();

function agentRun(i: number): void {
  const p = i % 2;
  const tracer = (providers[p] as TracerProvider).getTracer('demo-agent', '1.0.0');
  const m = pick(MODELS);
  const version = pick(PROMPT_VERSIONS);
  const question = pick(QUESTIONS);
  let t = now - int(5, 120) * 60_000; // spread over the last two hours
  const at = (ms: number) => {
    t += ms;
    return new Date(t);
  };
  const root = tracer.startSpan('invoke_agent support', {
    kind: SpanKind.INTERNAL,
    startTime: at(0),
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': services[p] ?? '',
      'koder.request_id': `req-${1000 + i}`,
    },
  });
  const ctx = trace.setSpan(context.active(), root);
  const conversation = `conv-${int(1, 12)}`;
  // The application's end user: each conversation belongs to one of five customers.
  root.setAttribute('user.id', `customer-${(Number(conversation.slice(5)) % 5) + 1}`);
  const loops = int(1, 3);
  let failed = false;
  for (let step = 0; step < loops; step++) {
    // Providers refuse calls when a rate limit is reached (HTTP 429); the agent waits and tries again.
    if (rand() < 0.12) {
      const refused = tracer.startSpan(
        `chat ${m.model}`,
        {
          kind: SpanKind.CLIENT,
          startTime: at(int(5, 40)),
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': m.provider,
            'gen_ai.request.model': m.model,
            'gen_ai.conversation.id': conversation,
            'koder.prompt.id': 'support-answer',
            'koder.prompt.version': version,
            'error.type': '429',
          },
        },
        ctx,
      );
      refused.setStatus({ code: SpanStatusCode.ERROR, message: '429 Too Many Requests: rate limit reached' });
      refused.end(at(int(80, 300)));
      at(1000); // the agent backs off before retrying
    }
    const input = int(400, 3000);
    const cached = step > 0 ? Math.floor(input * 0.7) : 0;
    const chat = tracer.startSpan(
      `chat ${m.model}`,
      {
        kind: SpanKind.CLIENT,
        startTime: at(int(5, 40)),
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': m.provider,
          'gen_ai.request.model': m.model,
          'gen_ai.response.model': m.response,
          'gen_ai.request.temperature': 0.2,
          'gen_ai.usage.input_tokens': input,
          'gen_ai.usage.cache_read.input_tokens': cached,
          'gen_ai.usage.output_tokens': int(40, 600),
          'gen_ai.response.finish_reasons': [step < loops - 1 ? 'tool_calls' : 'stop'],
          'gen_ai.conversation.id': conversation,
          'gen_ai.input.messages': JSON.stringify([
            {
              role: 'system',
              parts: [{ type: 'text', content: `You are the ${services[p]} (prompt ${version}).` }],
            },
            { role: 'user', parts: [{ type: 'text', content: question }] },
          ]),
          'gen_ai.output.messages': JSON.stringify([
            step < loops - 1
              ? {
                  role: 'assistant',
                  parts: [
                    {
                      type: 'tool_call',
                      id: `call_${i}_${step}`,
                      name: TOOLS[step % TOOLS.length],
                      arguments: { query: question },
                    },
                  ],
                  finish_reason: 'tool_calls',
                }
              : {
                  role: 'assistant',
                  parts: [{ type: 'text', content: 'Here is what I found for you.' }],
                  finish_reason: 'stop',
                },
          ]),
          'koder.prompt.id': 'support-answer',
          'koder.prompt.version': version,
        },
      },
      ctx,
    );
    chat.end(at(int(300, version === 'v3' ? 900 : 2500)));
    rateable.push({
      traceId: chat.spanContext().traceId,
      spanId: chat.spanContext().spanId,
      good: version !== 'v1' && rand() > 0.2,
    });
    if (step < loops - 1) {
      const tool = TOOLS[step % TOOLS.length] ?? 'lookup_order';
      const span = tracer.startSpan(
        `execute_tool ${tool}`,
        {
          startTime: at(5),
          attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool },
        },
        ctx,
      );
      if (rand() < 0.12) {
        failed = true;
        span.setAttribute('error.type', 'timeout');
        span.setStatus({ code: SpanStatusCode.ERROR, message: `${tool} timed out after 5s` });
      }
      span.end(at(int(20, 400)));
    }
  }
  if (failed) root.setStatus({ code: SpanStatusCode.ERROR, message: 'a tool failed' });
  root.end(at(10));
}

const runs = Number(values.runs);
for (let i = 0; i < runs; i++) agentRun(i);
await Promise.all(providers.map((p) => p.forceFlush()));
await Promise.all(providers.map((p) => p.shutdown()));
console.log(`sent ${runs} agent runs to ${tracesUrl}`);

// Ratings go through the query API, which finds the rated span once the store has it: a rating
// answered 404 is tried again for a few seconds (the ingester delivers in batches).
async function rate(r: Rateable): Promise<boolean> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const res = await fetch(`${values.api}/api/v1/ratings`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify({ traceId: r.traceId, spanId: r.spanId, score: r.good ? 1 : 0, source: 'demo' }),
    });
    if (res.status !== 404) return res.ok;
    await new Promise((done) => setTimeout(done, 250));
  }
  return false;
}
let rated = 0;
for (const r of rateable.filter(() => rand() < 0.4)) if (await rate(r)) rated++;
console.log(
  `posted ${rated} ratings; open ${values.api}/ or try: curl '${values.api}/api/v1/prompts/support-answer/versions'`,
);

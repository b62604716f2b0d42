// Plain (non-GenAI) spans like an instrumented HTTP service emits, made by the OTel SDK.
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

export async function plainSpans(n: number): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'bench-api',
      'service.version': '1.4.2',
      'host.name': 'bench-0',
    }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('bench', '1.0.0');
  for (let i = 0; i < n; i++) {
    tracer
      .startSpan(`GET /api/orders/{id}`, {
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/api/orders/{id}',
          'http.response.status_code': 200,
          'url.path': `/api/orders/${i}`,
          'server.address': 'orders.internal',
        },
      })
      .end();
  }
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

const WORDS = (
  'the order shipped from our warehouse on monday and should arrive within three business days ' +
  'please check the tracking link in your email if the parcel is late we can refund the shipping ' +
  'cost or send a replacement your account shows two open tickets about billing and one about a ' +
  'damaged item which we resolved last week'
).split(' ');

/** Text of about `bytes` bytes, different for each seed (no two spans carry the same content). */
function prose(bytes: number, seed: number): string {
  let x = seed * 2654435761;
  const out: string[] = [];
  let n = 0;
  while (n < bytes) {
    x = (x * 1103515245 + 12345) >>> 0;
    const w = WORDS[x % WORDS.length] as string;
    out.push(w);
    n += w.length + 1;
  }
  return out.join(' ').slice(0, bytes);
}

/**
 * LLM chat spans as an instrumented agent emits them with the current OTel GenAI conventions: about
 * 3.5 KB each — 2 KB of input messages (system + user), 1 KB of output messages, model, provider,
 * token usage and finish reasons — made by the OTel SDK.
 */
export async function llmSpans(n: number): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'support-agent',
      'service.version': '2.3.0',
      'host.name': 'bench-0',
    }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('bench-genai', '1.0.0');
  for (let i = 0; i < n; i++) {
    const input = JSON.stringify([
      { role: 'system', parts: [{ type: 'text', content: prose(600, i * 3) }] },
      { role: 'user', parts: [{ type: 'text', content: prose(1300, i * 3 + 1) }] },
    ]);
    const output = JSON.stringify([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: prose(950, i * 3 + 2) }],
        finish_reason: 'stop',
      },
    ]);
    tracer
      .startSpan('chat gpt-4o', {
        kind: 2, // CLIENT
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.response.model': 'gpt-4o-2024-08-06',
          'gen_ai.response.id': `chatcmpl-${i.toString(36).padStart(8, '0')}`,
          'gen_ai.response.finish_reasons': ['stop'],
          'gen_ai.usage.input_tokens': 480 + (i % 50),
          'gen_ai.usage.output_tokens': 230 + (i % 30),
          'gen_ai.input.messages': input,
          'gen_ai.output.messages': output,
        },
      })
      .end();
  }
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

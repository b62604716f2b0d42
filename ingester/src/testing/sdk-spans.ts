// Spans made by the real OpenTelemetry JS SDK, and their OTLP encodings by the SDK's own serializers:
// an independent implementation our decoders are checked against.
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/** An agent-like trace: invoke_agent → chat (with events) → execute_tool (error) → chat. */
export async function agentSpans(serviceName = 'agent-svc'): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'deployment.environment.name': 'test' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('koder-test', '1.2.3');
  // Parents are passed explicitly: no context manager is registered in tests.
  const root = tracer.startSpan('invoke_agent support', { kind: SpanKind.INTERNAL });
  const ctx = trace.setSpan(context.active(), root);
  root.setAttributes({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support' });
  const chat = tracer.startSpan(
    'chat gpt-4o',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 1200,
        'gen_ai.request.temperature': 0.2,
        'gen_ai.response.finish_reasons': ['tool_calls'],
        'koder.prompt.id': 'support-answer',
        'koder.prompt.version': 'v3',
        'gen_ai.request.stream': false,
      },
    },
    ctx,
  );
  chat.addEvent('gen_ai.user.message', { content: 'Where is my order? ünïcödé ✓' });
  chat.end();
  const tool = tracer.startSpan(
    'execute_tool lookup_order',
    {
      attributes: { 'gen_ai.tool.name': 'lookup_order' },
      links: [{ context: chat.spanContext(), attributes: { reason: 'called-by' } }],
    },
    ctx,
  );
  tool.setStatus({ code: SpanStatusCode.ERROR, message: 'order service timed out' });
  tool.end();
  tracer.startSpan('chat gpt-4o', {}, ctx).end();
  root.end();
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

export function sdkProtobuf(spans: ReadableSpan[]): Buffer {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('SDK protobuf serializer returned nothing');
  return Buffer.from(bytes);
}

export function sdkJson(spans: ReadableSpan[]): Buffer {
  const bytes = JsonTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('SDK JSON serializer returned nothing');
  return Buffer.from(bytes);
}

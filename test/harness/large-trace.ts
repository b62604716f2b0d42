// A long agent run as the stock OTel SDK records it: an agent span with `steps` loops of planning
// LLM call → tool call (with a retrieval under it) → answering LLM call, plus an LLM call per loop
// that fails — 5 spans per step, so 1,000 steps make a 5,001-span trace.
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

export async function largeAgentTrace(steps: number, service = 'research-agent'): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('koder-test-large');
  let t = Date.now() - steps * 10;
  // Each span starts or ends `ms` after the previous moment: a run that took ~steps × 10 ms.
  const at = (ms: number) => {
    t += ms;
    return new Date(t);
  };
  const root = tracer.startSpan('invoke_agent researcher', { kind: SpanKind.INTERNAL, startTime: at(0) });
  root.setAttributes({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'researcher' });
  const inRoot = trace.setSpan(context.active(), root);
  for (let i = 0; i < steps; i++) {
    const llm = (name: string, ctx = inRoot, error = false) => {
      const s = tracer.startSpan(
        `chat ${name}`,
        {
          kind: SpanKind.CLIENT,
          startTime: at(1),
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.usage.input_tokens': 300 + i,
            'gen_ai.usage.output_tokens': 40,
            'koder.prompt.id': 'research-step',
            'koder.prompt.version': i % 2 ? 'v2' : 'v1',
            'gen_ai.input.messages': JSON.stringify([
              { role: 'user', parts: [{ type: 'text', content: `Step ${i}: what next?` }] },
            ]),
          },
        },
        ctx,
      );
      if (error) s.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
      s.end(at(2));
    };
    llm('plan');
    const tool = tracer.startSpan(
      'execute_tool search',
      {
        startTime: at(1),
        attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search' },
      },
      inRoot,
    );
    const retrieval = tracer.startSpan(
      'retrieval docs',
      { startTime: at(1), attributes: { 'gen_ai.operation.name': 'retrieval' } },
      trace.setSpan(inRoot, tool),
    );
    retrieval.end(at(2));
    tool.end(at(1));
    llm('answer');
    llm('retry', inRoot, true);
  }
  root.end(at(1));
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

// Table-driven: realistic attribute sets as each instrumentation emits them, and what must come out.
import { describe, expect, it } from 'vitest';
import { encodeEvent } from '../otlp/encode-parts.ts';
import type { AnyValue, Span } from '../otlp/model.ts';
import type { ContentCapture } from '../tenants/registry.ts';
import { testSpan } from '../testing/spans.ts';
import { normaliseSpan } from './normalise.ts';

type Flat = Record<string, AnyValue>;

function span(attributes: Flat, events: { name: string; attributes: Flat }[] = []): Span {
  return testSpan({
    raw: new Uint8Array([0]),
    name: 'span',
    kind: 3,
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value })),
    events: events.map((e) =>
      encodeEvent({
        timeUnixNano: 5n,
        name: e.name,
        attributes: Object.entries(e.attributes).map(([key, value]) => ({ key, value })),
        droppedAttributesCount: 0,
      }),
    ),
  });
}

const flat = (s: Span): Flat => Object.fromEntries(s.attributes.map((a) => [a.key, a.value]));
const json = (v: AnyValue | undefined) => JSON.parse(String(v));

interface Case {
  name: string;
  input: Flat;
  events?: { name: string; attributes: Flat }[];
  capture?: ContentCapture;
  expect: Flat;
  messages?: { input?: unknown; output?: unknown };
  absent: string[];
  eventsLeft?: number;
}

const cases: Case[] = [
  {
    name: 'OpenInference LLM span (openai instrumentation)',
    input: {
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-2024-08-06',
      'llm.provider': 'openai',
      'llm.system': 'openai',
      'llm.invocation_parameters':
        '{"model": "gpt-4o", "temperature": 0.7, "max_tokens": 512, "stop": ["\\n\\n"]}',
      'llm.input_messages.0.message.role': 'system',
      'llm.input_messages.0.message.content': 'You are a helpful assistant.',
      'llm.input_messages.1.message.role': 'user',
      'llm.input_messages.1.message.content': 'What is the weather in Paris?',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'call_1',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'get_weather',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"city": "Paris"}',
      'llm.token_count.prompt': 120n,
      'llm.token_count.completion': 18n,
      'llm.token_count.total': 138n,
      'llm.token_count.prompt_details.cache_read': 64n,
      'llm.token_count.completion_details.reasoning': 4n,
      'llm.prompt_template.version': 'v7',
      'session.id': 'conv-42',
      'input.value': '{"messages": []}',
      'input.mime_type': 'application/json',
    },
    expect: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': 120n,
      'gen_ai.usage.output_tokens': 18n,
      'gen_ai.usage.cache_read.input_tokens': 64n,
      'gen_ai.usage.reasoning.output_tokens': 4n,
      'gen_ai.request.temperature': 0.7,
      'gen_ai.request.max_tokens': 512n,
      'gen_ai.request.stop_sequences': ['\n\n'],
      'gen_ai.conversation.id': 'conv-42',
      'koder.prompt.version': 'v7',
      'input.mime_type': 'application/json',
    },
    messages: {
      input: [
        { role: 'system', parts: [{ type: 'text', content: 'You are a helpful assistant.' }] },
        { role: 'user', parts: [{ type: 'text', content: 'What is the weather in Paris?' }] },
      ],
      output: [
        {
          role: 'assistant',
          parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }],
        },
      ],
    },
    absent: [
      'llm.model_name',
      'llm.token_count.total',
      'llm.token_count.prompt',
      'llm.input_messages.0.message.role',
      'session.id',
    ],
  },
  {
    name: 'OpenInference TOOL span',
    input: {
      'openinference.span.kind': 'TOOL',
      'tool.name': 'get_weather',
      'tool.description': 'Current weather for a city',
      'input.value': '{"city": "Paris"}',
      'output.value': '18°C, cloudy',
    },
    expect: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.description': 'Current weather for a city',
      'gen_ai.tool.call.arguments': '{"city": "Paris"}',
      'gen_ai.tool.call.result': '18°C, cloudy',
    },
    absent: ['tool.name', 'input.value', 'output.value'],
  },
  {
    name: 'OpenInference RERANKER span (as openinference-core traceReranker and its app set it)',
    input: {
      'openinference.span.kind': 'RERANKER',
      'reranker.query': 'weather in Paris',
      'reranker.model_name': 'bge-reranker-v2-m3',
      'reranker.top_k': 1n,
      'reranker.output_documents.0.document.id': 'paris',
    },
    expect: {
      'gen_ai.operation.name': 'rerank',
      'gen_ai.request.model': 'bge-reranker-v2-m3',
      'reranker.query': 'weather in Paris',
      'reranker.top_k': 1n,
      'reranker.output_documents.0.document.id': 'paris',
    },
    absent: ['reranker.model_name', 'gen_ai.request.top_k'],
  },
  {
    name: 'OpenInference AGENT span with Anthropic cache writes',
    input: {
      'openinference.span.kind': 'AGENT',
      'agent.name': 'support-bot',
      'llm.system': 'anthropic',
      'llm.token_count.prompt_details.cache_write': 2048,
    },
    expect: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'support-bot',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.usage.cache_creation.input_tokens': 2048n,
    },
    absent: ['agent.name', 'llm.system'],
  },
  {
    name: 'OpenLLMetry (old) chat span with flattened prompt/completion',
    input: {
      'llm.request.type': 'chat',
      'gen_ai.system': 'OpenAI',
      'gen_ai.request.model': 'gpt-3.5-turbo',
      'gen_ai.response.model': 'gpt-3.5-turbo-0125',
      'gen_ai.prompt.0.role': 'system',
      'gen_ai.prompt.0.content': 'Be brief.',
      'gen_ai.prompt.1.role': 'user',
      'gen_ai.prompt.1.content': 'Tell me a joke about OpenTelemetry',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': 'Why did the span cross the road?',
      'gen_ai.completion.0.finish_reason': 'stop',
      'gen_ai.usage.prompt_tokens': 12n,
      'gen_ai.usage.completion_tokens': 20n,
      'llm.usage.total_tokens': 32n,
      'llm.is_streaming': false,
      'traceloop.association.properties.session_id': 's-1',
      'traceloop.association.properties.user_id': 'u-9',
    },
    expect: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-3.5-turbo',
      'gen_ai.response.model': 'gpt-3.5-turbo-0125',
      'gen_ai.usage.input_tokens': 12n,
      'gen_ai.usage.output_tokens': 20n,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.request.stream': false,
      'gen_ai.conversation.id': 's-1',
      'user.id': 'u-9',
    },
    messages: {
      input: [
        { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
        { role: 'user', parts: [{ type: 'text', content: 'Tell me a joke about OpenTelemetry' }] },
      ],
      output: [
        {
          role: 'assistant',
          parts: [{ type: 'text', content: 'Why did the span cross the road?' }],
          finish_reason: 'stop',
        },
      ],
    },
    absent: [
      'gen_ai.system',
      'gen_ai.usage.prompt_tokens',
      'llm.usage.total_tokens',
      'gen_ai.prompt.0.role',
      'llm.request.type',
    ],
  },
  {
    name: 'OpenLLMetry tool task inside a workflow',
    input: {
      'traceloop.span.kind': 'tool',
      'traceloop.entity.name': 'lookup_order',
      'traceloop.entity.input': '{"args": [], "kwargs": {"order_id": "A-17"}}',
      'traceloop.entity.output': '"shipped"',
      'traceloop.workflow.name': 'support_flow',
    },
    expect: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'lookup_order',
      'gen_ai.tool.call.arguments': '{"args": [], "kwargs": {"order_id": "A-17"}}',
      'gen_ai.tool.call.result': '"shipped"',
      'gen_ai.workflow.name': 'support_flow',
    },
    absent: ['traceloop.entity.input', 'traceloop.workflow.name'],
  },
  {
    name: 'OpenLLMetry (new) with totals and cache reads',
    input: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.usage.input_tokens': 900n,
      'gen_ai.usage.output_tokens': 50n,
      'gen_ai.usage.total_tokens': 950n,
      'gen_ai.usage.cache_read.input_tokens': 800n,
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
    },
    expect: { 'gen_ai.usage.cache_read.input_tokens': 800n },
    messages: { input: [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }] },
    absent: ['gen_ai.usage.total_tokens'],
  },
  {
    name: 'deprecated gen_ai events (semconv ≤ 1.36) with an old provider name',
    input: {
      'gen_ai.system': 'az.ai.inference',
      'gen_ai.operation.name': 'chat',
      'gen_ai.openai.request.seed': 7n,
    },
    events: [
      { name: 'gen_ai.system.message', attributes: { content: 'You answer in French.' } },
      { name: 'gen_ai.user.message', attributes: { content: 'Hello' } },
      {
        name: 'gen_ai.choice',
        attributes: { index: 0n, finish_reason: 'stop', message: '{"content":"Bonjour"}' },
      },
      { name: 'exception', attributes: { 'exception.message': 'kept' } },
    ],
    expect: { 'gen_ai.provider.name': 'azure.ai.inference', 'gen_ai.request.seed': 7n },
    messages: {
      input: [
        { role: 'system', parts: [{ type: 'text', content: 'You answer in French.' }] },
        { role: 'user', parts: [{ type: 'text', content: 'Hello' }] },
      ],
      output: [{ role: 'assistant', parts: [{ type: 'text', content: 'Bonjour' }], finish_reason: 'stop' }],
    },
    absent: ['gen_ai.system', 'gen_ai.openai.request.seed'],
    eventsLeft: 1,
  },
  {
    // As @azure-rest/ai-inference 1.0.0-beta.6 sends them (fixture azure-ai-inference): every field
    // packed as JSON in gen_ai.event.content, the choice's tool calls as toolCalls.
    name: "the Azure AI Inference client's events: fields as JSON in gen_ai.event.content",
    input: {
      'gen_ai.system': 'az.ai.inference',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
    },
    events: [
      {
        name: 'gen_ai.user.message',
        attributes: {
          'gen_ai.system': 'az.ai.inference',
          'gen_ai.event.content': '{"content":[{"type":"text","text":"Weather in Paris?"}]}',
        },
      },
      {
        name: 'gen_ai.assistant.message',
        attributes: {
          'gen_ai.system': 'az.ai.inference',
          'gen_ai.event.content':
            '{"tool_calls":[{"id":"c1","type":"function","function":{"name":"weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]}',
        },
      },
      {
        name: 'gen_ai.tool.message',
        attributes: {
          'gen_ai.system': 'az.ai.inference',
          'gen_ai.event.content': '{"content":"sunny","id":"c1"}',
        },
      },
      {
        name: 'gen_ai.choice',
        attributes: {
          'gen_ai.system': 'az.ai.inference',
          'gen_ai.event.content':
            '{"finish_reason":"tool_calls","index":0,"message":{"toolCalls":[{"id":"c2","type":"function","function":{"name":"weather","arguments":"{}"}}]}}',
        },
      },
    ],
    expect: { 'gen_ai.provider.name': 'azure.ai.inference' },
    messages: {
      input: [
        { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
        {
          role: 'assistant',
          parts: [{ type: 'tool_call', id: 'c1', name: 'weather', arguments: { city: 'Paris' } }],
        },
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: 'sunny' }] },
      ],
      output: [
        {
          role: 'assistant',
          parts: [{ type: 'tool_call', id: 'c2', name: 'weather', arguments: {} }],
          finish_reason: 'tool_calls',
        },
      ],
    },
    absent: ['gen_ai.system', 'gen_ai.event.content'],
    eventsLeft: 0,
  },
  {
    name: 'content capture "metadata": structure kept, text removed',
    capture: 'metadata',
    input: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"my secret"}]}]',
      'gen_ai.output.messages':
        '[{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"search","arguments":{"q":"secret"}}],"finish_reason":"tool_calls"}]',
      'gen_ai.system_instructions': 'internal prompt',
    },
    expect: {},
    messages: {
      input: [{ role: 'user', parts: [{ type: 'text' }] }],
      output: [
        {
          role: 'assistant',
          parts: [{ type: 'tool_call', id: 'c1', name: 'search' }],
          finish_reason: 'tool_calls',
        },
      ],
    },
    absent: ['gen_ai.system_instructions'],
  },
  {
    name: 'content capture "none": message attributes removed',
    capture: 'none',
    input: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'search',
      'gen_ai.tool.call.arguments': '{"q":"secret"}',
      'gen_ai.input.messages': '[]',
    },
    expect: { 'gen_ai.tool.name': 'search' },
    absent: ['gen_ai.tool.call.arguments', 'gen_ai.input.messages'],
  },
  {
    name: 'content capture "metadata": retrieved documents keep ids, scores and metadata, not their text',
    capture: 'metadata',
    input: {
      'openinference.span.kind': 'RETRIEVER',
      'retrieval.documents.0.document.id': 'paris',
      'retrieval.documents.0.document.score': 0.9,
      'retrieval.documents.0.document.metadata': '{"source":"notes"}',
      'retrieval.documents.0.document.content': 'Paris is often sunny in June.',
      'retrieval.documents.11.document.content': 'London is often rainy in November.',
    },
    expect: {
      'gen_ai.operation.name': 'retrieval',
      'retrieval.documents.0.document.id': 'paris',
      'retrieval.documents.0.document.score': 0.9,
      'retrieval.documents.0.document.metadata': '{"source":"notes"}',
    },
    absent: ['retrieval.documents.0.document.content', 'retrieval.documents.11.document.content'],
  },
  {
    name: 'content capture "none": a reranker loses its query and documents\' text, an embedding its text and vectors',
    capture: 'none',
    input: {
      'openinference.span.kind': 'RERANKER',
      'reranker.query': 'weather in Paris',
      'reranker.model_name': 'bge-reranker-v2-m3',
      'reranker.input_documents.0.document.content': 'Paris is often sunny in June.',
      'reranker.output_documents.0.document.content': 'Paris is often sunny in June.',
      'reranker.output_documents.0.document.id': 'paris',
      'embedding.embeddings.0.embedding.text': 'sunny',
      'embedding.embeddings.0.embedding.vector': [0.1, 0.2],
      'llm.prompt_template.template': 'Answer about {city}',
      'llm.invocation_parameters':
        '{"model":"m","max_tokens":256,"system":"You answer in French.","stream":true}',
    },
    expect: {
      'gen_ai.operation.name': 'rerank',
      'reranker.output_documents.0.document.id': 'paris',
      'llm.invocation_parameters': '{"model":"m","max_tokens":256,"stream":true}',
    },
    absent: [
      'reranker.query',
      'reranker.input_documents.0.document.content',
      'reranker.output_documents.0.document.content',
      'embedding.embeddings.0.embedding.text',
      'embedding.embeddings.0.embedding.vector',
      'llm.prompt_template.template',
    ],
  },
  {
    name: 'content capture "none": the AI SDK\'s embedded values and vectors',
    capture: 'none',
    input: {
      'ai.operationId': 'ai.embedMany',
      'ai.model.id': 'text-embedding-3-small',
      'ai.values': ['"sunny"', '"rainy"'],
      'ai.embeddings': ['[0.1,0.2]', '[0.3,0.4]'],
    },
    expect: { 'gen_ai.operation.name': 'embeddings' },
    absent: ['ai.values', 'ai.embeddings'],
  },
];

describe('GenAI normalisation', () => {
  it.each(cases)('$name', (c) => {
    const s = span(c.input, c.events);
    expect(normaliseSpan(s, c.capture ?? 'full')).toBe(true);
    const out = flat(s);
    expect(out).toMatchObject(c.expect);
    for (const k of c.absent) expect(out, k).not.toHaveProperty([k]);
    if (c.messages?.input) expect(json(out['gen_ai.input.messages'])).toEqual(c.messages.input);
    if (c.messages?.output) expect(json(out['gen_ai.output.messages'])).toEqual(c.messages.output);
    if (c.eventsLeft !== undefined) expect(s.events).toHaveLength(c.eventsLeft);
    expect(s.raw).toBeNull();
  });

  it('leaves spans already in the current shape untouched, bytes included', () => {
    const s = span({
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.input_tokens': 5n,
      'gen_ai.provider.name': 'openai',
    });
    expect(normaliseSpan(s, 'full')).toBe(false);
    expect(s.raw).not.toBeNull();
  });

  it('does not look at spans without GenAI attributes', () => {
    const s = span({ 'http.request.method': 'GET', 'session.id': 'x' });
    expect(normaliseSpan(s, 'none')).toBe(false);
    expect(flat(s)).toEqual({ 'http.request.method': 'GET', 'session.id': 'x' });
  });
});

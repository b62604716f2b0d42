// Shapes added for issue #17, on spans as they arrive (bytes, so the fast path that lets current
// spans pass untouched is exercised): OpenLLMetry's cache names, the Vercel AI SDK's provider ids.
import { describe, expect, it } from 'vitest';
import { decodeTraceRequest } from '../otlp/decode-proto.ts';
import type { AnyValue, Span, TraceBatch } from '../otlp/model.ts';
import { attribute, int, request, span, str } from '../testing/otlp-builder.ts';
import { normaliseSpan } from './normalise.ts';
import { providerName } from './providers.ts';

function received(...attrs: Buffer[]): Span {
  const batch: TraceBatch = decodeTraceRequest(request([span({}, ...attrs)]));
  return batch.resourceSpans[0]?.scopeSpans[0]?.spans[0] as Span;
}
const flat = (s: Span): Record<string, AnyValue> =>
  Object.fromEntries(s.attributes.map((a) => [a.key, a.value]));

describe('OpenLLMetry cache tokens', () => {
  it('maps gen_ai.usage.cache_read_input_tokens and cache_creation_input_tokens', () => {
    const s = received(
      attribute('gen_ai.operation.name', str('chat')),
      attribute('gen_ai.provider.name', str('anthropic')),
      attribute('gen_ai.request.model', str('claude-sonnet-4')),
      attribute('gen_ai.usage.input_tokens', int(5000n)),
      attribute('gen_ai.usage.output_tokens', int(100n)),
      attribute('gen_ai.usage.cache_read_input_tokens', int(4000n)),
      attribute('gen_ai.usage.cache_creation_input_tokens', int(500n)),
    );
    expect(normaliseSpan(s, 'full')).toBe(true);
    expect(flat(s)).toMatchObject({
      'gen_ai.usage.cache_read.input_tokens': 4000n,
      'gen_ai.usage.cache_creation.input_tokens': 500n,
    });
    expect(flat(s)['gen_ai.usage.cache_read_input_tokens']).toBeUndefined();
  });
});

describe('provider names', () => {
  it("takes the Vercel AI SDK's provider ids to the registry's", () => {
    expect(providerName('openai.chat')).toBe('openai');
    expect(providerName('openai.responses')).toBe('openai');
    expect(providerName('anthropic.messages')).toBe('anthropic');
    expect(providerName('google.generative-ai')).toBe('gcp.gemini');
    expect(providerName('amazon-bedrock')).toBe('aws.bedrock');
    expect(providerName('mistral.chat')).toBe('mistral_ai');
    expect(providerName('xai.chat')).toBe('x_ai');
    expect(providerName('gcp.vertex_ai')).toBe('gcp.vertex_ai');
    expect(providerName('azure.ai.openai')).toBe('azure.ai.openai');
  });

  it('reads "Google" from a Vertex AI instrumentation as gcp.vertex_ai, and keeps a total that says more', () => {
    const vertex = () =>
      received(
        attribute('gen_ai.system', str('Google')),
        attribute('gen_ai.request.model', str('gemini-2.5-flash')),
        attribute('gen_ai.usage.prompt_tokens', int(900n)),
        attribute('gen_ai.usage.completion_tokens', int(30n)),
        attribute('llm.usage.total_tokens', int(950n)),
      );
    const s = vertex();
    expect(normaliseSpan(s, 'full', '@traceloop/instrumentation-vertexai')).toBe(true);
    expect(flat(s)).toMatchObject({
      'gen_ai.provider.name': 'gcp.vertex_ai',
      'gen_ai.usage.input_tokens': 900n,
      'gen_ai.usage.output_tokens': 30n,
      'llm.usage.total_tokens': 950n, // 20 tokens the library did not say the kind of
    });
    const other = vertex();
    normaliseSpan(other, 'full', '@traceloop/instrumentation-google-generativeai');
    expect(flat(other)['gen_ai.provider.name']).toBe('gcp.gemini');
  });

  it('rewrites gen_ai.provider.name = openai.chat on a span that is otherwise current', () => {
    const s = received(
      attribute('gen_ai.operation.name', str('chat')),
      attribute('gen_ai.provider.name', str('openai.chat')),
      attribute('gen_ai.request.model', str('gpt-4o')),
    );
    expect(normaliseSpan(s, 'full')).toBe(true);
    expect(flat(s)['gen_ai.provider.name']).toBe('openai');
  });

  it('recognises a span that has only ai.* keys (the AI SDK run and tool spans)', () => {
    const s = received(
      attribute('ai.operationId', str('ai.toolCall')),
      attribute('ai.toolCall.name', str('weather')),
      attribute('ai.toolCall.args', str('{"city":"Paris"}')),
    );
    expect(normaliseSpan(s, 'full')).toBe(true);
    expect(flat(s)).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'weather',
      'gen_ai.tool.call.arguments': '{"city":"Paris"}',
    });
  });
});

describe('input tokens that leave the cache out', () => {
  it("adds cache reads and writes back when input_tokens is less than them (Anthropic's own count)", () => {
    const s = received(
      attribute('gen_ai.operation.name', str('chat')),
      attribute('gen_ai.provider.name', str('anthropic')),
      attribute('gen_ai.usage.input_tokens', int(300n)),
      attribute('gen_ai.usage.output_tokens', int(80n)),
      attribute('gen_ai.usage.cache_read.input_tokens', int(2000n)),
      attribute('gen_ai.usage.cache_creation.input_tokens', int(500n)),
    );
    expect(normaliseSpan(s, 'full')).toBe(true);
    expect(flat(s)['gen_ai.usage.input_tokens']).toBe(2800n);
  });

  it('leaves a span that already counts them inside input untouched (its bytes pass through)', () => {
    const s = received(
      attribute('gen_ai.operation.name', str('chat')),
      attribute('gen_ai.provider.name', str('anthropic')),
      attribute('gen_ai.usage.input_tokens', int(2800n)),
      attribute('gen_ai.usage.cache_read.input_tokens', int(2000n)),
    );
    expect(normaliseSpan(s, 'full')).toBe(false);
  });
});

describe('output tokens that leave the reasoning out', () => {
  it("adds reasoning back when the total says output excluded it (Gemini's candidatesTokenCount)", () => {
    const s = received(
      attribute('gen_ai.operation.name', str('generate_content')),
      attribute('gen_ai.provider.name', str('gcp.gen_ai')),
      attribute('gen_ai.usage.input_tokens', int(900n)),
      attribute('gen_ai.usage.output_tokens', int(30n)),
      attribute('gen_ai.usage.total_tokens', int(950n)),
      attribute('gen_ai.usage.reasoning_tokens', int(20n)),
    );
    expect(normaliseSpan(s, 'full')).toBe(true);
    const a = flat(s);
    expect(a['gen_ai.usage.output_tokens']).toBe(50n);
    expect(a['gen_ai.usage.reasoning.output_tokens']).toBe(20n);
    expect(a['gen_ai.usage.reasoning_tokens']).toBeUndefined();
  });

  it('keeps output that already includes reasoning (total = input + output)', () => {
    const s = received(
      attribute('gen_ai.operation.name', str('chat')),
      attribute('gen_ai.provider.name', str('openai')),
      attribute('gen_ai.usage.input_tokens', int(1300n)),
      attribute('gen_ai.usage.output_tokens', int(40n)),
      attribute('gen_ai.usage.total_tokens', int(1340n)),
      attribute('gen_ai.usage.reasoning_tokens', int(16n)),
    );
    normaliseSpan(s, 'full');
    expect(flat(s)['gen_ai.usage.output_tokens']).toBe(40n);
    expect(flat(s)['gen_ai.usage.reasoning.output_tokens']).toBe(16n);
  });
});

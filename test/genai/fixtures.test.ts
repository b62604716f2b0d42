// Every captured GenAI shape end to end: the OTLP a real instrumentation library sent (recorded by
// test/fixtures/genai/capture.ts against a fake provider) goes into the one-machine stack's ingester
// (normalisation, usage, sampling) and embedded store, and the query API's trace detail and search row
// give the tokens, calls, tool calls, errors and cost computed here by hand from the fake provider's
// fixed usage (fake-openai.ts) and the list prices of gpt-4o-mini ($0.15 in, $0.075 cached, $0.60
// out per 1M), claude-sonnet-4 ($3 in, $0.30 cache read, $3.75 cache write, $15 out) and
// text-embedding-3-small ($0.02 per 1M).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BEDROCK_MODEL,
  BEDROCK_USAGE,
  GEMINI_MODEL,
  GEMINI_USAGE,
  USAGE,
} from '../fixtures/genai/fake-openai.ts';
import { type LocalStack, startLocalStack } from '../harness/local-stack.ts';
import { until } from '../harness/wait.ts';

const DIR = fileURLToPath(new URL('../fixtures/genai/', import.meta.url));

const MINI = { input: 0.15, cached: 0.075, output: 0.6 };
/** A gpt-4o-mini call's cost by hand: uncached input, cached input and output at their rates. */
const miniCost = (u: { prompt: number; cached: number; completion: number }) =>
  ((u.prompt - u.cached) * MINI.input + u.cached * MINI.cached + u.completion * MINI.output) / 1e6;

/** Totals of LLM calls that report no cache, reasoning or tool calls, and no error. */
const uncachedCalls = (inputTokens: number, outputTokens: number, llmCalls: number, costUsd: number) => ({
  inputTokens,
  outputTokens,
  cacheReadTokens: 0,
  cacheCreationTokens: 0,
  reasoningTokens: 0,
  llmCalls,
  toolCalls: 0,
  errors: 0,
  costUsd,
});

/** The agent run every Vercel fixture records: a tool call, the tool, the answer. */
const agentRun = (reasoning: number) => ({
  inputTokens: USAGE.toolCall.prompt + USAGE.afterTool.prompt, // 2,500
  outputTokens: USAGE.toolCall.completion + USAGE.afterTool.completion, // 65
  cacheReadTokens: USAGE.toolCall.cached + USAGE.afterTool.cached, // 2,048
  cacheCreationTokens: 0,
  reasoningTokens: reasoning,
  llmCalls: 2,
  toolCalls: 1,
  errors: 0,
  costUsd: miniCost(USAGE.toolCall) + miniCost(USAGE.afterTool), // $0.0002604
});
/** An Anthropic call by hand: uncached input, cache reads and writes, output at their rates. */
const a = USAGE.anthropic;
const anthropicRun = {
  inputTokens: a.input + a.cacheRead + a.cacheWrite, // 2,800: the conventions count the cache inside
  outputTokens: a.output,
  cacheReadTokens: a.cacheRead,
  cacheCreationTokens: a.cacheWrite,
  reasoningTokens: 0,
  llmCalls: 1,
  toolCalls: 0,
  errors: 0,
  costUsd: (a.input * 3 + a.cacheRead * 0.3 + a.cacheWrite * 3.75 + a.output * 15) / 1e6, // $0.004575
};
const embedRun = {
  inputTokens: 3 * USAGE.embedPerInput,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheCreationTokens: 0,
  reasoningTokens: 0,
  llmCalls: 1, // the embedMany span and its doEmbed are one call
  toolCalls: 0,
  errors: 0,
  costUsd: (3 * USAGE.embedPerInput * 0.02) / 1e6,
};

interface Expected {
  totals: ReturnType<typeof agentRun>;
  /** The provider of the spans that name a model (null: the library does not say). */
  provider: string | null;
  /** Spans that name a model of another provider than `provider` (span name → provider). */
  spanProviders?: Record<string, string | null>;
  models: string[];
  /** Span names whose usage is their children's, not counted again. */
  rollups: string[];
  /** The calls sequence: type and span name. */
  calls: [string, string][];
}

const EXPECTED: Record<string, Expected> = {
  'vercel-ai-gen_ai-generate': {
    totals: agentRun(0), // the OTel integration does not report reasoning tokens
    provider: 'openai',
    models: ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    rollups: ['invoke_agent gpt-4o-mini'],
    calls: [
      ['llm', 'chat gpt-4o-mini'],
      ['tool', 'execute_tool weather'],
      ['llm', 'chat gpt-4o-mini'],
    ],
  },
  'vercel-ai-gen_ai-stream': {
    totals: agentRun(0),
    provider: 'openai',
    models: ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    rollups: ['invoke_agent gpt-4o-mini'],
    calls: [
      ['llm', 'chat gpt-4o-mini'],
      ['tool', 'execute_tool weather'],
      ['llm', 'chat gpt-4o-mini'],
    ],
  },
  'vercel-ai-legacy-generate': {
    totals: agentRun(USAGE.afterTool.reasoning),
    provider: 'openai',
    models: ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    rollups: ['ai.generateText'],
    calls: [
      ['llm', 'ai.generateText.doGenerate'],
      ['tool', 'ai.toolCall'],
      ['llm', 'ai.generateText.doGenerate'],
    ],
  },
  'vercel-ai-legacy-stream': {
    totals: agentRun(USAGE.afterTool.reasoning),
    provider: 'openai',
    models: ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    rollups: ['ai.streamText'],
    calls: [
      ['llm', 'ai.streamText.doStream'],
      ['tool', 'ai.toolCall'],
      ['llm', 'ai.streamText.doStream'],
    ],
  },
  'vercel-ai-gen_ai-error': {
    // The second model call is refused (429): no usage, no cost; it, its step and the run are errors.
    totals: {
      ...agentRun(0),
      inputTokens: USAGE.toolCall.prompt,
      outputTokens: USAGE.toolCall.completion,
      cacheReadTokens: USAGE.toolCall.cached,
      errors: 3,
      costUsd: miniCost(USAGE.toolCall),
    },
    provider: 'openai',
    models: ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini-limited', 'gpt-4o-mini'],
    rollups: [],
    calls: [
      ['llm', 'chat gpt-4o-mini'],
      ['tool', 'execute_tool weather'],
      ['llm', 'chat gpt-4o-mini-limited'],
    ],
  },
  'vercel-ai-legacy-error': {
    totals: {
      ...agentRun(0),
      inputTokens: USAGE.toolCall.prompt,
      outputTokens: USAGE.toolCall.completion,
      cacheReadTokens: USAGE.toolCall.cached,
      errors: 2,
      costUsd: miniCost(USAGE.toolCall),
    },
    provider: 'openai',
    models: ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini-limited', 'gpt-4o-mini'],
    rollups: [],
    calls: [
      ['llm', 'ai.generateText.doGenerate'],
      ['tool', 'ai.toolCall'],
      ['llm', 'ai.generateText.doGenerate'],
    ],
  },
  'vercel-ai-gen_ai-embed': {
    totals: embedRun,
    provider: 'openai',
    models: ['text-embedding-3-small'],
    rollups: [],
    calls: [['llm', 'embeddings text-embedding-3-small']],
  },
  'vercel-ai-legacy-embed': {
    totals: embedRun,
    provider: 'openai',
    models: ['text-embedding-3-small'],
    rollups: ['ai.embedMany'],
    calls: [['llm', 'ai.embedMany.doEmbed']],
  },
  'openinference-openai': {
    // The tool-call completion has usage; the streamed one has none (the instrumentation does not
    // read the usage chunk); the embeddings span carries no token count.
    totals: {
      inputTokens: USAGE.toolCall.prompt,
      outputTokens: USAGE.toolCall.completion,
      cacheReadTokens: USAGE.toolCall.cached,
      cacheCreationTokens: 0,
      reasoningTokens: 0,
      llmCalls: 3,
      toolCalls: 0,
      errors: 0,
      costUsd: miniCost(USAGE.toolCall),
    },
    provider: 'openai',
    models: ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini', 'text-embedding-3-small'],
    rollups: [],
    calls: [
      ['llm', 'OpenAI Chat Completions'],
      ['llm', 'OpenAI Chat Completions'],
      ['llm', 'OpenAI Embeddings'],
    ],
  },
  'otel-openai': {
    // The official instrumentation sends no cached-token count: the cached 1,024 are priced in full.
    totals: {
      inputTokens: USAGE.toolCall.prompt + USAGE.plain.prompt + 2 * USAGE.embedPerInput,
      outputTokens: USAGE.toolCall.completion + USAGE.plain.completion,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      reasoningTokens: 0,
      llmCalls: 3,
      toolCalls: 0,
      errors: 0,
      costUsd:
        miniCost({ ...USAGE.toolCall, cached: 0 }) +
        miniCost(USAGE.plain) +
        (2 * USAGE.embedPerInput * 0.02) / 1e6,
    },
    provider: 'openai',
    models: ['gpt-4o-mini-2024-07-18', 'text-embedding-3-small'],
    rollups: [],
    calls: [
      ['llm', 'chat gpt-4o-mini'],
      ['llm', 'chat gpt-4o-mini'],
      ['llm', 'embeddings text-embedding-3-small'],
    ],
  },
  'openllmetry-openai': {
    // No cached count, no usage on the streamed call, no span for embeddings.
    totals: uncachedCalls(
      USAGE.toolCall.prompt,
      USAGE.toolCall.completion,
      2,
      miniCost({ ...USAGE.toolCall, cached: 0 }),
    ),
    provider: 'openai',
    models: ['gpt-4o-mini-2024-07-18'],
    rollups: [],
    calls: [
      ['llm', 'chat gpt-4o-mini'],
      ['llm', 'chat gpt-4o-mini'],
    ],
  },
  'openllmetry-openai-old': {
    // The old flat shape: prompt_tokens/completion_tokens, no cached count, no usage when streamed.
    totals: uncachedCalls(
      USAGE.toolCall.prompt,
      USAGE.toolCall.completion,
      2,
      miniCost({ ...USAGE.toolCall, cached: 0 }),
    ),
    provider: 'openai', // sent as gen_ai.system "OpenAI"
    models: ['gpt-4o-mini-2024-07-18'],
    rollups: [],
    calls: [
      ['llm', 'openai.chat'],
      ['llm', 'openai.chat'],
    ],
  },
  'openllmetry-anthropic': {
    // It sends Anthropic's own input_tokens (300, without the cache): the cache is added back.
    totals: anthropicRun,
    provider: 'anthropic',
    models: ['claude-sonnet-4-20250514'],
    rollups: [],
    calls: [['llm', 'chat claude-sonnet-4-20250514']],
  },
  'openinference-anthropic': {
    totals: anthropicRun,
    provider: 'anthropic',
    models: ['claude-sonnet-4-20250514'],
    rollups: [],
    calls: [['llm', 'Anthropic Messages']],
  },
  'openinference-langchain-agent': {
    totals: agentRun(USAGE.afterTool.reasoning),
    provider: null,
    models: ['gpt-4o-mini'],
    rollups: [],
    calls: [
      ['llm', 'ChatOpenAI'],
      ['tool', 'weather'],
      ['llm', 'ChatOpenAI'],
    ],
  },
  'otel-bedrock': {
    // Bedrock's own inputTokens (without the cache) and no cache counts are sent: the 1,600 cached
    // tokens are not seen. Priced at Anthropic's claude-3-5-haiku ($0.80 in, $4 out).
    totals: {
      inputTokens: BEDROCK_USAGE.input,
      outputTokens: BEDROCK_USAGE.output,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      reasoningTokens: 0,
      llmCalls: 1,
      toolCalls: 0,
      errors: 0,
      costUsd: (BEDROCK_USAGE.input * 0.8 + BEDROCK_USAGE.output * 4) / 1e6,
    },
    provider: 'aws.bedrock',
    models: [BEDROCK_MODEL],
    rollups: [],
    calls: [['llm', `chat ${BEDROCK_MODEL}`]],
  },
  'openinference-bedrock': {
    // It names the model "anthropic" and counts Bedrock's own inputTokens; the model id and the cache
    // counts are read from the request and response bodies it also sends. claude-3-5-haiku: $0.80 in,
    // $0.08 cache read, $4 out.
    totals: {
      inputTokens: BEDROCK_USAGE.input + BEDROCK_USAGE.cacheRead,
      outputTokens: BEDROCK_USAGE.output,
      cacheReadTokens: BEDROCK_USAGE.cacheRead,
      cacheCreationTokens: 0,
      reasoningTokens: 0,
      llmCalls: 1,
      toolCalls: 0,
      errors: 0,
      costUsd: (BEDROCK_USAGE.input * 0.8 + BEDROCK_USAGE.cacheRead * 0.08 + BEDROCK_USAGE.output * 4) / 1e6,
    },
    provider: 'aws.bedrock',
    models: [BEDROCK_MODEL],
    rollups: [],
    calls: [['llm', 'bedrock.converse']],
  },
  'openllmetry-google-genai': {
    // Two calls (generateContent and a stream), each: Gemini's candidatesTokenCount (30) leaves the
    // thoughts (20) out and the library sends it as output; its total (950 = 900 + 30 + 20) shows it,
    // so the thoughts are added back to output. Provider gcp.gen_ai, priced at gemini-2.5-flash:
    // $0.30 in, $0.075 cache read, $2.50 out.
    totals: {
      inputTokens: 2 * GEMINI_USAGE.prompt,
      outputTokens: 2 * (GEMINI_USAGE.candidates + GEMINI_USAGE.thoughts),
      cacheReadTokens: 2 * GEMINI_USAGE.cached,
      cacheCreationTokens: 0,
      reasoningTokens: 2 * GEMINI_USAGE.thoughts,
      llmCalls: 2,
      toolCalls: 0,
      errors: 0,
      costUsd:
        (2 *
          ((GEMINI_USAGE.prompt - GEMINI_USAGE.cached) * 0.3 +
            GEMINI_USAGE.cached * 0.075 +
            (GEMINI_USAGE.candidates + GEMINI_USAGE.thoughts) * 2.5)) /
        1e6,
    },
    provider: 'gcp.gen_ai',
    models: [GEMINI_MODEL],
    rollups: [],
    calls: [
      ['llm', `generate_content ${GEMINI_MODEL}`],
      ['llm', `generate_content ${GEMINI_MODEL}`],
    ],
  },
  'openllmetry-vertexai': {
    // Two calls (generateContent and a stream) through @google-cloud/vertexai (deprecated by Google,
    // still in use): the library sends gen_ai.system "Google", the old prompt/completion token names
    // and the total (950), but neither the cached input nor the thoughts. What it leaves out is not
    // counted (the total alone cannot say whether the 20 are thoughts or tool-use prompt); the total
    // stays on the span to show the gap, and the cached input, unreported, is billed as input.
    // Provider gcp.vertex_ai (the instrumentation's scope says which Google API), priced as
    // gemini-2.5-flash: $0.30 in, $2.50 out.
    totals: uncachedCalls(
      2 * GEMINI_USAGE.prompt,
      2 * GEMINI_USAGE.candidates,
      2,
      (2 * (GEMINI_USAGE.prompt * 0.3 + GEMINI_USAGE.candidates * 2.5)) / 1e6,
    ),
    provider: 'gcp.vertex_ai',
    models: [GEMINI_MODEL],
    rollups: [],
    calls: [
      ['llm', 'vertexai.completion'],
      ['llm', 'vertexai.completion'],
    ],
  },
  'openllmetry-mcp': {
    // An MCP client session: initialize, tools/list and the tool call; only the call is a tool call.
    totals: {
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      reasoningTokens: 0,
      llmCalls: 0,
      toolCalls: 1,
      errors: 0,
      costUsd: 0,
    },
    provider: null,
    models: [],
    rollups: [],
    calls: [['tool', 'weather.tool']],
  },
  'openinference-langchain': {
    // Two chain runs, one ChatOpenAI call each; chain spans carry no usage of their own here.
    totals: {
      inputTokens: 2 * USAGE.plain.prompt,
      outputTokens: 2 * USAGE.plain.completion,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      reasoningTokens: 0,
      llmCalls: 2,
      toolCalls: 0,
      errors: 0,
      costUsd: 2 * miniCost(USAGE.plain),
    },
    provider: null, // LangChain's spans do not name the provider (priced by the model name alone)
    models: ['gpt-4o-mini'],
    rollups: [],
    calls: [
      ['llm', 'ChatOpenAI'],
      ['llm', 'ChatOpenAI'],
    ],
  },
  'openllmetry-llamaindex': {
    // A query engine's one chat (no tools) and an OpenAIAgent's two (a tool call, the answer). The
    // library sends input and output tokens only: the cached 1,024 of each agent call are priced in
    // full. It sends no span for the tool LlamaIndex runs (no tool call) nor for the embeddings
    // requests (the query embedding's task span carries no usage); workflow and agent spans carry no
    // usage of their own.
    totals: uncachedCalls(
      USAGE.plain.prompt + USAGE.toolCall.prompt + USAGE.afterTool.prompt, // 2,550
      USAGE.plain.completion + USAGE.toolCall.completion + USAGE.afterTool.completion, // 75
      3,
      miniCost(USAGE.plain) +
        miniCost({ ...USAGE.toolCall, cached: 0 }) +
        miniCost({ ...USAGE.afterTool, cached: 0 }),
    ),
    provider: 'openai',
    models: ['gpt-4o-mini'], // it sends the request's model as the response model
    rollups: [],
    calls: [
      ['llm', 'chat gpt-4o-mini'],
      ['llm', 'chat gpt-4o-mini'],
      ['llm', 'chat gpt-4o-mini'],
    ],
  },
  'openinference-core-agent': {
    // traceAgent round a retriever, a reranker, two chats through the OpenInference OpenAI
    // instrumentation (cache reads and reasoning tokens sent) and the traceTool weather tool.
    totals: agentRun(USAGE.afterTool.reasoning),
    provider: 'openai',
    spanProviders: { 'rerank-notes': null }, // the reranker's model, no provider named
    models: ['gpt-4o-mini-2024-07-18', 'bge-reranker-v2-m3'],
    rollups: [],
    calls: [
      ['llm', 'OpenAI Chat Completions'],
      ['tool', 'weather'],
      ['llm', 'OpenAI Chat Completions'],
    ],
  },
  'azure-ai-inference': {
    // Two chats (the tool call, then the answer) through Azure's AI Inference client: input and output
    // tokens only, so the cached 1,024 of each are priced in full; no span for the tool the app runs.
    // Provider azure.ai.inference (sent as gen_ai.system "az.ai.inference"), priced as OpenAI's
    // gpt-4o-mini, a model it hosts. The pipeline's HTTP POST spans are no calls.
    totals: uncachedCalls(
      USAGE.toolCall.prompt + USAGE.afterTool.prompt, // 2,500
      USAGE.toolCall.completion + USAGE.afterTool.completion, // 65
      2,
      miniCost({ ...USAGE.toolCall, cached: 0 }) + miniCost({ ...USAGE.afterTool, cached: 0 }),
    ),
    provider: 'azure.ai.inference',
    models: ['gpt-4o-mini-2024-07-18'],
    rollups: [],
    calls: [
      ['llm', 'chat gpt-4o-mini'],
      ['llm', 'chat gpt-4o-mini'],
    ],
  },
};

interface Fixture {
  what: string;
  resourceSpans: { scopeSpans: { spans: { traceId: string; parentSpanId?: string }[] }[] }[];
}
const load = (name: string): Fixture => JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8'));
const traceIdOf = (f: Fixture) => f.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.traceId as string;

describe('captured GenAI shapes through the ingester, the embedded store and the query API', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack();
    for (const name of Object.keys(EXPECTED)) {
      const { resourceSpans } = load(name);
      const res = await fetch(`${stack.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ resourceSpans }),
      });
      expect(res.status, name).toBe(200);
    }
    const want = Object.keys(EXPECTED).length;
    await until('every fixture stored', async () =>
      (await stack.get('/api/v1/traces?limit=50')).body?.traces?.length === want ? true : undefined,
    );
  });
  afterAll(async () => {
    await stack?.stop();
  });

  for (const [name, want] of Object.entries(EXPECTED)) {
    it(`${name}: trace detail and search row give the hand-computed totals`, async () => {
      const fixture = load(name);
      const id = traceIdOf(fixture);
      const { status, body: trace } = await stack.get(`/api/v1/traces/${id}`);
      expect(status).toBe(200);
      const { costUsd, ...tokens } = want.totals;
      expect(trace.totals).toMatchObject({ ...tokens, costPartial: false, costUnknown: [] });
      expect(trace.totals.costUsd).toBeCloseTo(costUsd, 12);
      expect(trace.calls.map((c: { type: string; name: string }) => [c.type, c.name])).toEqual(want.calls);
      const rolled = trace.spans.filter((s: { usageRollup: boolean }) => s.usageRollup);
      expect(rolled.map((s: { name: string }) => s.name)).toEqual(want.rollups);
      for (const s of trace.spans.filter(
        (x: { genAi?: { requestModel: string | null } }) => x.genAi?.requestModel,
      ))
        expect(s.genAi.provider, s.name).toBe(
          want.spanProviders && s.name in want.spanProviders ? want.spanProviders[s.name] : want.provider,
        );

      const { body: search } = await stack.get('/api/v1/traces?limit=50');
      const row = search.traces.find((t: { traceId: string }) => t.traceId === id);
      expect(row.tokens).toEqual({
        input: want.totals.inputTokens,
        output: want.totals.outputTokens,
        cacheRead: want.totals.cacheReadTokens,
        cacheCreation: want.totals.cacheCreationTokens,
        reasoning: want.totals.reasoningTokens,
      });
      expect(row.costUsd).toBeCloseTo(costUsd, 12);
      expect(row.costPartial).toBe(false);
      expect(row.error).toBe(want.totals.errors > 0);
      for (const e of trace.errors) expect(e.message).toBe('Rate limit reached for requests');
      expect([...row.models].sort()).toEqual([...want.models].sort());
    });
  }

  it("OpenLLMetry's old flat prompts and completions read as messages", async () => {
    const id = traceIdOf(load('openllmetry-openai-old'));
    const { body: trace } = await stack.get(`/api/v1/traces/${id}`);
    const [first] = trace.spans.filter((s: { name: string }) => s.name === 'openai.chat');
    expect(first.genAi).toMatchObject({
      operation: 'chat',
      inputMessages: [
        { role: 'system', parts: [{ type: 'text', content: 'You answer weather questions.' }] },
        { role: 'user', parts: [{ type: 'text', content: 'What is the weather in Paris?' }] },
      ],
      finishReasons: ['tool_calls'],
    });
    expect(first.genAi.outputMessages[0].parts).toContainEqual(
      expect.objectContaining({ type: 'tool_call', name: 'weather' }),
    );
    expect(Object.keys(first.attributes).filter((k) => k.startsWith('gen_ai.prompt.'))).toEqual([]);
  });

  it("Azure AI Inference's content span events read as messages", async () => {
    const id = traceIdOf(load('azure-ai-inference'));
    const { body: trace } = await stack.get(`/api/v1/traces/${id}`);
    const [first, second] = trace.spans.filter((s: { name: string }) => s.name === 'chat gpt-4o-mini');
    const asked = {
      role: 'assistant',
      parts: [{ type: 'tool_call', id: 'call_weather_1', name: 'weather', arguments: { city: 'Paris' } }],
    };
    expect(first.genAi).toMatchObject({
      operation: 'chat',
      provider: 'azure.ai.inference',
      requestModel: 'gpt-4o-mini',
      responseModel: 'gpt-4o-mini-2024-07-18',
      inputMessages: [
        { role: 'system', parts: [{ type: 'text', content: 'You answer weather questions.' }] },
        { role: 'user', parts: [{ type: 'text', content: 'What is the weather in Paris?' }] },
      ],
      outputMessages: [{ ...asked, finish_reason: 'tool_calls' }],
      finishReasons: ['tool_calls'],
    });
    expect(second.genAi.inputMessages.slice(2)).toEqual([
      asked,
      {
        role: 'tool',
        parts: [
          {
            type: 'tool_call_response',
            id: 'call_weather_1',
            response: '{"city":"Paris","weather":"sunny","celsius":21}',
          },
        ],
      },
    ]);
    expect(second.genAi.outputMessages).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: 'It is sunny in Paris.' }],
        finish_reason: 'stop',
      },
    ]);
    // The events became the messages: none is kept, nor the old provider attribute.
    for (const s of [first, second]) {
      expect(s.events, s.name).toEqual([]);
      expect(s.attributes['gen_ai.system']).toBeUndefined();
    }
  });

  it('OpenInference span kinds are recognised: retriever, tool, chain', async () => {
    const id = traceIdOf(load('openinference-langchain-agent'));
    const { body: trace } = await stack.get(`/api/v1/traces/${id}`);
    const op = (n: string) => trace.spans.find((s: { name: string }) => s.name === n)?.genAi?.operation;
    expect(op('Notes')).toBe('retrieval');
    expect(op('weather')).toBe('execute_tool');
    expect(op('weather-agent')).toBe('invoke_workflow');
    const tool = trace.spans.find((s: { name: string }) => s.name === 'weather').genAi;
    expect(tool.toolName).toBe('weather');
    expect(tool.toolCallArguments).toBe('Paris'); // as LangChain gives the tool its input
  });

  it("OpenInference core helpers' span kinds: agent, retriever, reranker, tool", async () => {
    const id = traceIdOf(load('openinference-core-agent'));
    const { body: trace } = await stack.get(`/api/v1/traces/${id}`);
    const ops = trace.spans.map((s: { name: string; genAi?: { operation: string } }) => [
      s.name,
      s.genAi?.operation ?? null,
    ]);
    expect(ops).toEqual([
      ['handle request', null],
      ['weather-agent', 'invoke_agent'],
      ['search-notes', 'retrieval'],
      ['rerank-notes', 'rerank'],
      ['OpenAI Chat Completions', 'chat'],
      ['weather', 'execute_tool'],
      ['OpenAI Chat Completions', 'chat'],
    ]);
    const byName = (n: string) => trace.spans.find((s: { name: string }) => s.name === n);
    expect(byName('weather-agent').attributes['gen_ai.agent.name']).toBe('weather-agent');
    expect(byName('weather').genAi).toMatchObject({
      toolName: 'weather',
      toolCallArguments: { city: 'Paris' },
      toolCallResult: { city: 'Paris', weather: 'sunny', celsius: 21 },
    });
    // The reranker's model is its request model; what it kept stays as OpenInference sends it.
    const rerank = byName('rerank-notes');
    expect(rerank.genAi).toMatchObject({ requestModel: 'bge-reranker-v2-m3', provider: null });
    expect(rerank.attributes).toMatchObject({
      'reranker.query': 'What is the weather in Paris?',
      'reranker.top_k': 1,
      'reranker.output_documents.0.document.id': 'paris',
    });
    expect(byName('search-notes').attributes['retrieval.documents.1.document.id']).toBe('london');
  });

  it("LlamaIndex's query engine, retriever and agent spans as OpenLLMetry sends them", async () => {
    const id = traceIdOf(load('openllmetry-llamaindex'));
    const { body: trace } = await stack.get(`/api/v1/traces/${id}`);
    const ops = Object.fromEntries(
      trace.spans.map((s: { name: string; genAi?: { operation: string } }) => [
        s.name,
        s.genAi?.operation ?? null,
      ]),
    );
    expect(ops).toEqual({
      'handle request': null,
      'retriever_query_engine.query': 'invoke_workflow',
      // OpenLLMetry's "task" spans: no GenAI operation of their own
      'retriever_query_engine.retrieve': null,
      'vector_index_retriever.retrieve': null,
      'base_embedding.get_query_embedding': null,
      'compact_and_refine.synthesize': null,
      'chat gpt-4o-mini': 'chat',
      'open_ai_agent.agent': 'invoke_agent',
    });
    const query = trace.spans.find((s: { name: string }) => s.name === 'retriever_query_engine.query');
    expect(query.attributes['gen_ai.workflow.name']).toBe('retriever_query_engine.query');
    const chats = trace.spans.filter((s: { name: string }) => s.name === 'chat gpt-4o-mini');
    expect(chats.map((s: { genAi: { finishReasons: string[] } }) => s.genAi.finishReasons)).toEqual([
      ['stop'],
      ['tool_call'],
      ['stop'],
    ]);
    expect(chats[2].genAi.outputMessages[0].parts).toEqual([
      { type: 'text', content: 'It is sunny in Paris.' },
    ]);
  });

  it('the legacy ai.* shape reads as the current conventions: messages, tools, provider, agent', async () => {
    const id = traceIdOf(load('vercel-ai-legacy-generate'));
    const { body: trace } = await stack.get(`/api/v1/traces/${id}`);
    const byName = (n: string) => trace.spans.filter((s: { name: string }) => s.name === n);
    const [first, second] = byName('ai.generateText.doGenerate');
    expect(first.genAi).toMatchObject({
      operation: 'chat',
      provider: 'openai',
      requestModel: 'gpt-4o-mini',
      responseModel: 'gpt-4o-mini-2024-07-18',
      systemInstructions: [{ type: 'text', content: 'You answer weather questions.' }],
      inputMessages: [{ role: 'user', parts: [{ type: 'text', content: 'What is the weather in Paris?' }] }],
      outputMessages: [
        {
          role: 'assistant',
          parts: [{ type: 'tool_call', id: 'call_weather_1', name: 'weather', arguments: { city: 'Paris' } }],
          finish_reason: 'tool-calls',
        },
      ],
      finishReasons: ['tool-calls'],
    });
    expect(second.genAi.inputMessages.at(-1)).toEqual({
      role: 'tool',
      parts: [
        {
          type: 'tool_call_response',
          id: 'call_weather_1',
          response: { city: 'Paris', weather: 'sunny', celsius: 21 },
        },
      ],
    });
    const [tool] = byName('ai.toolCall');
    expect(tool.genAi).toMatchObject({
      operation: 'execute_tool',
      toolName: 'weather',
      toolCallArguments: { city: 'Paris' },
      toolCallResult: { city: 'Paris', weather: 'sunny', celsius: 21 },
    });
    const [run] = byName('ai.generateText');
    expect(run.genAi).toMatchObject({ operation: 'invoke_agent', provider: 'openai' });
    expect(run.attributes['gen_ai.agent.name']).toBe('weather-agent');
    expect(run.attributes['ai.usage.inputTokens']).toBeUndefined(); // read, not kept twice
  });
});

// The Vercel AI SDK's own attribute shape (`ai.*`: its LegacyOpenTelemetry integration, and every
// version before the OTel GenAI one) → OTel GenAI. The SDK names each span by `ai.operationId`:
//   ai.generateText / ai.streamText / ai.generateObject / ai.streamObject — the whole run, with the
//     sum of its steps' usage: an agent invocation (invoke_agent), whose usage the query side counts
//     as its model calls' rollup, never again;
//   ….doGenerate / ….doStream — one call to the model (chat);
//   ai.embed / ai.embedMany (+ .doEmbed) — embeddings; ai.toolCall — a tool execution.
// Read from the SDK's attributes: model and provider (`openai.chat` → `openai`), usage with cached
// input and reasoning (v5+ names and v4's promptTokens/completionTokens), messages, tool calls and
// results, finish reason, response id and model, settings. The `ai.*` keys read are removed; others
// (timings such as ai.response.msToFirstChunk, provider metadata) stay as they are.
import type { AnyValue } from '../otlp/model.ts';
import { type Attrs, int, lookupTable, move, parseJson, setDefault, str } from './attrs.ts';
import type { Message, Part } from './messages.ts';
import { providerName } from './providers.ts';

const OPERATIONS = lookupTable({
  'ai.generateText': 'invoke_agent',
  'ai.streamText': 'invoke_agent',
  'ai.generateObject': 'invoke_agent',
  'ai.streamObject': 'invoke_agent',
  'ai.generateText.doGenerate': 'chat',
  'ai.streamText.doStream': 'chat',
  'ai.generateObject.doGenerate': 'chat',
  'ai.streamObject.doStream': 'chat',
  'ai.embed': 'embeddings',
  'ai.embedMany': 'embeddings',
  'ai.embed.doEmbed': 'embeddings',
  'ai.embedMany.doEmbed': 'embeddings',
  'ai.toolCall': 'execute_tool',
});

// Usage: first name present wins (v5+ names first, then v4's).
const USAGE: [string[], string][] = [
  [['ai.usage.inputTokens', 'ai.usage.promptTokens', 'ai.usage.tokens'], 'gen_ai.usage.input_tokens'],
  [['ai.usage.outputTokens', 'ai.usage.completionTokens'], 'gen_ai.usage.output_tokens'],
  [
    ['ai.usage.inputTokenDetails.cacheReadTokens', 'ai.usage.cachedInputTokens'],
    'gen_ai.usage.cache_read.input_tokens',
  ],
  [['ai.usage.inputTokenDetails.cacheWriteTokens'], 'gen_ai.usage.cache_creation.input_tokens'],
  [
    ['ai.usage.outputTokenDetails.reasoningTokens', 'ai.usage.reasoningTokens'],
    'gen_ai.usage.reasoning.output_tokens',
  ],
];
/** Usage the conventions have no name for, or that is derived: dropped once the above are read. */
const USAGE_DERIVED = [
  'ai.usage.totalTokens',
  'ai.usage.inputTokenDetails.noCacheTokens',
  'ai.usage.outputTokenDetails.textTokens',
];

const SETTINGS = lookupTable({
  'ai.settings.temperature': 'gen_ai.request.temperature',
  'ai.settings.topP': 'gen_ai.request.top_p',
  'ai.settings.topK': 'gen_ai.request.top_k',
  'ai.settings.maxOutputTokens': 'gen_ai.request.max_tokens',
  'ai.settings.maxTokens': 'gen_ai.request.max_tokens',
  'ai.settings.frequencyPenalty': 'gen_ai.request.frequency_penalty',
  'ai.settings.presencePenalty': 'gen_ai.request.presence_penalty',
  'ai.settings.seed': 'gen_ai.request.seed',
  'ai.settings.stopSequences': 'gen_ai.request.stop_sequences',
});

export function isVercelAi(m: Attrs): boolean {
  return typeof m.get('ai.operationId') === 'string';
}

const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** One AI SDK message content part as an OTel GenAI part. */
function part(p: Record<string, unknown>): Part | undefined {
  switch (p.type) {
    case 'text':
      return { type: 'text', content: text(p.text) };
    case 'reasoning':
      return { type: 'reasoning', content: text(p.text) };
    case 'tool-call':
      return {
        type: 'tool_call',
        id: str(p.toolCallId as AnyValue),
        name: String(p.toolName ?? ''),
        arguments: p.input ?? p.args,
      };
    case 'tool-result': {
      // v5+: output {type: json|text|…, value}; v4: result
      const out = p.output as { value?: unknown } | undefined;
      return {
        type: 'tool_call_response',
        id: str(p.toolCallId as AnyValue),
        response: out && typeof out === 'object' && 'value' in out ? out.value : (p.output ?? p.result),
      };
    }
    default:
      return typeof p.type === 'string' ? { type: p.type } : undefined; // images, files: kind only
  }
}

/** AI SDK messages ({role, content: string | parts}) → OTel GenAI messages and system instructions. */
function messages(list: unknown): { input: Message[]; system: Part[] } {
  const input: Message[] = [];
  const system: Part[] = [];
  if (!Array.isArray(list)) return { input, system };
  for (const msg of list as { role?: unknown; content?: unknown }[]) {
    if (!msg || typeof msg !== 'object') continue;
    const parts: Part[] =
      typeof msg.content === 'string'
        ? [{ type: 'text', content: msg.content }]
        : Array.isArray(msg.content)
          ? (msg.content as Record<string, unknown>[]).flatMap((p) =>
              p && typeof p === 'object' ? (part(p) ?? []) : [],
            )
          : [];
    if (msg.role === 'system') system.push(...parts);
    else input.push({ role: String(msg.role ?? 'user'), parts });
  }
  return { input, system };
}

export function normaliseVercelAi(m: Attrs): void {
  const op = str(m.get('ai.operationId'));
  const operation = op ? OPERATIONS[op] : undefined;
  if (operation) setDefault(m, 'gen_ai.operation.name', operation);
  const functionId = str(m.get('ai.telemetry.functionId'));
  if (operation === 'invoke_agent' && functionId) setDefault(m, 'gen_ai.agent.name', functionId);

  const provider = str(m.get('ai.model.provider'));
  if (provider) setDefault(m, 'gen_ai.provider.name', providerName(provider));
  m.delete('ai.model.provider');
  move(m, 'ai.model.id', 'gen_ai.request.model');
  move(m, 'ai.response.model', 'gen_ai.response.model');
  move(m, 'ai.response.id', 'gen_ai.response.id');
  for (const [from, to] of Object.entries(SETTINGS)) if (to) move(m, from, to);

  for (const [names, to] of USAGE) {
    for (const from of names) {
      const n = int(m.get(from));
      if (n !== undefined) setDefault(m, to, n);
    }
    for (const from of names) m.delete(from);
  }
  for (const k of USAGE_DERIVED) m.delete(k);

  const finish = str(m.get('ai.response.finishReason'));
  if (finish) setDefault(m, 'gen_ai.response.finish_reasons', [finish]);
  m.delete('ai.response.finishReason');

  // Input: a model call's exact messages (ai.prompt.messages), or a run's prompt (ai.prompt:
  // {system?, prompt? | messages?}).
  let prompt = messages(parseJson(m.get('ai.prompt.messages')));
  const run = parseJson(m.get('ai.prompt')) as
    | { system?: unknown; prompt?: unknown; messages?: unknown }
    | undefined;
  if (!prompt.input.length && run && typeof run === 'object') {
    prompt = messages(
      Array.isArray(run.messages)
        ? run.messages
        : typeof run.prompt === 'string'
          ? [{ role: 'user', content: run.prompt }]
          : [],
    );
    if (typeof run.system === 'string') prompt.system.unshift({ type: 'text', content: run.system });
  }
  if (prompt.input.length) {
    setDefault(m, 'gen_ai.input.messages', JSON.stringify(prompt.input));
    m.delete('ai.prompt.messages');
    m.delete('ai.prompt');
  }
  if (prompt.system.length) setDefault(m, 'gen_ai.system_instructions', JSON.stringify(prompt.system));
  const tools = m.get('ai.prompt.tools');
  if (Array.isArray(tools)) {
    const defs = tools.map((t) => parseJson(t as AnyValue)).filter((t) => t !== undefined);
    if (defs.length) setDefault(m, 'gen_ai.tool.definitions', JSON.stringify(defs));
    m.delete('ai.prompt.tools');
  }

  // Output: the text and the tool calls the model asked for.
  const outText = str(m.get('ai.response.text'));
  const calls = parseJson(m.get('ai.response.toolCalls'));
  const parts: Part[] = [];
  if (outText) parts.push({ type: 'text', content: outText });
  if (Array.isArray(calls))
    for (const c of calls as Record<string, unknown>[])
      if (c && typeof c === 'object') parts.push(part({ type: 'tool-call', ...c }) as Part);
  const object = str(m.get('ai.response.object'));
  if (object) parts.push({ type: 'text', content: object });
  if (parts.length && (operation === 'chat' || operation === 'invoke_agent')) {
    const out: Message = { role: 'assistant', parts };
    if (finish) out.finish_reason = finish;
    setDefault(m, 'gen_ai.output.messages', JSON.stringify([out]));
    m.delete('ai.response.text');
    m.delete('ai.response.toolCalls');
    m.delete('ai.response.object');
  }

  if (operation === 'execute_tool') {
    move(m, 'ai.toolCall.name', 'gen_ai.tool.name');
    move(m, 'ai.toolCall.id', 'gen_ai.tool.call.id');
    move(m, 'ai.toolCall.args', 'gen_ai.tool.call.arguments');
    move(m, 'ai.toolCall.input', 'gen_ai.tool.call.arguments');
    move(m, 'ai.toolCall.result', 'gen_ai.tool.call.result');
    move(m, 'ai.toolCall.output', 'gen_ai.tool.call.result');
    setDefault(m, 'gen_ai.tool.type', 'function');
  }
}
